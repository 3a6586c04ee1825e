use crate::context::{Context, IngressView, SCHEME_ANNOTATION};
use crate::fixes::nudge_ingress;
use crate::rules::{Outcome, impl_rule};
use crate::subnets::{
    Discovery, DiscoveryError, ELB_TAG, SubnetVerdict, discover, run_subnet_rule,
};
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds ALB Ingresses without `alb.ingress.kubernetes.io/scheme` for which the controller
    /// looks for `kubernetes.io/role/internal-elb` subnets (the default scheme is `internal`)
    /// while only public subnets are tagged `kubernetes.io/role/elb`.
    ///
    /// ## Why it matters
    /// "I tagged my public subnets and it still fails": the controller's default scheme is
    /// `internal`, so an Ingress meant for the internet looks for private subnets. Even when it
    /// finds some (v2.13+ falls back to route tables), the ALB it creates is internal and not
    /// reachable from the internet.
    ///
    /// ## Evidence
    /// `(0 match VPC and tags: [kubernetes.io/role/internal-elb])` (v2.7-v2.12) or the v2.13+
    /// `Evaluated 0 subnets` on an Ingress without a scheme annotation; subnets tagged only with
    /// `kubernetes.io/role/elb`.
    ///
    /// ## Example
    /// An Ingress with `ingressClassName: alb`, no annotations, public subnets tagged `elb=1`.
    ///
    /// ## Fix
    /// Add `alb.ingress.kubernetes.io/scheme: internet-facing` (or tag private subnets with
    /// `kubernetes.io/role/internal-elb=1` if an internal ALB was meant).
    ///
    /// ## References
    /// - LBC annotations (scheme): <https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/#scheme>
    /// - kubernetes-sigs/aws-load-balancer-controller#3212
    pub SchemeDefaultsInternal {
        id: "SUB-02",
        name: "scheme-defaults-internal",
        summary: "an Ingress without a scheme annotation is internal, but only public subnets are tagged",
        severity: Error,
    }
}

fn judge(
    cx: &Context<'_>,
    ing: &IngressView<'_>,
    error: Option<&DiscoveryError>,
    d: Option<&Discovery<'_>>,
) -> Option<SubnetVerdict> {
    if ing.scheme_annotation.is_some() {
        return None;
    }
    let public_tagged = d.is_some() && !discover(cx, ELB_TAG).tagged.is_empty();
    let surfaced_internal = error.is_some_and(|e| {
        e.none_matched()
            && e.tag_key
                .as_deref()
                .is_some_and(|k| k.contains("internal-elb"))
    });
    let latent_internal =
        error.is_none() && d.is_some_and(|d| d.tagged.is_empty()) && public_tagged;
    let surfaced_untyped =
        error.is_some_and(|e| e.none_matched() && e.tag_key.is_none()) && public_tagged;
    if !(surfaced_internal || latent_internal || surfaced_untyped) {
        return None;
    }
    let (ns, name) = (ing.namespace(), ing.name());
    Some(SubnetVerdict {
        message: format!(
            "ingress/{ns}/{name} has no {SCHEME_ANNOTATION} annotation, so the controller builds an internal ALB and looks for kubernetes.io/role/internal-elb subnets; only public subnets are tagged kubernetes.io/role/elb"
        ),
        fix_summary: "declare the scheme: internet-facing for a public ALB".into(),
        commands: vec![
            format!(
                "kubectl annotate ingress -n {ns} {name} {SCHEME_ANNOTATION}=internet-facing --overwrite"
            ),
            nudge_ingress(ns, name),
        ],
        terraform: Some(format!(
            "resource \"kubernetes_ingress_v1\" \"{tf}\" {{\n  metadata {{\n    annotations = {{\n      \"{SCHEME_ANNOTATION}\" = \"internet-facing\"\n    }}\n  }}\n}}",
            tf = name.replace('-', "_")
        )),
    })
}

impl SchemeDefaultsInternal {
    fn run(cx: &Context<'_>, out: &mut Vec<crate::finding::Finding>) -> Outcome {
        run_subnet_rule(cx, &Self::META, judge, out)
    }
}

impl_rule!(SchemeDefaultsInternal);
