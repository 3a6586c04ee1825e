//! The API double serving a bundle directory (CONTRACT.md §1): its Kubernetes files as the
//! lists the API would answer, its `logs/` as pod logs. Kinds the bundle lacks are empty lists,
//! as a real API server answers them.

use std::path::Path;

use serde::Deserialize;
use serde_json::{Value, json};

use super::Api;

/// (apiVersion, kind) → the LIST path the collector asks.
const PATHS: &[(&str, &str, &str)] = &[
    ("v1", "Node", "/api/v1/nodes"),
    ("v1", "Namespace", "/api/v1/namespaces"),
    ("v1", "Pod", "/api/v1/pods"),
    ("v1", "Event", "/api/v1/events"),
    ("events.k8s.io/v1", "Event", "/apis/events.k8s.io/v1/events"),
    ("v1", "Service", "/api/v1/services"),
    ("v1", "Endpoints", "/api/v1/endpoints"),
    (
        "discovery.k8s.io/v1",
        "EndpointSlice",
        "/apis/discovery.k8s.io/v1/endpointslices",
    ),
    ("apps/v1", "Deployment", "/apis/apps/v1/deployments"),
    ("apps/v1", "ReplicaSet", "/apis/apps/v1/replicasets"),
    ("apps/v1", "DaemonSet", "/apis/apps/v1/daemonsets"),
    (
        "networking.k8s.io/v1",
        "Ingress",
        "/apis/networking.k8s.io/v1/ingresses",
    ),
    (
        "networking.k8s.io/v1",
        "IngressClass",
        "/apis/networking.k8s.io/v1/ingressclasses",
    ),
    ("v1", "ServiceAccount", "/api/v1/serviceaccounts"),
    (
        "v1",
        "ConfigMap",
        "/api/v1/namespaces/kube-system/configmaps",
    ),
    (
        "admissionregistration.k8s.io/v1",
        "ValidatingWebhookConfiguration",
        "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
    ),
    (
        "admissionregistration.k8s.io/v1",
        "MutatingWebhookConfiguration",
        "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations",
    ),
];

pub fn api(dir: &Path) -> Api {
    let mut items: Vec<Value> = Vec::new();
    let k8s = dir.join("k8s");
    let mut files: Vec<_> = std::fs::read_dir(&k8s).unwrap().flatten().collect();
    files.sort_by_key(|e| e.file_name());
    for entry in files {
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let docs: Vec<Value> = if entry.path().extension().is_some_and(|e| e == "json") {
            vec![serde_json::from_str(&text).unwrap()]
        } else {
            serde_norway::Deserializer::from_str(&text)
                .map(|d| Value::deserialize(d).unwrap())
                .collect()
        };
        for doc in docs {
            match doc["items"].as_array() {
                Some(list) => items.extend(list.iter().cloned()),
                None => items.push(doc),
            }
        }
    }
    let mut api = Api::default();
    for (api_version, kind, path) in PATHS {
        let of_kind: Vec<Value> = items
            .iter()
            .filter(|i| i["apiVersion"] == *api_version && i["kind"] == *kind)
            .filter(|i| *kind != "ConfigMap" || i["metadata"]["namespace"] == "kube-system")
            .cloned()
            .collect();
        api.lists.insert(
            (*path).to_owned(),
            json!({"kind": format!("{kind}List"), "apiVersion": api_version, "items": of_kind}),
        );
    }
    let served = |i: &Value| {
        PATHS
            .iter()
            .any(|(v, k, _)| i["apiVersion"] == *v && i["kind"] == *k)
    };
    let unserved: Vec<_> = items.iter().filter(|i| !served(i)).collect();
    assert!(unserved.is_empty(), "no API path for {unserved:?}");
    let logs = dir.join("logs");
    if logs.is_dir() {
        for ns in std::fs::read_dir(&logs).unwrap().flatten() {
            for pod in std::fs::read_dir(ns.path()).unwrap().flatten() {
                for log in std::fs::read_dir(pod.path()).unwrap().flatten() {
                    let name = log.file_name().to_string_lossy().into_owned();
                    let container = name.trim_end_matches(".log");
                    api.logs.insert(
                        format!(
                            "{}/{}/{container}",
                            ns.file_name().to_string_lossy(),
                            pod.file_name().to_string_lossy()
                        ),
                        std::fs::read_to_string(log.path()).unwrap(),
                    );
                }
            }
        }
    }
    api
}
