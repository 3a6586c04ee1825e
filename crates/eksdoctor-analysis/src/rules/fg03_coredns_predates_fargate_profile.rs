use crate::context::{Context, FARGATE_TAINT};
use crate::finding::{Evidence, EvidenceSource, Finding, Subject};
use crate::fixes::COREDNS_ADDON_TERRAFORM;
use crate::rules::{Outcome, impl_rule};
use crate::scheduling::{fargate_only, group_labels, profile_matches};
use crate::snapshot::Input;
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds CoreDNS pods Pending on the default scheduler although a Fargate profile now
    /// selects them: the pods were created before the profile existed (or was active), and
    /// Fargate matches pods only when they are created.
    ///
    /// ## Why it matters
    /// This is the usual state right after a Terraform apply that creates the cluster, then the
    /// profile: CoreDNS never moves by itself, cluster DNS stays down, and the load balancer
    /// controller cannot get credentials. Many projects document a manual "restart CoreDNS
    /// after apply" step for exactly this.
    ///
    /// ## Evidence
    /// CoreDNS pods Pending with `schedulerName: default-scheduler`, no `ec2` compute-type
    /// annotation on the template (that is FG-02), and a Fargate profile (from
    /// `aws eks describe-fargate-profile`) whose selector matches `kube-system` and the pod labels.
    ///
    /// ## Example
    /// Profile `kube-system` created at 10:02, CoreDNS pods created at 09:58 and Pending since.
    ///
    /// ## Fix
    /// Restart the deployment so new pods are created and matched to the profile. In Terraform,
    /// set `computeType = "Fargate"` on the CoreDNS add-on and order it after the profile.
    ///
    /// ## References
    /// - EKS Fargate getting started: <https://docs.aws.amazon.com/eks/latest/userguide/fargate-getting-started.html>
    /// - awsdocs/amazon-eks-user-guide#775, aws/containers-roadmap#2654
    pub CorednsPredatesFargateProfile {
        id: "FG-03",
        name: "coredns-predates-fargate-profile",
        summary: "the CoreDNS pods were created before a Fargate profile selected them",
        severity: Error,
    }
}

impl CorednsPredatesFargateProfile {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        cx.require(Input::FargateProfiles)?;
        let Some(coredns) = cx.coredns else {
            return Ok(());
        };
        let name = &coredns.metadata.name;
        let Some(g) = cx
            .pending
            .iter()
            .find(|g| g.namespace == "kube-system" && &g.name == name)
        else {
            return Ok(());
        };
        if !fargate_only(cx)
            || !g.on_default_scheduler()
            || g.template_annotation(FARGATE_TAINT) == Some("ec2")
        {
            return Ok(());
        }
        let labels = group_labels(g);
        let Some(profile) = cx
            .snapshot
            .aws
            .fargate_profiles
            .iter()
            .find(|p| profile_matches(p, "kube-system", labels))
        else {
            return Ok(());
        };
        let created = match (profile.created_at, g.oldest_pod_created()) {
            (Some(p), Some(pod)) if p > pod => {
                format!(", which was created after them ({p} vs {pod})")
            }
            _ => String::new(),
        };
        let cluster = cx.cluster_name();
        out.push(
            Finding::new(
                &Self::META,
                Subject::new("Deployment", Some("kube-system"), name),
                format!(
                    "deployment/kube-system/{name} pods are on the default scheduler although Fargate profile {} selects them{created}: Fargate only matches pods when they are created",
                    profile.fargate_profile_name
                ),
            )
            .evidence(Evidence::new(
                EvidenceSource::Aws,
                format!("eks/fargate-profiles/{}", profile.fargate_profile_name),
                format!("selectors: {}", profile.selectors.iter().map(|s| s.namespace.as_str()).collect::<Vec<_>>().join(", ")),
            ))
            .evidence_all(g.evidence())
            .breaks(g.placement_key())
            .fix(
                "re-create the CoreDNS pods so Fargate matches them, and set computeType Fargate on the add-on",
                vec![
                    format!("kubectl -n kube-system rollout restart deployment/{name}"),
                    format!("aws eks update-addon --cluster-name {cluster} --addon-name coredns --configuration-values '{{\"computeType\":\"Fargate\"}}' --resolve-conflicts OVERWRITE"),
                ],
                Some(COREDNS_ADDON_TERRAFORM.to_owned()),
            ),
        );
        Ok(())
    }
}

impl_rule!(CorednsPredatesFargateProfile);
