use crate::context::Context;
use crate::finding::{Evidence, EvidenceSource, Finding, Key};
use crate::fixes::{helm_release_terraform, helm_set, restart_controller};
use crate::rules::{Outcome, impl_rule};
use crate::snapshot::Input;
use crate::subnets::{controller_vpc_mismatch, parse_discovery_error};
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds a load balancer controller started with `--aws-vpc-id` (Helm `vpcId`) naming a
    /// VPC other than the EKS cluster's (`aws eks describe-cluster` `resourcesVpcConfig.vpcId`).
    ///
    /// ## Why it matters
    /// The controller discovers subnets, resolves security groups and creates target groups in
    /// that VPC. In the wrong one it finds no role-tagged subnets (`Evaluated 0 subnets`) even
    /// though the cluster's subnets are tagged correctly, so re-tagging never helps. A `vpcId`
    /// copied from another environment's values file is the usual cause.
    ///
    /// ## Evidence
    /// The container argument `--aws-vpc-id=<vpc>` against the cluster's `vpcId`; with it,
    /// often `couldn't auto-discover subnets: unable to resolve at least one subnet. Evaluated 0
    /// subnets` (v2.13+) or `(0 match VPC and tags: …)` (v2.7-v2.12). Without describe-cluster
    /// the rule is not checked. The SUB rules stay silent meanwhile: they would judge the
    /// wrong VPC's subnets.
    ///
    /// ## Example
    /// `--aws-vpc-id=vpc-0123staging` on the production cluster in `vpc-0456prod`.
    ///
    /// ## Fix
    /// Set the Helm value `vpcId` to the cluster's VPC and restart the controller.
    ///
    /// ## References
    /// - LBC controller flags: <https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/configurations/>
    pub ControllerVpcMismatch {
        id: "SUB-08",
        name: "controller-vpc-mismatch",
        summary: "the controller works in a VPC other than the cluster's",
        severity: Error,
    }
}

impl ControllerVpcMismatch {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        let Some(lbc) = &cx.lbc else { return Ok(()) };
        // Without the flag the controller takes its node's VPC, which is the cluster's.
        if lbc.arg("aws-vpc-id").is_none_or(str::is_empty) {
            return Ok(());
        }
        cx.require(Input::Cluster)?;
        let Some((controller_vpc, cluster_vpc)) = controller_vpc_mismatch(cx) else {
            return Ok(());
        };
        let (ns, name) = (lbc.namespace(), lbc.name());
        let cluster = cx.cluster_name();
        let discovery = cx
            .lbc_messages
            .iter()
            .rev()
            .find(|m| parse_discovery_error(&m.text).is_some_and(|e| e.none_matched()));
        out.push(
            Finding::new(
                &Self::META,
                cx.lbc_subject(),
                format!("deployment/{ns}/{name} runs with --aws-vpc-id={controller_vpc}, but cluster {cluster} is in {cluster_vpc}: it looks for subnets and security groups in the wrong VPC"),
            )
            .evidence(lbc.args_evidence())
            .evidence(Evidence::new(EvidenceSource::Aws, "eks/describe-cluster", format!("resourcesVpcConfig.vpcId: {cluster_vpc}")))
            .evidence_all(discovery.map(|m| m.evidence()))
            .breaks(Key::AlbReconcile)
            .fix(
                format!("set the Helm value vpcId to {cluster_vpc}, the cluster's VPC"),
                vec![
                    format!("aws eks describe-cluster --name {cluster} --query cluster.resourcesVpcConfig.vpcId --output text"),
                    helm_set(ns, name, &[("vpcId", &cluster_vpc)]),
                    restart_controller(ns, name),
                ],
                Some(helm_release_terraform(&[("vpcId", "module.vpc.vpc_id")])),
            ),
        );
        Ok(())
    }
}

impl_rule!(ControllerVpcMismatch);
