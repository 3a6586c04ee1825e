//! Kubernetes collection: one paginated LIST per kind across all namespaces, all kinds in
//! flight at once, then bounded log tails of the pods that matter. Only GET requests.

use std::collections::BTreeSet;

use futures::StreamExt;
use futures::future::join_all;
use k8s_openapi::api::core::v1::{ContainerStatus, Pod};
use kube::Client;
use serde::Deserialize;
use serde_json::{Map, Value};

use eksdoctor_analysis::snapshot::Input;

use crate::bundle::{BundleFile, NotCollected, to_json};
use crate::progress::Progress;
use crate::redact;

/// A kind the collector lists. `deploy/rbac.yaml` grants exactly these (a test keeps them equal).
#[derive(Debug)]
pub(crate) struct Kind {
    pub group: &'static str,
    pub version: &'static str,
    pub resource: &'static str,
    pub kind: &'static str,
    /// Listed in this namespace only (ConfigMaps: kube-system holds coredns, aws-auth, …).
    pub namespace: Option<&'static str>,
    /// A CRD that may not be installed: a 404 means "none exist", not a failure.
    pub optional: bool,
    /// File name under `k8s/`; differs from `resource` where two groups share a resource name.
    pub file: &'static str,
}

const fn kind(
    group: &'static str,
    version: &'static str,
    resource: &'static str,
    kind: &'static str,
) -> Kind {
    Kind {
        group,
        version,
        resource,
        kind,
        namespace: None,
        optional: false,
        file: resource,
    }
}

pub(crate) const KINDS: &[Kind] = &[
    kind("", "v1", "nodes", "Node"),
    kind("", "v1", "namespaces", "Namespace"),
    kind("", "v1", "pods", "Pod"),
    kind("", "v1", "events", "Event"),
    Kind {
        file: "events.k8s.io-events",
        ..kind("events.k8s.io", "v1", "events", "Event")
    },
    kind("", "v1", "services", "Service"),
    kind("", "v1", "endpoints", "Endpoints"),
    kind("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice"),
    kind("apps", "v1", "deployments", "Deployment"),
    kind("apps", "v1", "replicasets", "ReplicaSet"),
    kind("apps", "v1", "daemonsets", "DaemonSet"),
    kind("networking.k8s.io", "v1", "ingresses", "Ingress"),
    kind("networking.k8s.io", "v1", "ingressclasses", "IngressClass"),
    kind("", "v1", "serviceaccounts", "ServiceAccount"),
    Kind {
        namespace: Some("kube-system"),
        file: "kube-system-configmaps",
        ..kind("", "v1", "configmaps", "ConfigMap")
    },
    kind(
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
    ),
    kind(
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
    ),
    Kind {
        optional: true,
        ..kind(
            "elbv2.k8s.aws",
            "v1beta1",
            "ingressclassparams",
            "IngressClassParams",
        )
    },
];

/// Evidence name of the logs in `collect-notes.json`.
const LOGS: &str = "logs";

impl Kind {
    fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_owned()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    fn path(&self) -> String {
        let base = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        match self.namespace {
            Some(ns) => format!("{base}/namespaces/{ns}/{}", self.resource),
            None => format!("{base}/{}", self.resource),
        }
    }

    pub(crate) fn bundle_path(&self) -> String {
        format!("k8s/{}.json", self.file)
    }

    fn list_kind(&self) -> String {
        format!("{}List", self.kind)
    }

    /// The name the analysis knows this evidence by (`k8s/pods`), for `collect-notes.json`.
    fn evidence(&self) -> String {
        eksdoctor_analysis::bundle::Kind::from_name(self.kind).map_or_else(
            || format!("k8s/{}", self.resource),
            |kind| Input::Kube(kind).name().to_owned(),
        )
    }
}

#[derive(Debug, Clone)]
pub struct K8sOptions {
    /// Objects per LIST page (`limit`).
    pub page_size: u32,
    /// `tailLines` for each log.
    pub log_lines: u32,
    /// Bytes kept of each log (the newest ones).
    pub log_bytes: usize,
    /// Failing pods whose logs are fetched, at most (the LBC and CoreDNS always are).
    pub max_failing_pods: usize,
    /// Log requests in flight at once.
    pub log_concurrency: usize,
}

