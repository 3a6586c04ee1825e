use crate::bundle::Kind;
use crate::context::Context;
use crate::finding::{Finding, Subject};
use crate::rules::{Outcome, impl_rule};
use crate::snapshot::Input;
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports pods that stay Pending without a node for more than a minute, grouped by the
    /// workload that owns them, with the scheduler's own explanation (`FailedScheduling`).
    ///
    /// ## Why it matters
    /// A workload without running pods provides nothing: when it is CoreDNS or the load balancer
    /// controller, everything that depends on it fails too. The scheduler's message (taints,
    /// affinity, resources, no Fargate profile) is the first clue; FG-02..FG-05 name the
    /// precise cause where they can.
    ///
    /// ## Evidence
    /// Pod `status.phase: Pending` with no `spec.nodeName`; events with reason
    /// `FailedScheduling`, e.g. `0/8 nodes are available: 8 node(s) had untolerated taint
    /// {eks.amazonaws.com/compute-type: fargate}` (Kubernetes 1.26+) or `… had taint {…}, that
    /// the pod didn't tolerate` (older), or `no nodes available to schedule pods`.
    ///
    /// ## Example
    /// Two CoreDNS pods Pending for 53 minutes on a cluster whose only nodes are Fargate nodes.
    ///
    /// ## Fix
    /// Follow the more precise finding under this one; otherwise read the scheduler message:
    /// add capacity, a toleration, or a Fargate profile that matches the pods.
    ///
    /// ## References
    /// - Taints and tolerations: <https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/>
    /// - EKS Fargate pod configuration: <https://docs.aws.amazon.com/eks/latest/userguide/fargate-pod-configuration.html>
    pub PodUnschedulable {
        id: "SCH-01",
        name: "pod-unschedulable",
        summary: "pods cannot be scheduled",
        severity: Error,
    }
}

impl PodUnschedulable {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        cx.require(Input::Kube(Kind::Pod))?;
        for g in &cx.pending {
            let why = g
                .events
                .iter()
                .max_by_key(|e| (e.last_seen, e.count))
                .map(|e| e.message.trim().to_owned())
                .or_else(|| {
                    g.pods
                        .iter()
                        .find_map(|p| p.condition("PodScheduled")?.message.clone())
                })
                .map(|why| format!(": {why}"))
                .unwrap_or_default();
            let what = if g.kind == "Pod" {
                "pod".to_owned()
            } else {
                format!(
                    "{} of {}",
                    plural(g.pods.len()),
                    g.kind.to_ascii_lowercase()
                )
            };
            out.push(
                Finding::new(
                    &Self::META,
                    Subject::new(g.kind, Some(&g.namespace), &g.name),
                    format!("{what}/{}/{} cannot be scheduled{why}", g.namespace, g.name),
                )
                .evidence_all(g.evidence())
                .needs(g.placement_key())
                .breaks(g.up_key())
                .fix(
                    "make a node (or Fargate profile) accept these pods; see the cause below",
                    vec![format!(
                        "kubectl -n {} describe pod {}",
                        g.namespace, g.pods[0].metadata.name
                    )],
                    None,
                ),
            );
        }
        Ok(())
    }
}

fn plural(n: usize) -> String {
    if n == 1 {
        "1 pod".into()
    } else {
        format!("{n} pods")
    }
}

impl_rule!(PodUnschedulable);
