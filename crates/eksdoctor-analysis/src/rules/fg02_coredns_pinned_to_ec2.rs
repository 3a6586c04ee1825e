use crate::bundle::Kind;
use crate::context::{Context, FARGATE_TAINT};
use crate::finding::{Evidence, EvidenceSource, Finding, Subject};
use crate::fixes::COREDNS_ADDON_TERRAFORM;
use crate::rules::{Outcome, impl_rule};
use crate::scheduling::fargate_only;
use crate::snapshot::Input;
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds CoreDNS pods that cannot be scheduled on a Fargate-only cluster because the
    /// CoreDNS pod template carries the annotation `eks.amazonaws.com/compute-type: ec2`,
    /// which EKS put there on clusters created before CoreDNS was Fargate-aware.
    ///
    /// ## Why it matters
    /// The annotation keeps the Fargate admission webhook from handing CoreDNS to the
    /// `fargate-scheduler`; the default scheduler then only sees Fargate nodes, whose taint
    /// `eks.amazonaws.com/compute-type=fargate:NoSchedule` it cannot tolerate. CoreDNS stays
    /// Pending, cluster DNS is down, and everything that resolves a name fails with it, the
    /// load balancer controller first.
    ///
    /// ## Evidence
    /// CoreDNS Deployment `spec.template.metadata.annotations["eks.amazonaws.com/compute-type"]
    /// == "ec2"`; pods Pending with `schedulerName: default-scheduler`; `FailedScheduling`
    /// events naming the Fargate taint; every node a Fargate node (or only Fargate profiles).
    ///
    /// ## Example
    /// ```text
    /// Warning  FailedScheduling  default-scheduler  0/8 nodes are available: 8 node(s) had
    /// untolerated taint {eks.amazonaws.com/compute-type: fargate}.
    /// ```
    ///
    /// ## Fix
    /// Remove the annotation (the pods are re-created and matched to a Fargate profile that
    /// selects kube-system), and make it stick in Terraform: the CoreDNS add-on with
    /// `configuration_values = jsonencode({ computeType = "Fargate" })`, created after the
    /// kube-system Fargate profile. A toleration for the Fargate taint is not the fix: it only
    /// works by the side effect of re-creating the pods.
    ///
    /// ## References
    /// - EKS Fargate getting started (CoreDNS): <https://docs.aws.amazon.com/eks/latest/userguide/fargate-getting-started.html>
    /// - aws/containers-roadmap#944, terraform-aws-eks PR #2345
    pub CorednsPinnedToEc2 {
        id: "FG-02",
        name: "coredns-pinned-to-ec2",
        summary: "CoreDNS is pinned to EC2 nodes on a Fargate-only cluster",
        severity: Error,
    }
}

impl CorednsPinnedToEc2 {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        cx.require(Input::Kube(Kind::Pod))?;
        let Some(coredns) = cx.coredns else {
            return Ok(());
        };
        if !fargate_only(cx) {
            return Ok(());
        }
        let name = &coredns.metadata.name;
        let Some(g) = cx
            .pending
            .iter()
            .find(|g| g.kind == "Deployment" && g.namespace == "kube-system" && &g.name == name)
        else {
            return Ok(());
        };
        if g.template_annotation(FARGATE_TAINT) != Some("ec2") {
            return Ok(());
        }
        let cluster = cx.cluster_name();
        out.push(
            Finding::new(
                &Self::META,
                Subject::new("Deployment", Some("kube-system"), name),
                format!(
                    "deployment/kube-system/{name} carries the pod-template annotation eks.amazonaws.com/compute-type: ec2, so its pods go to the default scheduler, which cannot place them on Fargate nodes"
                ),
            )
            .evidence(Evidence::new(
                EvidenceSource::Object,
                format!("deployments/kube-system/{name}"),
                "spec.template.metadata.annotations: eks.amazonaws.com/compute-type: ec2",
            ))
            .evidence_all(g.evidence())
            .breaks(g.placement_key())
            .fix(
                "remove the ec2 compute-type annotation so CoreDNS is scheduled onto Fargate, and set computeType Fargate on the add-on so it stays that way",
                vec![
                    format!("kubectl patch deployment {name} -n kube-system --type json -p='[{{\"op\": \"remove\", \"path\": \"/spec/template/metadata/annotations/eks.amazonaws.com~1compute-type\"}}]'"),
                    format!("aws eks update-addon --cluster-name {cluster} --addon-name coredns --configuration-values '{{\"computeType\":\"Fargate\"}}' --resolve-conflicts OVERWRITE"),
                    format!("kubectl -n kube-system rollout status deployment/{name}"),
                ],
                Some(COREDNS_ADDON_TERRAFORM.to_owned()),
            ),
        );
        Ok(())
    }
}

impl_rule!(CorednsPinnedToEc2);
