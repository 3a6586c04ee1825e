//! Pods that cannot be placed, grouped by the workload that owns them, with their scheduling
//! events: shared by SCH-01 and the Fargate rules that explain it more precisely.

use crate::context::Context;
use crate::finding::{Evidence, EvidenceSource, Key};
use crate::model::aws::FargateProfile;
use crate::model::k8s::{Event, Pod, Workload};
use crate::snapshot::Snapshot;
use std::collections::HashMap;

/// Pods younger than this may simply not be scheduled yet.
const SCHEDULING_GRACE_SECS: i64 = 60;

#[derive(Debug)]
pub struct PendingGroup<'s> {
    /// `Deployment`, `DaemonSet`, … or `Pod` for a bare pod.
    pub kind: &'static str,
    pub namespace: String,
    pub name: String,
    pub workload: Option<&'s Workload>,
    pub pods: Vec<&'s Pod>,
    pub events: Vec<&'s Event>,
}

impl PendingGroup<'_> {
    pub fn placement_key(&self) -> Key {
        Key::Placement(self.namespace.clone(), self.name.clone())
    }
    pub fn up_key(&self) -> Key {
        Key::WorkloadUp(
            self.kind.to_owned(),
            self.namespace.clone(),
            self.name.clone(),
        )
    }
    /// Evidence: the newest scheduling event, else the pods' PodScheduled condition.
    pub fn evidence(&self) -> Vec<Evidence> {
        if let Some(e) = self.events.iter().max_by_key(|e| (e.last_seen, e.count)) {
            return vec![Evidence::new(
                EvidenceSource::Events,
                format!(
                    "events/Pod/{}/{} ({} from {}, x{})",
                    e.involved_namespace, e.involved_name, e.reason, e.source, e.count
                ),
                e.message.clone(),
            )];
        }
        self.pods
            .iter()
            .filter_map(|p| {
                let c = p.condition("PodScheduled")?;
                Some(Evidence::new(
                    EvidenceSource::Object,
                    format!("pods/{}/{}", p.metadata.namespace(), p.metadata.name),
                    format!(
                        "PodScheduled={} {}",
                        c.status,
                        c.message.as_deref().unwrap_or("")
                    ),
                ))
            })
            .take(1)
            .collect()
    }
    /// Every pod went to the default scheduler: no Fargate profile matched it at creation.
    pub fn on_default_scheduler(&self) -> bool {
        self.pods
            .iter()
            .all(|p| p.scheduler_name() == "default-scheduler")
    }
    /// The scheduling events mention the Fargate taint (any Kubernetes version's wording).
    pub fn template_annotation(&self, key: &str) -> Option<&str> {
        self.workload
            .and_then(|w| w.spec.template.metadata.annotation(key))
    }
    pub fn oldest_pod_created(&self) -> Option<crate::model::Timestamp> {
        self.pods
            .iter()
            .filter_map(|p| p.metadata.creation_timestamp)
            .min()
    }
}

fn is_unplaced(pod: &Pod) -> bool {
    pod.phase() == "Pending"
        && pod.spec.node_name.is_none()
        && pod.metadata.deletion_timestamp.is_none()
}