impl Default for K8sOptions {
    fn default() -> Self {
        Self {
            page_size: 500,
            log_lines: 500,
            log_bytes: 256 * 1024,
            max_failing_pods: 50,
            log_concurrency: 16,
        }
    }
}

/// Why a request got no answer worth keeping.
#[derive(Debug, Clone)]
pub(crate) enum Failure {
    Forbidden(String),
    NotFound,
    /// The API server could not be reached.
    Unreachable(String),
    /// No credentials, or the API server did not accept them (401, a failing exec plugin).
    Unauthorized(String),
    Other(String),
}

impl Failure {
    fn from_kube(err: kube::Error) -> Self {
        match err {
            kube::Error::Api(status) => {
                let msg = if status.message.is_empty() {
                    status.reason.clone()
                } else {
                    status.message.clone()
                };
                match status.code {
                    403 => Failure::Forbidden(msg),
                    404 => Failure::NotFound,
                    401 => Failure::Unauthorized(format!("unauthorized (401): {msg}")),
                    code => Failure::Other(format!("HTTP {code}: {msg}")),
                }
            }
            e @ kube::Error::Auth(_) => Failure::Unauthorized(error_chain(&e)),
            e @ (kube::Error::HyperError(_) | kube::Error::Service(_)) => {
                Failure::Unreachable(error_chain(&e))
            }
            e => Failure::Other(error_chain(&e)),
        }
    }

    pub(crate) fn reason(&self) -> String {
        match self {
            Failure::Forbidden(msg) => format!("forbidden (403): {msg}"),
            Failure::NotFound => "not found (404)".to_owned(),
            Failure::Unreachable(msg) | Failure::Unauthorized(msg) | Failure::Other(msg) => {
                msg.clone()
            }
        }
    }
}

/// Why nothing at all could be listed.
#[derive(Debug, Clone)]
pub(crate) enum NoAccess {
    Unreachable(String),
    Unauthorized(String),
    /// Every list was refused (403), or failed otherwise.
    Refused(String),
}

/// An error with its sources, on one line: transport errors hide the useful part in the chain.
pub(crate) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(e) = source {
        let s = e.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        source = e.source();
    }
    out
}

/// The lists: files, notes, and what the rest of the collection needs from them.
pub(crate) struct Listed {
    pub files: Vec<BundleFile>,
    pub notes: Vec<NotCollected>,
    /// Set when no kind could be listed: the first failure that says why.
    pub no_access: Option<NoAccess>,
    /// The IAM role of the LBC's service account (`eks.amazonaws.com/role-arn`).
    pub lbc_role_arn: Option<String>,
    /// `None` when pods were not collected.
    pods: Option<Vec<Pod>>,
}

/// `Some(true)` as soon as one page has come back, `Some(false)` when every list is done and
/// none did: AWS waits for this, so that an unreachable cluster asks nothing of AWS.
pub(crate) type Answered = tokio::sync::watch::Sender<Option<bool>>;

