use crate::context::{Context, IngressView};
use crate::fixes::nudge_ingress;
use crate::rules::{Outcome, impl_rule};
use crate::subnets::{Discovery, DiscoveryError, MIN_FREE_IPS, SubnetVerdict, run_subnet_rule};
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds ALB Ingresses whose candidate subnets all have fewer than 8 free IP addresses,
    /// the minimum the controller requires per subnet.
    ///
    /// ## Why it matters
    /// An ALB needs addresses in each subnet it uses and scales by adding nodes. Small subnets
    /// shared with pods (VPC CNI, Fargate) run out quietly; the controller then skips them.
    ///
    /// ## Evidence
    /// `and 2 have insufficient available IP addresses` (v2.13+), `, 2 have fewer than 8 free
    /// IPs` (v2.6-v2.12), `ELB requires at least 8 free IP addresses in each subnet` (info log,
    /// v2.3-v2.12); `AvailableIpAddressCount` below 8 in describe-subnets.
    ///
    /// ## Example
    /// Two /28 public subnets with 3 and 5 free addresses.
    ///
    /// ## Fix
    /// Free addresses (unused ENIs, lower VPC CNI warm targets) or add a larger subnet per AZ
    /// and tag it.
    ///
    /// ## References
    /// - LBC subnet discovery (free IPs): <https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/subnet_discovery/>
    pub SubnetsOutOfIps {
        id: "SUB-04",
        name: "subnets-out-of-ips",
        summary: "the candidate subnets have fewer than 8 free IP addresses",
        severity: Error,
    }
}

fn judge(
    _cx: &Context<'_>,
    ing: &IngressView<'_>,
    error: Option<&DiscoveryError>,
    d: Option<&Discovery<'_>>,
) -> Option<SubnetVerdict> {
    let surfaced = error.is_some_and(|e| e.insufficient_ips.unwrap_or(0) > 0);
    // Nothing surfaced yet, or an old wording that does not say why: the subnet data tells.
    let latent = error.is_none_or(DiscoveryError::is_generic)
        && d.is_some_and(|d| d.eligible.is_empty() && !d.low_ips.is_empty());
    if !(surfaced || latent) {
        return None;
    }
    let (ns, name) = (ing.namespace(), ing.name());
    let low: Vec<String> = d
        .map(|d| {
            d.low_ips
                .iter()
                .map(|s| {
                    format!(
                        "{} has {}",
                        s.subnet_id,
                        s.available_ip_address_count.unwrap_or(0)
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let detail = if low.is_empty() {
        String::new()
    } else {
        format!(" ({})", low.join(", "))
    };
    Some(SubnetVerdict {
        message: format!("the candidate subnets for ingress/{ns}/{name} have fewer than {MIN_FREE_IPS} free IP addresses{detail}"),
        fix_summary: "free IP addresses in the subnets, or add a larger subnet per AZ and tag it".into(),
        commands: vec![
            "aws ec2 describe-subnets --query 'Subnets[].{id:SubnetId,az:AvailabilityZone,free:AvailableIpAddressCount}'".into(),
            "aws ec2 describe-network-interfaces --filters Name=status,Values=available --query 'NetworkInterfaces[].NetworkInterfaceId'".into(),
            nudge_ingress(ns, name),
        ],
        terraform: Some("# give the load balancer subnets room: /24 or larger per AZ\nresource \"aws_subnet\" \"public\" {\n  cidr_block = cidrsubnet(var.vpc_cidr, 8, count.index)\n}".into()),
    })
}

impl SubnetsOutOfIps {
    fn run(cx: &Context<'_>, out: &mut Vec<crate::finding::Finding>) -> Outcome {
        run_subnet_rule(cx, &Self::META, judge, out)
    }
}

impl_rule!(SubnetsOutOfIps);
