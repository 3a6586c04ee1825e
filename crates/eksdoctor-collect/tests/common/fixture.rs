//! The case that started the project, as the API would serve it: a Fargate-only cluster whose
//! CoreDNS pods are Pending (untolerated Fargate taint), so the LBC cannot resolve STS and the
//! Ingress gets no address. Secrets are planted where real clusters leak them.

use serde_json::{Value, json};

use super::Api;

pub const AWS_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
pub const AWS_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
pub const JWT: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJpc3MiOiJrdWJlcm5ldGVzIiwic3ViIjoic3lzdGVtIn0.c2lnbmF0dXJlLXBsYW50ZWQ";
pub const PASSWORD: &str = "hunter2-planted";
pub const KUBE_TOKEN: &str = "kube-bearer-token-planted-0123456789";
/// In a connection URL's user info, in a flag's separate argument, in a config file kept in a
/// ConfigMap: places no name-based rule sees.
pub const URL_PASSWORD: &str = "url-pass-planted";
pub const CLIENT_SECRET: &str = "client-secret-planted";
pub const YAML_PASSWORD: &str = "yaml-pass-planted";

/// Every secret a bundle must not contain.
pub const PLANTED: &[&str] = &[
    AWS_KEY,
    AWS_SECRET,
    JWT,
    PASSWORD,
    KUBE_TOKEN,
    URL_PASSWORD,
    CLIENT_SECRET,
    YAML_PASSWORD,
];

pub const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/demo-aws-lbc";

fn meta(ns: Option<&str>, name: &str) -> Value {
    let mut m = json!({"name": name, "uid": format!("uid-{name}"), "creationTimestamp": "2025-06-01T10:00:00Z"});
    if let Some(ns) = ns {
        m["namespace"] = json!(ns);
    }
    m
}

/// `meta(ns, name)` with more fields (labels, annotations).
fn meta_with(ns: Option<&str>, name: &str, extra: Value) -> Value {
    let mut m = meta(ns, name);
    if let (Some(m), Value::Object(extra)) = (m.as_object_mut(), extra) {
        m.extend(extra);
    }
    m
}

fn list(kind: &str, api_version: &str, items: Vec<Value>) -> Value {
    json!({"kind": format!("{kind}List"), "apiVersion": api_version, "items": items})
}

fn running(name: &str, ready: bool) -> Value {
    json!({"name": name, "image": "img", "imageID": "", "ready": ready, "restartCount": 0,
           "state": {"running": {"startedAt": "2025-06-01T10:01:00Z"}}})
}

const LBC_LOG: &str = r#"{"level":"info","ts":"2025-06-01T10:02:00Z","msg":"starting controller"}
{"level":"error","ts":"2025-06-01T10:03:00Z","logger":"controller-runtime.manager.controller.ingress","msg":"Reconciler error","controller":"ingress","object":{"name":"shop","namespace":"app"},"error":"WebIdentityErr: failed to retrieve credentials\ncaused by: RequestError: send request failed\ncaused by: Post \"https://sts.us-west-2.amazonaws.com/\": dial tcp: lookup sts.us-west-2.amazonaws.com on 172.20.0.10:53: read udp 10.0.1.5:43122->172.20.0.10:53: read: connection refused"}
"#;