/// Every kind at once, each paginated.
pub(crate) async fn list(
    client: &Client,
    opts: &K8sOptions,
    progress: &Progress,
    answered: &Answered,
) -> Listed {
    let lists = join_all(KINDS.iter().map(|k| async move {
        let result = list_all(client, k, opts.page_size, progress, answered).await;
        (k, result)
    }))
    .await;
    answered.send_if_modified(|v| v.is_none() && v.replace(false).is_none());

    let mut out = Listed {
        files: Vec::new(),
        notes: Vec::new(),
        no_access: None,
        lbc_role_arn: None,
        pods: None,
    };
    let mut any_listed = false;
    let mut service_accounts = None;
    for (k, result) in lists {
        match result {
            Ok(list) => {
                any_listed = true;
                out.files.push(BundleFile {
                    path: k.bundle_path(),
                    contents: to_json(&list),
                });
                match (k.group, k.resource) {
                    ("", "pods") => out.pods = Some(parse_pods(&list)),
                    ("", "serviceaccounts") => service_accounts = Some(list),
                    _ => {}
                }
            }
            Err(Failure::NotFound) if k.optional => {}
            Err(failure) => {
                let access = match &failure {
                    Failure::Unreachable(msg) => Some(NoAccess::Unreachable(msg.clone())),
                    Failure::Unauthorized(msg) => Some(NoAccess::Unauthorized(msg.clone())),
                    _ => None,
                };
                if out.no_access.is_none() {
                    out.no_access = access;
                }
                out.notes.push(NotCollected {
                    what: k.evidence(),
                    reason: failure.reason(),
                });
            }
        }
    }
    if any_listed {
        out.no_access = None;
    } else if out.no_access.is_none() {
        let reason = out
            .notes
            .iter()
            .find(|n| n.reason.starts_with("forbidden"))
            .or(out.notes.first())
            .map_or_else(|| "no list answered".to_owned(), |n| n.reason.clone());
        out.no_access = Some(NoAccess::Refused(reason));
    }
    if let (Some(pods), Some(sas)) = (&out.pods, &service_accounts) {
        out.lbc_role_arn = lbc_role_arn(pods, sas);
    }
    out
}

/// Log tails of the pods that matter, a bounded number in flight.
pub(crate) async fn logs(
    client: &Client,
    listed: &Listed,
    opts: &K8sOptions,
    progress: &Progress,
) -> (Vec<BundleFile>, Vec<NotCollected>) {
    let mut files = Vec::new();
    let mut notes = Vec::new();
    let Some(pods) = &listed.pods else {
        notes.push(NotCollected {
            what: LOGS.to_owned(),
            reason: "pods not collected, so no logs were fetched".to_owned(),
        });
        return (files, notes);
    };
    let (targets, skipped) = log_targets(pods, opts.max_failing_pods);
    if skipped > 0 {
        notes.push(NotCollected {
            what: LOGS.to_owned(),
            reason: format!(
                "logs of {skipped} more failing pods skipped (limit {})",
                opts.max_failing_pods
            ),
        });
    }
    let logs: Vec<_> = futures::stream::iter(targets)
        .map(|t| async move {
            let result = fetch_log(client, &t, opts, progress).await;
            (t, result)
        })
        .buffer_unordered(opts.log_concurrency.max(1))
        .collect()
        .await;
    for (t, result) in logs {
        match result {
            Ok(text) => files.push(BundleFile {
                path: t.bundle_path(),
                contents: text.into_bytes(),
            }),
            Err(f) => notes.push(NotCollected {
                what: LOGS.to_owned(),
                reason: format!("{}: {}", t.bundle_path(), f.reason()),
            }),
        }
    }
    (files, notes)
}

/// Lists one kind, page by page, into one `<Kind>List` with `kind`/`apiVersion` on each item
/// (as kubectl prints it), secrets masked.
async fn list_all(
    client: &Client,
    kind: &Kind,
    page_size: u32,
    progress: &Progress,
    answered: &Answered,
) -> Result<List, Failure> {
    let path = kind.path();
    let mut items = Vec::new();
    let mut resource_version = None;
    let mut cont: Option<String> = None;
    loop {
        let mut url = format!("{path}?limit={page_size}");
        if let Some(token) = &cont {
            url.push_str("&continue=");
            url.extend(percent_encoding::utf8_percent_encode(
                token,
                percent_encoding::NON_ALPHANUMERIC,
            ));
        }
        progress.start(&path);
        let page = get_text(client, &url).await;
        progress.done(&path);
        let page = page?;
        answered.send_if_modified(|v| v.is_none() && v.replace(true).is_none());
        let page: Value = serde_json::from_str(&page)
            .map_err(|e| Failure::Other(format!("{path}: invalid JSON: {e}")))?;
        let Value::Object(mut page) = page else {
            return Err(Failure::Other(format!("{path}: not a JSON object")));
        };
        let metadata = page.remove("metadata").unwrap_or(Value::Null);
        if resource_version.is_none() {
            resource_version = metadata.get("resourceVersion").cloned();
        }
        if let Some(Value::Array(page_items)) = page.remove("items") {
            items.extend(page_items);
        }
        match metadata.get("continue").and_then(Value::as_str) {
            Some(token) if !token.is_empty() => cont = Some(token.to_owned()),
            _ => break,
        }
    }
    let api_version = kind.api_version();
    for item in &mut items {
        if let Value::Object(obj) = item {
            obj.insert("apiVersion".into(), Value::String(api_version.clone()));
            obj.insert("kind".into(), Value::String(kind.kind.to_owned()));
        }
        redact::object(item);
    }
    let mut metadata = Map::new();
    if let Some(rv) = resource_version {
        metadata.insert("resourceVersion".into(), rv);
    }
    Ok(List {
        api_version,
        kind: kind.list_kind(),
        metadata,
        items,
    })
}