/// Unplaced pods (Pending, no node) older than the grace period, grouped by owning workload.
/// Computed once per diagnosis into [`Context::pending`].
pub fn pending_groups(snap: &Snapshot) -> Vec<PendingGroup<'_>> {
    let mut groups: Vec<PendingGroup<'_>> = Vec::new();
    let mut by_owner: HashMap<(&'static str, String, String), usize> = HashMap::new();
    for pod in snap.pods.iter().filter(|p| is_unplaced(p)) {
        if snap
            .age(pod.metadata.creation_timestamp)
            .is_some_and(|a| a < SCHEDULING_GRACE_SECS)
        {
            continue;
        }
        let ns = pod.metadata.namespace().to_owned();
        let (kind, name) = snap
            .owner_of(pod)
            .unwrap_or(("Pod", pod.metadata.name.clone()));
        let events: Vec<&Event> = snap
            .events_for("Pod", &ns, &pod.metadata.name)
            .filter(|e| e.reason == "FailedScheduling")
            .collect();
        match by_owner.get(&(kind, ns.clone(), name.clone())) {
            Some(&at) => {
                groups[at].pods.push(pod);
                groups[at].events.extend(events);
            }
            None => {
                let workload = match kind {
                    "Deployment" => snap.deployment(&ns, &name),
                    "DaemonSet" => snap
                        .daemon_sets
                        .iter()
                        .find(|d| d.metadata.namespace() == ns && d.metadata.name == name),
                    _ => None,
                };
                by_owner.insert((kind, ns.clone(), name.clone()), groups.len());
                groups.push(PendingGroup {
                    kind,
                    namespace: ns,
                    name,
                    workload,
                    pods: vec![pod],
                    events,
                });
            }
        }
    }
    groups
}

/// The cluster runs (or is meant to run) pods on Fargate: Fargate nodes or profiles exist and
/// no node is an EC2 node.
pub fn fargate_only(cx: &Context<'_>) -> bool {
    let snap = cx.snapshot;
    let has_fargate =
        snap.nodes.iter().any(|n| n.is_fargate()) || !snap.aws.fargate_profiles.is_empty();
    has_fargate && snap.nodes.iter().all(|n| n.is_fargate())
}

/// The pod runs on Fargate: it carries a Fargate profile label or sits on a Fargate node.
pub fn on_fargate(cx: &Context<'_>, pod: &Pod) -> bool {
    pod.metadata
        .label("eks.amazonaws.com/fargate-profile")
        .is_some()
        || pod.spec.node_name.as_deref().is_some_and(|n| {
            n.starts_with("fargate-")
                || cx
                    .snapshot
                    .nodes
                    .iter()
                    .any(|node| node.metadata.name == n && node.is_fargate())
        })
}

/// Some pod behind the Service runs on Fargate.
pub fn fargate_backed(cx: &Context<'_>, svc: &crate::model::k8s::Service) -> bool {
    let ns = svc.metadata.namespace();
    !svc.spec.selector.is_empty()
        && cx.snapshot.pods.iter().any(|p| {
            p.metadata.namespace() == ns
                && crate::snapshot::selects(&svc.spec.selector, &p.metadata.labels)
                && on_fargate(cx, p)
        })
}

/// A profile selector matches a pod's namespace (with `*`/`?` wildcards) and all its labels.
pub fn profile_matches(
    profile: &FargateProfile,
    namespace: &str,
    labels: &crate::model::k8s::Labels,
) -> bool {
    profile.selectors.iter().any(|s| {
        wildcard(&s.namespace, namespace)
            && s.labels
                .iter()
                .all(|(k, v)| labels.get(k).is_some_and(|l| wildcard(v, l)))
    })
}

/// Fargate selector wildcards: `*` any run, `?` one character.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], t) || (!t.is_empty() && go(p, &t[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &t[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

/// Pod-template labels of a group (what a Fargate selector is matched against).
pub fn group_labels<'a>(group: &'a PendingGroup<'_>) -> &'a crate::model::k8s::Labels {
    match group.workload {
        Some(w) => &w.spec.template.metadata.labels,
        None => &group.pods[0].metadata.labels,
    }
}

#[cfg(test)]
mod tests {
    use super::wildcard;

    #[test]
    fn fargate_wildcards() {
        assert!(wildcard("kube-system", "kube-system"));
        assert!(wildcard("app-*", "app-shop"));
        assert!(wildcard("*", "anything"));
        assert!(wildcard("team-?", "team-a"));
        assert!(!wildcard("app-*", "shop"));
        assert!(!wildcard("team-?", "team-ab"));
    }
}
