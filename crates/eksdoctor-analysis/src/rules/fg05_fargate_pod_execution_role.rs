use crate::bundle::Kind;
use crate::context::Context;
use crate::finding::{Finding, Subject};
use crate::rules::{Outcome, impl_rule};
use crate::snapshot::Input;
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds Fargate pods that the `fargate-scheduler` refuses because the profile's pod
    /// execution role is not authorised in the cluster or lacks its policy.
    ///
    /// ## Why it matters
    /// The profile matches, so everything looks configured, yet no pod starts: the role Fargate
    /// uses to pull images and register the pod's node is not mapped (access entry or
    /// `aws-auth`) or lacks `AmazonEKSFargatePodExecutionRolePolicy`.
    ///
    /// ## Evidence
    /// `FailedScheduling` from `fargate-scheduler`: `Misconfigured Fargate Profile: fargate
    /// profile <p> blocked for new launches due to: Pod execution role is not found in auth
    /// config or does not have all required permissions for launching fargate pods.`
    ///
    /// ## Example
    /// A cluster moved to access entries without a `FARGATE_LINUX` entry for the role.
    ///
    /// ## Fix
    /// Add an access entry of type `FARGATE_LINUX` for the role (or the `aws-auth` mapping),
    /// attach the policy, then delete the Pending pods.
    ///
    /// ## References
    /// - EKS pod execution role: <https://docs.aws.amazon.com/eks/latest/userguide/pod-execution-role.html>
    pub FargatePodExecutionRole {
        id: "FG-05",
        name: "fargate-pod-execution-role",
        summary: "the Fargate pod execution role is not authorised in the cluster",
        severity: Error,
    }
}

impl FargatePodExecutionRole {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        cx.require(Input::Kube(Kind::Event))?;
        let cluster = cx.cluster_name();
        for g in &cx.pending {
            let refused = g.events.iter().any(|e| {
                e.message.contains("Misconfigured Fargate Profile")
                    || e.message.contains("Pod execution role is not found")
            });
            if !refused {
                continue;
            }
            let role = cx
                .snapshot
                .aws
                .fargate_profiles
                .iter()
                .find_map(|p| p.pod_execution_role_arn.clone())
                .unwrap_or_else(|| "<pod-execution-role-arn>".into());
            out.push(
                Finding::new(
                    &Self::META,
                    Subject::new(g.kind, Some(&g.namespace), &g.name),
                    format!("{}/{}/{} is refused by fargate-scheduler: the profile's pod execution role is not authorised in the cluster", g.kind.to_ascii_lowercase(), g.namespace, g.name),
                )
                .evidence_all(g.evidence())
                .breaks(g.placement_key())
                .fix(
                    "authorise the pod execution role (access entry FARGATE_LINUX) and attach its policy, then re-create the pods",
                    vec![
                        format!("aws eks create-access-entry --cluster-name {cluster} --principal-arn {role} --type FARGATE_LINUX"),
                        format!("aws iam attach-role-policy --role-name {} --policy-arn arn:aws:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy", role.rsplit('/').next().unwrap_or(&role)),
                        format!("kubectl -n {} delete pod {}", g.namespace, g.pods.iter().map(|p| p.metadata.name.as_str()).collect::<Vec<_>>().join(" ")),
                    ],
                    Some("resource \"aws_eks_access_entry\" \"fargate\" {\n  cluster_name  = aws_eks_cluster.this.name\n  principal_arn = aws_iam_role.fargate_pod.arn\n  type          = \"FARGATE_LINUX\"\n}".into()),
                ),
            );
        }
        Ok(())
    }
}

impl_rule!(FargatePodExecutionRole);