/// A list as the API and kubectl print it: `apiVersion`, `kind` and `metadata` before the items.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct List {
    api_version: String,
    kind: String,
    metadata: Map<String, Value>,
    items: Vec<Value>,
}

async fn get_text(client: &Client, url: &str) -> Result<String, Failure> {
    let request = http::Request::get(url)
        .body(Vec::new())
        .map_err(|e| Failure::Other(format!("{url}: {e}")))?;
    client
        .request_text(request)
        .await
        .map_err(Failure::from_kube)
}

fn parse_pods(list: &List) -> Vec<Pod> {
    list.items
        .iter()
        .filter_map(|item| Pod::deserialize(item).ok())
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct LogTarget {
    namespace: String,
    pod: String,
    container: String,
    /// The container is waiting to restart: its last run's log is the one that says why.
    previous: bool,
}

impl LogTarget {
    fn bundle_path(&self) -> String {
        let clean = |s: &str| s.replace(['/', '\\'], "_");
        format!(
            "logs/{}/{}/{}.log",
            clean(&self.namespace),
            clean(&self.pod),
            clean(&self.container)
        )
    }
}

fn is_lbc(pod: &Pod) -> bool {
    let labels = pod.metadata.labels.as_ref();
    labels
        .and_then(|l| l.get("app.kubernetes.io/name"))
        .is_some_and(|v| v == "aws-load-balancer-controller")
        || pod.spec.as_ref().is_some_and(|s| {
            s.containers.iter().any(|c| {
                c.image
                    .as_deref()
                    .is_some_and(|i| i.contains("aws-load-balancer-controller"))
            })
        })
}

fn is_coredns(pod: &Pod) -> bool {
    pod.metadata.namespace.as_deref() == Some("kube-system")
        && pod
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get("k8s-app"))
            .is_some_and(|v| v == "kube-dns")
}

fn is_failing(pod: &Pod) -> bool {
    let Some(status) = &pod.status else {
        return false;
    };
    if status.phase.as_deref() == Some("Succeeded") {
        return false;
    }
    let ready = status
        .conditions
        .iter()
        .flatten()
        .any(|c| c.type_ == "Ready" && c.status == "True");
    let waiting =
        all_statuses(pod).any(|s| s.state.as_ref().is_some_and(|st| st.waiting.is_some()));
    !ready || waiting
}

fn all_statuses(pod: &Pod) -> impl Iterator<Item = &ContainerStatus> {
    pod.status.iter().flat_map(|s| {
        s.init_container_statuses
            .iter()
            .flatten()
            .chain(s.container_statuses.iter().flatten())
    })
}