/// The seed case with `extra_pods` more healthy app pods (for scale runs).
pub fn seed(extra_pods: usize) -> Api {
    let fargate_node = |name: &str| {
        json!({
            "metadata": meta_with(None, name, json!({"labels": {"eks.amazonaws.com/compute-type": "fargate"}})),
            "spec": {"taints": [{"key": "eks.amazonaws.com/compute-type", "value": "fargate", "effect": "NoSchedule"}]},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]}
        })
    };
    let nodes = vec![
        fargate_node("fargate-ip-10-0-1-5.us-west-2.compute.internal"),
        fargate_node("fargate-ip-10-0-2-7.us-west-2.compute.internal"),
    ];
    let namespaces = ["default", "kube-system", "app"]
        .iter()
        .map(|n| json!({"metadata": meta(None, n), "status": {"phase": "Active"}}))
        .collect();

    let mut pods = Vec::new();
    for i in 0..2 {
        let mut m = meta(Some("kube-system"), &format!("coredns-5d8f7-{i}"));
        m["labels"] = json!({"k8s-app": "kube-dns", "eks.amazonaws.com/component": "coredns"});
        m["ownerReferences"] = json!([{"kind": "ReplicaSet", "name": "coredns-5d8f7", "apiVersion": "apps/v1", "uid": "rs"}]);
        pods.push(json!({
            "metadata": m,
            "spec": {"schedulerName": "default-scheduler", "containers": [{"name": "coredns", "image": "coredns:v1.11"}]},
            "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                "message": "0/2 nodes are available: 2 node(s) had untolerated taint {eks.amazonaws.com/compute-type: fargate}."}]}
        }));
    }
    for i in 0..2 {
        let mut m = meta(
            Some("kube-system"),
            &format!("aws-load-balancer-controller-7c9-{i}"),
        );
        m["labels"] = json!({"app.kubernetes.io/name": "aws-load-balancer-controller"});
        m["annotations"] = json!({"kubectl.kubernetes.io/last-applied-configuration":
            format!("{{\"spec\":{{\"containers\":[{{\"env\":[{{\"name\":\"AWS_SECRET_ACCESS_KEY\",\"value\":\"{AWS_SECRET}\"}}]}}]}}}}")});
        pods.push(json!({
            "metadata": m,
            "spec": {"serviceAccountName": "aws-load-balancer-controller", "nodeName": "fargate-ip-10-0-1-5.us-west-2.compute.internal",
                     "containers": [{"name": "controller", "image": "public.ecr.aws/eks/aws-load-balancer-controller:v2.8.1",
                        "args": ["--cluster-name=demo", "--ingress-class=alb"],
                        "env": [{"name": "AWS_ROLE_ARN", "value": ROLE_ARN},
                                {"name": "AWS_WEB_IDENTITY_TOKEN_FILE", "value": "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"}]}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                       "containerStatuses": [running("controller", true)]}
        }));
    }
    // A crash-looping app pod with secrets in its env and a token in its log.
    let mut m = meta(Some("app"), "billing-6f7-0");
    m["annotations"] = json!({"sidecar/token": JWT});
    pods.push(json!({
        "metadata": m,
        "spec": {"nodeName": "fargate-ip-10-0-2-7.us-west-2.compute.internal", "containers": [{"name": "billing", "image": "billing:1",
            "env": [{"name": "DB_PASSWORD", "value": PASSWORD}, {"name": "AWS_ACCESS_KEY_ID", "value": AWS_KEY},
                    {"name": "CONFIG_URL", "value": format!("https://config.local/?password={PASSWORD}")},
                    {"name": "DATABASE_URL", "value": format!("postgres://billing:{URL_PASSWORD}@db.app:5432/billing")}],
            "args": ["--listen=:8080", "--client-secret", CLIENT_SECRET, "--verbose"]}]},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}],
                   "containerStatuses": [{"name": "billing", "image": "billing:1", "imageID": "", "ready": false, "restartCount": 5,
                       "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                       "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}
    }));
    for i in 0..(1 + extra_pods) {
        let mut m = meta(Some("app"), &format!("shop-55b-{i}"));
        m["labels"] = json!({"app": "shop"});
        pods.push(json!({
            "metadata": m,
            "spec": {"nodeName": "fargate-ip-10-0-2-7.us-west-2.compute.internal", "containers": [{"name": "shop", "image": "shop:1"}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                       "containerStatuses": [running("shop", true)]}
        }));
    }

    let event =
        |name: &str, kind: &str, ns: &str, obj: &str, reason: &str, source: &str, message: &str| {
            json!({
                "metadata": meta(Some(ns), name),
                "involvedObject": {"kind": kind, "namespace": ns, "name": obj},
                "reason": reason, "message": message, "type": "Warning", "count": 12,
                "source": {"component": source},
                "firstTimestamp": "2025-06-01T10:00:05Z", "lastTimestamp": "2025-06-01T10:20:00Z"
            })
        };
    let events = vec![
        event(
            "coredns-0.1",
            "Pod",
            "kube-system",
            "coredns-5d8f7-0",
            "FailedScheduling",
            "default-scheduler",
            "0/2 nodes are available: 2 node(s) had untolerated taint {eks.amazonaws.com/compute-type: fargate}. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
        ),
        event(
            "shop.1",
            "Ingress",
            "app",
            "shop",
            "FailedBuildModel",
            "ingress",
            "Failed build model due to WebIdentityErr: failed to retrieve credentials\ncaused by: RequestError: send request failed\ncaused by: Post \"https://sts.us-west-2.amazonaws.com/\": dial tcp: lookup sts.us-west-2.amazonaws.com on 172.20.0.10:53: read: connection refused",
        ),
    ];
    let new_events = vec![json!({
        "metadata": meta(Some("kube-system"), "coredns-0.1"),
        "regarding": {"kind": "Pod", "namespace": "kube-system", "name": "coredns-5d8f7-0"},
        "reason": "FailedScheduling", "type": "Warning", "reportingController": "default-scheduler",
        "note": "0/2 nodes are available: 2 node(s) had untolerated taint {eks.amazonaws.com/compute-type: fargate}.",
        "eventTime": "2025-06-01T10:00:05.000000Z"
    })];

    let services = vec![
        json!({"metadata": meta_with(Some("kube-system"), "kube-dns", json!({"labels": {"k8s-app": "kube-dns"}})),
               "spec": {"clusterIP": "172.20.0.10", "selector": {"k8s-app": "kube-dns"}, "ports": [{"name": "dns", "port": 53, "protocol": "UDP"}]}}),
        json!({"metadata": meta(Some("kube-system"), "aws-load-balancer-webhook-service"),
               "spec": {"selector": {"app.kubernetes.io/name": "aws-load-balancer-controller"}, "ports": [{"port": 443, "targetPort": 9443}]}}),
        json!({"metadata": meta(Some("app"), "shop"),
               "spec": {"type": "ClusterIP", "selector": {"app": "shop"}, "ports": [{"port": 80, "targetPort": 8080}]}}),
    ];
    let endpoints = vec![
        json!({"metadata": meta(Some("kube-system"), "kube-dns"),
               "subsets": [{"notReadyAddresses": [], "ports": [{"name": "dns", "port": 53, "protocol": "UDP"}]}]}),
        json!({"metadata": meta(Some("app"), "shop"),
               "subsets": [{"addresses": [{"ip": "10.0.2.9"}], "ports": [{"port": 8080}]}]}),
    ];
    let slices = vec![
        json!({"metadata": meta_with(Some("kube-system"), "kube-dns-abc", json!({"labels": {"kubernetes.io/service-name": "kube-dns"}})),
                             "addressType": "IPv4", "endpoints": [], "ports": [{"name": "dns", "port": 53, "protocol": "UDP"}]}),
    ];
    let deployments = vec![
        json!({"metadata": meta(Some("kube-system"), "coredns"),
               "spec": {"replicas": 2, "selector": {"matchLabels": {"k8s-app": "kube-dns"}},
                        "template": {"metadata": {"labels": {"k8s-app": "kube-dns"}, "annotations": {"eks.amazonaws.com/compute-type": "ec2"}},
                                     "spec": {"containers": [{"name": "coredns", "image": "coredns:v1.11"}]}}},
               "status": {"replicas": 2, "unavailableReplicas": 2}}),
        json!({"metadata": meta(Some("kube-system"), "aws-load-balancer-controller"),
               "spec": {"replicas": 2, "selector": {"matchLabels": {"app.kubernetes.io/name": "aws-load-balancer-controller"}},
                        "template": {"spec": {"serviceAccountName": "aws-load-balancer-controller",
                            "containers": [{"name": "controller", "image": "public.ecr.aws/eks/aws-load-balancer-controller:v2.8.1"}]}}},
               "status": {"replicas": 2, "readyReplicas": 2, "availableReplicas": 2}}),
    ];
    let replicasets = vec![
        json!({"metadata": meta(Some("kube-system"), "coredns-5d8f7"),
                                  "spec": {"replicas": 2}, "status": {"replicas": 2}}),
    ];
    let ingresses = vec![json!({
        "metadata": meta_with(Some("app"), "shop", json!({"annotations": {"alb.ingress.kubernetes.io/scheme": "internet-facing", "alb.ingress.kubernetes.io/target-type": "ip"}})),
        "spec": {"ingressClassName": "alb", "rules": [{"http": {"paths": [{"path": "/", "pathType": "Prefix",
                 "backend": {"service": {"name": "shop", "port": {"number": 80}}}}]}}]},
        "status": {"loadBalancer": {}}
    })];
    let ingress_classes =
        vec![json!({"metadata": meta(None, "alb"), "spec": {"controller": "ingress.k8s.aws/alb"}})];
    let service_accounts = vec![
        json!({"metadata": meta_with(Some("kube-system"), "aws-load-balancer-controller", json!({"annotations": {"eks.amazonaws.com/role-arn": ROLE_ARN}}))}),
        json!({"metadata": meta(Some("app"), "default")}),
    ];
    let config_maps = vec![
        json!({"metadata": meta(Some("kube-system"), "coredns"), "data": {"Corefile": ".:53 {\n    forward . /etc/resolv.conf\n}\n"}}),
        json!({"metadata": meta(Some("kube-system"), "legacy-app-config"), "data": {"db_password": PASSWORD, "mode": "prod",
            "app.yaml": format!("db:\n  host: db.app\n  password: {YAML_PASSWORD}\n  pool: 5\n")}}),
    ];
    let webhook = |kind: &str| {
        json!({"metadata": meta(None, "aws-load-balancer-webhook"),
               "webhooks": [{"name": format!("{kind}.elbv2.k8s.aws"), "failurePolicy": "Fail",
                             "clientConfig": {"service": {"namespace": "kube-system", "name": "aws-load-balancer-webhook-service", "path": "/validate"}}}]})
    };

    let mut api = Api::default();
    let mut add = |path: &str, kind: &str, api_version: &str, items: Vec<Value>| {
        api.lists
            .insert(path.to_owned(), list(kind, api_version, items));
    };
    add("/api/v1/nodes", "Node", "v1", nodes);
    add("/api/v1/namespaces", "Namespace", "v1", namespaces);
    add("/api/v1/pods", "Pod", "v1", pods);
    add("/api/v1/events", "Event", "v1", events);
    add(
        "/apis/events.k8s.io/v1/events",
        "Event",
        "events.k8s.io/v1",
        new_events,
    );
    add("/api/v1/services", "Service", "v1", services);
    add("/api/v1/endpoints", "Endpoints", "v1", endpoints);
    add(
        "/apis/discovery.k8s.io/v1/endpointslices",
        "EndpointSlice",
        "discovery.k8s.io/v1",
        slices,
    );
    add(
        "/apis/apps/v1/deployments",
        "Deployment",
        "apps/v1",
        deployments,
    );
    add(
        "/apis/apps/v1/replicasets",
        "ReplicaSet",
        "apps/v1",
        replicasets,
    );
    add("/apis/apps/v1/daemonsets", "DaemonSet", "apps/v1", vec![]);
    add(
        "/apis/networking.k8s.io/v1/ingresses",
        "Ingress",
        "networking.k8s.io/v1",
        ingresses,
    );
    add(
        "/apis/networking.k8s.io/v1/ingressclasses",
        "IngressClass",
        "networking.k8s.io/v1",
        ingress_classes,
    );
    add(
        "/api/v1/serviceaccounts",
        "ServiceAccount",
        "v1",
        service_accounts,
    );
    add(
        "/api/v1/namespaces/kube-system/configmaps",
        "ConfigMap",
        "v1",
        config_maps,
    );
    add(
        "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
        "admissionregistration.k8s.io/v1",
        vec![webhook("vingress")],
    );
    add(
        "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
        "admissionregistration.k8s.io/v1",
        vec![webhook("mservice")],
    );
    // IngressClassParams: CRD not installed (404), as on many clusters.

    for i in 0..2 {
        api.logs.insert(
            format!("kube-system/aws-load-balancer-controller-7c9-{i}/controller"),
            LBC_LOG.to_owned(),
        );
    }
    api.logs.insert(
        "app/billing-6f7-0/billing".to_owned(),
        format!(
            "connecting with Authorization: Bearer {JWT}\nusing key {AWS_KEY}\n\
             db url postgres://app@db/billing?password={PASSWORD}\npanic: connection refused\n"
        ),
    );
    api
}
