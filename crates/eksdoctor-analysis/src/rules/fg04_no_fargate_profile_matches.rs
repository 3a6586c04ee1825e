use crate::context::Context;
use crate::finding::{Evidence, EvidenceSource, Finding, Subject};
use crate::rules::{Outcome, impl_rule};
use crate::scheduling::{fargate_only, group_labels, profile_matches};
use crate::snapshot::Input;
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds Pending pods on a Fargate-only cluster whose namespace and labels match no Fargate
    /// profile selector, so nothing can run them.
    ///
    /// ## Why it matters
    /// On Fargate there are no nodes to fall back to: a pod that matches no profile stays
    /// Pending for ever. When it is the load balancer controller, no Ingress gets an address;
    /// when it is CoreDNS, cluster DNS is down. A profile with labels (`k8s-app=kube-dns`)
    /// covers CoreDNS but not the controller next to it in kube-system.
    ///
    /// ## Evidence
    /// Pods Pending with `schedulerName: default-scheduler` and no
    /// `eks.amazonaws.com/fargate-profile` label; the profiles' selectors from
    /// `aws eks describe-fargate-profile`; every node a Fargate node.
    ///
    /// ## Example
    /// Profile selectors `kube-system` + `k8s-app=kube-dns` and `apps`; the controller in
    /// kube-system with label `app.kubernetes.io/name=aws-load-balancer-controller` matches none.
    ///
    /// ## Fix
    /// Add a selector for the namespace (profiles are immutable: create a new one), then
    /// re-create the pods.
    ///
    /// ## References
    /// - EKS Fargate profiles: <https://docs.aws.amazon.com/eks/latest/userguide/fargate-profile.html>
    pub NoFargateProfileMatches {
        id: "FG-04",
        name: "no-fargate-profile-matches",
        summary: "pods match no Fargate profile on a Fargate-only cluster",
        severity: Error,
    }
}

impl NoFargateProfileMatches {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        cx.require(Input::FargateProfiles)?;
        if !fargate_only(cx) {
            return Ok(());
        }
        let profiles = &cx.snapshot.aws.fargate_profiles;
        let cluster = cx.cluster_name();
        for g in cx.pending.iter().filter(|g| g.on_default_scheduler()) {
            let labels = group_labels(g);
            if profiles
                .iter()
                .any(|p| profile_matches(p, &g.namespace, labels))
            {
                continue;
            }
            let selectors: Vec<String> = profiles
                .iter()
                .flat_map(|p| {
                    p.selectors.iter().map(move |s| {
                        let labels: Vec<String> =
                            s.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                        if labels.is_empty() {
                            format!("{}: {}", p.fargate_profile_name, s.namespace)
                        } else {
                            format!(
                                "{}: {} [{}]",
                                p.fargate_profile_name,
                                s.namespace,
                                labels.join(",")
                            )
                        }
                    })
                })
                .collect();
            let ns = &g.namespace;
            let role = profiles
                .iter()
                .find_map(|p| p.pod_execution_role_arn.clone())
                .unwrap_or_else(|| "<pod-execution-role-arn>".into());
            let subnets = profiles
                .iter()
                .find(|p| !p.subnets.is_empty())
                .map_or_else(|| "<private-subnet-ids>".into(), |p| p.subnets.join(" "));
            out.push(
                Finding::new(
                    &Self::META,
                    Subject::new(g.kind, Some(ns), &g.name),
                    format!("{}/{ns}/{} matches no Fargate profile selector, so its pods cannot run on this Fargate-only cluster", g.kind.to_ascii_lowercase(), g.name),
                )
                .evidence(Evidence::new(EvidenceSource::Aws, "eks/fargate-profiles", format!("selectors: {}", if selectors.is_empty() { "none".into() } else { selectors.join("; ") })))
                .evidence_all(g.evidence())
                .breaks(g.placement_key())
                .fix(
                    format!("add a Fargate profile selecting namespace {ns}, then re-create the pods"),
                    vec![
                        format!("aws eks create-fargate-profile --cluster-name {cluster} --fargate-profile-name {ns} --pod-execution-role-arn {role} --subnets {subnets} --selectors namespace={ns}"),
                        format!("kubectl -n {ns} rollout restart {}/{}", g.kind.to_ascii_lowercase(), g.name),
                    ],
                    Some(format!(
                        "resource \"aws_eks_fargate_profile\" \"{tf}\" {{\n  cluster_name           = aws_eks_cluster.this.name\n  fargate_profile_name   = \"{ns}\"\n  pod_execution_role_arn = aws_iam_role.fargate_pod.arn\n  subnet_ids             = var.private_subnet_ids\n  selector {{ namespace = \"{ns}\" }}\n}}",
                        tf = ns.replace('-', "_")
                    )),
                ),
            );
        }
        Ok(())
    }
}

impl_rule!(NoFargateProfileMatches);