/// The containers whose logs exist and tell something: LBC and CoreDNS pods, then failing pods
/// (at most `max_failing`). Containers that never started have no log and cost no request.
fn log_targets(pods: &[Pod], max_failing: usize) -> (BTreeSet<LogTarget>, usize) {
    let mut targets = BTreeSet::new();
    let mut failing = 0;
    let mut skipped = 0;
    for pod in pods {
        let always = is_lbc(pod) || is_coredns(pod);
        if !always && !is_failing(pod) {
            continue;
        }
        let containers: Vec<LogTarget> = all_statuses(pod)
            .filter_map(|s| {
                let state = s.state.as_ref()?;
                let previous = if state.running.is_some() || state.terminated.is_some() {
                    false
                } else if s
                    .last_state
                    .as_ref()
                    .is_some_and(|l| l.terminated.is_some())
                {
                    true
                } else {
                    return None;
                };
                Some(LogTarget {
                    namespace: pod.metadata.namespace.clone().unwrap_or_default(),
                    pod: pod.metadata.name.clone().unwrap_or_default(),
                    container: s.name.clone(),
                    previous,
                })
            })
            .collect();
        if containers.is_empty() {
            continue;
        }
        if !always {
            if failing == max_failing {
                skipped += 1;
                continue;
            }
            failing += 1;
        }
        targets.extend(containers);
    }
    (targets, skipped)
}

async fn fetch_log(
    client: &Client,
    t: &LogTarget,
    opts: &K8sOptions,
    progress: &Progress,
) -> Result<String, Failure> {
    // `limitBytes` cuts the end of the tail (the newest lines), so ask the server for more and
    // keep the newest `log_bytes` here. When even that was cut (very long lines), ask once more
    // for as many lines as fit, so that the newest lines are the ones kept.
    let limit = opts.log_bytes.saturating_mul(4);
    let what = t.bundle_path();
    progress.start(&what);
    let mut text = get_text(client, &log_url(t, opts.log_lines, limit)).await;
    if let Ok(cut) = &text
        && cut.len() >= limit
    {
        let lines = cut.matches('\n').count().max(1);
        let per_line = cut.len().div_ceil(lines).max(1);
        let fit = u32::try_from(opts.log_bytes / per_line)
            .unwrap_or(u32::MAX)
            .clamp(1, opts.log_lines);
        text = get_text(client, &log_url(t, fit, limit)).await;
    }
    progress.done(&what);
    Ok(redact::text(newest_bytes(&text?, opts.log_bytes)))
}

fn log_url(t: &LogTarget, lines: u32, limit_bytes: usize) -> String {
    format!(
        "/api/v1/namespaces/{}/pods/{}/log?container={}&tailLines={lines}&limitBytes={limit_bytes}{}",
        t.namespace,
        t.pod,
        t.container,
        if t.previous { "&previous=true" } else { "" }
    )
}

/// The newest `max` bytes of a log, starting at a line boundary.
fn newest_bytes(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    let tail = &text[start..];
    match tail.find('\n') {
        Some(i) if i + 1 < tail.len() => &tail[i + 1..],
        // One huge line: keep its end.
        _ => tail,
    }
}

