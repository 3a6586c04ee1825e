use crate::context::{Context, IngressView};
use crate::fixes::nudge_ingress;
use crate::rules::{Outcome, impl_rule};
use crate::subnets::{Discovery, DiscoveryError, SubnetVerdict, run_subnet_rule, tag_fix};
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds ALB Ingresses whose eligible subnets all lie in a single Availability Zone.
    ///
    /// ## Why it matters
    /// An Application Load Balancer needs subnets in at least two AZs (a single subnet is only
    /// allowed to allow-listed accounts). The controller finds a subnet, then fails validation.
    ///
    /// ## Evidence
    /// `subnets count less than minimal required count: 1 < 2`; describe-subnets showing the
    /// eligible subnets in one `AvailabilityZone`.
    ///
    /// ## Example
    /// Only `subnet-0aa1 (eu-west-1a)` tagged `kubernetes.io/role/elb=1`.
    ///
    /// ## Fix
    /// Tag (or create) a subnet in a second AZ with the same role tag.
    ///
    /// ## References
    /// - ALB subnets: <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#subnets-load-balancer>
    /// - kubernetes-sigs/aws-load-balancer-controller#2194
    pub SingleAz {
        id: "SUB-05",
        name: "single-az-subnets",
        summary: "the eligible subnets are in a single Availability Zone",
        severity: Error,
    }
}

fn judge(
    cx: &Context<'_>,
    ing: &IngressView<'_>,
    error: Option<&DiscoveryError>,
    d: Option<&Discovery<'_>>,
) -> Option<SubnetVerdict> {
    let surfaced = error.is_some_and(|e| e.too_few);
    let latent = error.is_none() && d.is_some_and(|d| d.eligible_azs().len() == 1);
    if !(surfaced || latent) {
        return None;
    }
    let (ns, name) = (ing.namespace(), ing.name());
    let azs = d
        .map(|d| d.eligible_azs().into_iter().collect::<Vec<_>>().join(", "))
        .unwrap_or_default();
    let (mut commands, terraform) = tag_fix(cx, d, ing.role_tag());
    commands.push(nudge_ingress(ns, name));
    Some(SubnetVerdict {
        message: format!(
            "the eligible subnets for ingress/{ns}/{name} are all in one availability zone{}; an ALB needs two",
            if azs.is_empty() {
                String::new()
            } else {
                format!(" ({azs})")
            }
        ),
        fix_summary: format!(
            "tag a subnet in a second availability zone with {}=1",
            ing.role_tag()
        ),
        commands,
        terraform,
    })
}

impl SingleAz {
    fn run(cx: &Context<'_>, out: &mut Vec<crate::finding::Finding>) -> Outcome {
        run_subnet_rule(cx, &Self::META, judge, out)
    }
}

impl_rule!(SingleAz);
