use crate::context::Context;
use crate::finding::{Finding, Key};
use crate::fixes::{helm_release_terraform, helm_set};
use crate::rules::{Outcome, impl_rule};
use crate::scheduling::fargate_only;
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds the controller unable to start because it tries to read its region or VPC id from
    /// EC2 instance metadata (IMDS), which Fargate does not have and which an IMDSv2 hop limit of
    /// 1 hides from pods; and, on Fargate, a controller started without `--aws-vpc-id`.
    ///
    /// ## Why it matters
    /// The controller exits at start-up and crash-loops: its webhooks then have no endpoints,
    /// so even applying an Ingress or Service fails, and no ALB is ever made. On Fargate the
    /// region usually comes from the IRSA environment, but the VPC id has no such fallback.
    ///
    /// ## Evidence
    /// `unable to initialize AWS cloud` with `failed to introspect region from EC2Metadata,
    /// specify --aws-region instead` or `failed to get VPC ID: failed to fetch VPC ID from
    /// instance metadata` (v2.9+) / `failed to introspect vpcID from EC2Metadata` (up to v2.8);
    /// the container's `--aws-vpc-id`/`--aws-region` arguments.
    ///
    /// ## Example
    /// Controller on Fargate installed with `--set clusterName=…` only.
    ///
    /// ## Fix
    /// Set the Helm values `region` and `vpcId` (or raise the IMDSv2 hop limit to 2 on EC2 nodes).
    ///
    /// ## References
    /// - kubernetes-sigs/aws-load-balancer-controller#1561, #3937
    pub NoInstanceMetadata {
        id: "IAM-07",
        name: "no-instance-metadata",
        summary: "the controller cannot read its region or VPC id from instance metadata",
        severity: Error,
    }
}

impl NoInstanceMetadata {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        let surfaced: Vec<_> = cx
            .lbc_messages
            .iter()
            .filter(|m| {
                m.contains("failed to introspect region from EC2Metadata")
                    || m.contains("failed to introspect vpcID from EC2Metadata")
                    || m.contains("failed to fetch VPC ID from instance metadata")
                    || (m.contains("unable to initialize AWS cloud")
                        && (m.contains("EC2Metadata")
                            || m.contains("ec2imds")
                            || m.contains("169.254.169.254")))
            })
            .collect();
        let on_fargate_without_vpc = cx.lbc.as_ref().is_some_and(|l| {
            let on_fargate = l.pods.iter().any(|p| {
                p.metadata
                    .label("eks.amazonaws.com/fargate-profile")
                    .is_some()
            }) || fargate_only(cx);
            on_fargate && l.arg("aws-vpc-id").is_none()
        });
        if surfaced.is_empty() && !on_fargate_without_vpc {
            return Ok(());
        }
        let (ns, name) = cx.lbc_names();
        let vpc = cx.snapshot.cluster_vpc_id().unwrap_or("<vpc-id>");
        let region = cx.region();
        let mut f = Finding::new(
            &Self::META,
            cx.lbc_subject(),
            if surfaced.is_empty() {
                format!("deployment/{ns}/{name} runs on Fargate without --aws-vpc-id: it cannot read the VPC id from instance metadata there")
            } else {
                format!("deployment/{ns}/{name} cannot start: it reads its region or VPC id from instance metadata, which its pods cannot reach")
            },
        )
        .evidence_all(surfaced.iter().rev().take(1).map(|m| m.evidence()))
        .breaks(Key::AlbReconcile)
        .breaks(Key::WorkloadUp("Deployment".into(), ns.clone(), name.clone()))
        .fix(
            "give the controller its region and VPC id explicitly",
            vec![helm_set(&ns, &name, &[("region", &region), ("vpcId", vpc)])],
            Some(helm_release_terraform(&[("vpcId", "module.vpc.vpc_id"), ("region", "var.region")])),
        );
        if let Some(l) = &cx.lbc {
            f = f.evidence(l.args_evidence());
        }
        if surfaced.is_empty() {
            f = f.latent();
        }
        out.push(f);
        Ok(())
    }
}

impl_rule!(NoInstanceMetadata);