/// The role the LBC assumes: the `eks.amazonaws.com/role-arn` of the service account its pods
/// run as, or of `kube-system/aws-load-balancer-controller` when no LBC pod is listed.
fn lbc_role_arn(pods: &[Pod], service_accounts: &List) -> Option<String> {
    let mut wanted: Vec<(String, String)> = pods
        .iter()
        .filter(|p| is_lbc(p))
        .filter_map(|p| {
            let ns = p.metadata.namespace.clone()?;
            let sa = p
                .spec
                .as_ref()
                .and_then(|s| s.service_account_name.clone())
                .unwrap_or_else(|| "default".to_owned());
            Some((ns, sa))
        })
        .collect();
    wanted.push(("kube-system".into(), "aws-load-balancer-controller".into()));
    wanted.iter().find_map(|(ns, name)| {
        service_accounts.items.iter().find_map(|sa| {
            let meta = sa.get("metadata")?;
            if meta.get("namespace")?.as_str()? != ns || meta.get("name")?.as_str()? != name {
                return None;
            }
            let arn = meta
                .get("annotations")?
                .get("eks.amazonaws.com/role-arn")?
                .as_str()?;
            Some(arn.to_owned())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(v: Value) -> Pod {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn paths() {
        let ev = KINDS.iter().find(|k| k.group == "events.k8s.io").unwrap();
        assert_eq!(ev.path(), "/apis/events.k8s.io/v1/events");
        assert_eq!(ev.bundle_path(), "k8s/events.k8s.io-events.json");
        let cm = KINDS.iter().find(|k| k.resource == "configmaps").unwrap();
        assert_eq!(cm.path(), "/api/v1/namespaces/kube-system/configmaps");
        let files: BTreeSet<_> = KINDS.iter().map(|k| k.file).collect();
        assert_eq!(files.len(), KINDS.len(), "two kinds share a file name");
    }

    #[test]
    fn rbac_grants_exactly_the_kinds_listed() {
        let text = include_str!("../../../deploy/rbac.yaml");
        // (namespace of a Role or "" for the ClusterRole, group, resource, verbs)
        let mut granted = BTreeSet::new();
        for doc in serde_norway::Deserializer::from_str(text) {
            let doc = Value::deserialize(doc).unwrap();
            let namespace = match doc["kind"].as_str() {
                Some("ClusterRole") => String::new(),
                Some("Role") => doc["metadata"]["namespace"].as_str().unwrap().to_owned(),
                _ => continue,
            };
            for rule in doc["rules"].as_array().unwrap() {
                let verbs: Vec<_> = rule["verbs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap())
                    .collect();
                for group in rule["apiGroups"].as_array().unwrap() {
                    for resource in rule["resources"].as_array().unwrap() {
                        let (g, r) = (group.as_str().unwrap(), resource.as_str().unwrap());
                        granted.insert((
                            namespace.clone(),
                            g.to_owned(),
                            r.to_owned(),
                            verbs.join(","),
                        ));
                    }
                }
            }
        }
        let mut wanted: BTreeSet<_> = KINDS
            .iter()
            .map(|k| {
                (
                    k.namespace.unwrap_or("").to_owned(),
                    k.group.to_owned(),
                    k.resource.to_owned(),
                    "get,list,watch".to_owned(),
                )
            })
            .collect();
        wanted.insert((
            String::new(),
            String::new(),
            "pods/log".to_owned(),
            "get".to_owned(),
        ));
        assert_eq!(granted, wanted);
    }

    #[test]
    fn newest_bytes_keeps_whole_lines() {
        assert_eq!(newest_bytes("aaa\nbbb\nccc\n", 6), "ccc\n");
        assert_eq!(newest_bytes("short", 100), "short");
        assert_eq!(newest_bytes("ééé", 3), "é");
    }

    #[test]
    fn picks_log_targets() {
        let pods = vec![
            pod(json!({
                "metadata": {"name": "healthy", "namespace": "app"},
                "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                           "containerStatuses": [{"name": "c", "image": "i", "imageID": "", "ready": true, "restartCount": 0, "state": {"running": {}}}]}
            })),
            pod(json!({
                "metadata": {"name": "crash", "namespace": "app"},
                "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}],
                           "containerStatuses": [{"name": "c", "image": "i", "imageID": "", "ready": false, "restartCount": 4,
                                                  "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                                                  "lastState": {"terminated": {"exitCode": 1}}}]}
            })),
            pod(json!({
                "metadata": {"name": "coredns-1", "namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}},
                "status": {"phase": "Pending"}
            })),
            pod(json!({
                "metadata": {"name": "lbc-1", "namespace": "kube-system", "labels": {"app.kubernetes.io/name": "aws-load-balancer-controller"}},
                "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                           "containerStatuses": [{"name": "controller", "image": "i", "imageID": "", "ready": true, "restartCount": 0, "state": {"running": {}}}]}
            })),
        ];
        let (targets, skipped) = log_targets(&pods, 10);
        let got: Vec<_> = targets
            .iter()
            .map(|t| (t.pod.as_str(), t.previous))
            .collect();
        assert_eq!(got, [("crash", true), ("lbc-1", false)]);
        assert_eq!(skipped, 0);
        let (targets, skipped) = log_targets(&pods, 0);
        assert_eq!(targets.len(), 1);
        assert_eq!(skipped, 1);
    }
}
