use crate::context::{Context, IngressView};
use crate::fixes::nudge_ingress;
use crate::rules::{Outcome, impl_rule};
use crate::subnets::{
    Discovery, DiscoveryError, ELB_TAG, INTERNAL_ELB_TAG, SubnetVerdict, run_subnet_rule, tag_fix,
};
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds ALB Ingresses for which no subnet in the cluster's VPC carries the role tag of
    /// their scheme (`kubernetes.io/role/elb` for internet-facing, `kubernetes.io/role/internal-elb`
    /// for internal) with the value `1` or empty, either because the controller said so or,
    /// before it has, from `aws ec2 describe-subnets` (then it is a next blocker).
    ///
    /// ## Why it matters
    /// The controller cannot place an ALB without subnets, so the Ingress never gets an
    /// address. The filter is an exact EC2 match: `true`, `yes`, a trailing space or another
    /// key case do not count. From controller v2.13 it falls back to route tables when no
    /// subnet is tagged; earlier versions do not.
    ///
    /// ## Evidence
    /// Controller wordings by version: `unable to resolve at least one subnet. Evaluated 0
    /// subnets …` (v2.13+), `(0 match VPC and tags: [kubernetes.io/role/elb])` (v2.7-v2.12),
    /// `unable to resolve at least one subnet` (v2.5), `unable to discover at least one subnet`
    /// (v2.1-v2.4), `cannot find at least two subnets from different Availability Zones` (v2.0),
    /// `failed to resolve 2 qualified subnet` (legacy v1). Otherwise: the subnets' tags. The
    /// wordings up to v2.5 do not say why nothing matched: without the subnets in the bundle,
    /// the finding names the missing role tag as the likeliest reason, not as a fact.
    ///
    /// ## Example
    /// Three public subnets tagged only `Name` and an internet-facing Ingress.
    ///
    /// ## Fix
    /// Tag at least two subnets in distinct AZs: public ones `kubernetes.io/role/elb=1`, private
    /// ones `kubernetes.io/role/internal-elb=1` (in Terraform, on the subnets or through the VPC
    /// module's `*_subnet_tags`), or name subnets with `alb.ingress.kubernetes.io/subnets`. Then
    /// nudge the Ingress: the controller's backoff can delay the retry by up to ~17 minutes.
    ///
    /// ## References
    /// - LBC subnet discovery: <https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/subnet_discovery/>
    /// - kubernetes-sigs/aws-load-balancer-controller#2812, #3212
    pub NoRoleTaggedSubnets {
        id: "SUB-01",
        name: "no-role-tagged-subnets",
        summary: "no subnet carries the load balancer role tag for the Ingress scheme",
        severity: Error,
    }
}

fn judge(
    cx: &Context<'_>,
    ing: &IngressView<'_>,
    error: Option<&DiscoveryError>,
    d: Option<&Discovery<'_>>,
) -> Option<SubnetVerdict> {
    let role_tag = match error.and_then(|e| e.tag_key.as_deref()) {
        Some(t) if t.contains("internal-elb") => INTERNAL_ELB_TAG,
        Some(t) if t.contains("role/elb") => ELB_TAG,
        _ => ing.role_tag(),
    };
    // A defaulted `internal` scheme with only public subnets tagged is SUB-02's case.
    let other_tagged = |_: &Discovery<'_>| {
        let other = if role_tag == ELB_TAG {
            INTERNAL_ELB_TAG
        } else {
            ELB_TAG
        };
        !crate::subnets::discover(cx, other).tagged.is_empty()
    };
    if ing.scheme_annotation.is_none()
        && role_tag == INTERNAL_ELB_TAG
        && d.is_some_and(other_tagged)
    {
        return None;
    }
    match (error, d) {
        (Some(e), _) if !e.none_matched() => return None,
        // An old generic wording while subnets do carry the tag: another SUB rule explains it.
        (Some(e), Some(d)) if e.is_generic() && !d.tagged.is_empty() => return None,
        (None, Some(d)) => {
            let fallback = cx
                .lbc
                .as_ref()
                .is_some_and(|l| l.discovers_by_reachability())
                && !(if role_tag == ELB_TAG {
                    &d.public
                } else {
                    &d.private
                })
                .is_empty();
            if !d.tagged.is_empty() || d.in_vpc.is_empty() || fallback {
                return None;
            }
        }
        (None, None) => return None,
        (Some(_), _) => {}
    }
    let (ns, name) = (ing.namespace(), ing.name());
    let near: Vec<String> = d
        .map(|d| {
            d.near_misses
                .iter()
                .map(|(s, k, v)| format!("{} has {k}={v:?}", s.subnet_id))
                .collect()
        })
        .unwrap_or_default();
    let near = if near.is_empty() {
        String::new()
    } else {
        format!(
            " ({}; only the value \"1\" or \"\" under that exact key counts)",
            near.join(", ")
        )
    };
    let vpc = d
        .and_then(|d| d.vpc.clone())
        .map(|v| format!(" in {v}"))
        .unwrap_or_default();
    let scheme = if role_tag == ELB_TAG {
        "internet-facing"
    } else {
        "internal"
    };
    let when = if error.is_some() {
        "cannot place"
    } else {
        "will not be able to place"
    };
    let (mut commands, terraform) = tag_fix(cx, d, role_tag);
    commands.push(nudge_ingress(ns, name));
    let kind = if role_tag == ELB_TAG {
        "public"
    } else {
        "private"
    };
    // Up to v2.5 (and in v1) the error only says nothing was found; without the subnets the
    // missing role tag is the likeliest reason, not a fact.
    if error.is_some_and(DiscoveryError::is_generic) && d.is_none() {
        let cluster = crate::subnets::controller_cluster_name(cx)
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| cx.cluster_name());
        commands.insert(
            0,
            format!("aws ec2 describe-subnets --filters Name=tag-key,Values={role_tag} --query 'Subnets[].[SubnetId,AvailabilityZone,VpcId,AvailableIpAddressCount,Tags]'"),
        );
        return Some(SubnetVerdict {
            message: format!(
                "the controller finds no usable subnet for the {scheme} ALB of ingress/{ns}/{name}; its error does not say why and the subnets were not collected: no subnet with {role_tag}=1 is the usual reason, else subnets tagged only for another cluster than {cluster} or with fewer than 8 free IPs"
            ),
            fix_summary: format!(
                "check the subnets: tag the {kind} subnets {role_tag}=1 (at least two AZs), with no kubernetes.io/cluster/* tag or kubernetes.io/cluster/{cluster}, and 8 or more free IPs"
            ),
            commands,
            terraform,
        });
    }
    Some(SubnetVerdict {
        message: format!(
            "no subnet{vpc} carries {role_tag}=1, so the controller {when} the {scheme} ALB of ingress/{ns}/{name}{near}"
        ),
        fix_summary: format!("tag the {kind} subnets with {role_tag}=1 (at least two AZs)"),
        commands,
        terraform,
    })
}

impl NoRoleTaggedSubnets {
    fn run(cx: &Context<'_>, out: &mut Vec<crate::finding::Finding>) -> Outcome {
        run_subnet_rule(cx, &Self::META, judge, out)
    }
}

impl_rule!(NoRoleTaggedSubnets);
