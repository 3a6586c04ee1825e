use crate::facts::{Context, Scheme};
use crate::model::Kind;
use crate::report::Hit;
use crate::subnets::{ELB_TAG, INTERNAL_ELB_TAG, subnets};
use crate::value::Value;
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds ALB Ingresses without `alb.ingress.kubernetes.io/scheme` whose intent is clearly
    /// internet-facing. Conservative on purpose: the Ingress has a `host` in a public Route 53
    /// zone of this configuration (`aws_route53_zone` without `vpc`, or a `data` lookup with
    /// `private_zone` not true), or the configuration tags only public subnets for load
    /// balancers. Ingresses whose scheme comes from elsewhere are left alone: another member of
    /// their IngressGroup, the IngressClassParams of their class (written here, or the chart's
    /// `ingressClassParams.spec.scheme`), or the chart's `defaultLoadBalancerScheme`.
    ///
    /// ## Why it matters
    /// The controller's default scheme is `internal`. Without the annotation it looks for
    /// subnets tagged `kubernetes.io/role/internal-elb`: with only public subnets tagged it finds
    /// none (SUB-02), otherwise it builds an ALB that the internet cannot reach.
    ///
    /// ## Evidence
    /// The Ingress, its host and the public zone, or the subnet tags seen.
    ///
    /// ## Example
    /// ```hcl
    /// resource "kubernetes_ingress_v1" "web" {
    ///   metadata {
    ///     annotations = { "alb.ingress.kubernetes.io/target-type" = "ip" }
    ///   }
    ///   spec {
    ///     ingress_class_name = "alb"
    ///     rule { host = "shop.example.com" }
    ///   }
    /// }
    /// ```
    ///
    /// ## Fix
    /// ```hcl
    ///     annotations = {
    ///       "alb.ingress.kubernetes.io/scheme"      = "internet-facing"
    ///       "alb.ingress.kubernetes.io/target-type" = "ip"
    ///     }
    /// ```
    ///
    /// ## References
    /// - AWS Load Balancer Controller annotations: `scheme` (default `internal`)
    /// - Runtime rule SUB-02
    pub IngressSchemeImplicit {
        id: "TF-08",
        name: "ingress-scheme-implicit",
        summary: "an internet-facing ALB Ingress relies on the default scheme, which is internal",
        severity: Warning,
        prevents: ["SUB-02"],
    }
}

const SCHEME: &str = "alb.ingress.kubernetes.io/scheme";

pub fn check(cx: &Context, out: &mut Vec<Hit>) {
    let zones = public_zones(cx);
    let only_public_tagged = only_public_subnets_tagged(cx);
    for ing in cx.ingresses.iter().filter(|i| cx.is_alb(i)) {
        if cx.scheme_of(ing) != Scheme::Default {
            continue;
        }
        let public_host = ing.hosts.iter().filter_map(Value::as_str).find_map(|h| {
            zones
                .iter()
                .find(|z| h == **z || h.ends_with(&format!(".{z}")))
                .map(|z| (h.clone(), z.clone()))
        });
        let why = match (public_host, only_public_tagged) {
            (Some((host, zone)), _) => format!("host `{host}` is in the public zone `{zone}`"),
            (None, true) => "only public subnets are tagged for load balancers".to_owned(),
            (None, false) => continue,
        };
        let detail = format!(
            "has no `{SCHEME}` annotation, so the controller builds an internal ALB (the default scheme), although {why}"
        );
        out.push(
            Hit::new(&IngressSchemeImplicit::META, ing.inst, &ing.at, detail).fix(
                "make the ALB internet-facing",
                format!("\"{SCHEME}\" = \"internet-facing\""),
            ),
        );
    }
}

/// Names of public hosted zones known here, without the trailing dot.
fn public_zones(cx: &Context) -> Vec<String> {
    cx.config
        .instances
        .iter()
        .filter(|i| i.rtype == "aws_route53_zone")
        .filter(|z| match z.kind {
            Kind::Resource => z.get("vpc").is_none_or(|v| {
                matches!(v, Value::Null) || v.as_list().is_some_and(|l| l.is_empty())
            }),
            Kind::Data => z
                .get("private_zone")
                .is_none_or(|p| p.as_bool() == Some(false) || matches!(p, Value::Null)),
            _ => false,
        })
        .filter_map(|z| z.get("name").and_then(Value::as_str))
        .map(|n| n.trim_end_matches('.').to_owned())
        .collect()
}

/// Some subnet carries the public role tag, none the internal one, and all tags are known.
fn only_public_subnets_tagged(cx: &Context) -> bool {
    let all = subnets(cx);
    let Some(tags) = all
        .iter()
        .map(|s| s.tags.as_obj())
        .collect::<Option<Vec<_>>>()
    else {
        return false;
    };
    tags.iter().any(|t| t.entries.contains_key(ELB_TAG))
        && !tags.iter().any(|t| t.get(INTERNAL_ELB_TAG).is_some())
}
