use crate::facts::Context;
use crate::model::Kind;
use crate::report::Hit;
use crate::value::Value;
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds Ingresses meant for the AWS Load Balancer Controller (the configuration installs
    /// it, or the Ingress has `alb.ingress.kubernetes.io/*` annotations) that name no class:
    /// neither `ingress_class_name`/`ingressClassName` nor the `kubernetes.io/ingress.class`
    /// annotation, while no IngressClass here is the default
    /// (`ingressclass.kubernetes.io/is-default-class = "true"`, or the chart's
    /// `ingressClassConfig.default`). Configurations that install another ingress controller
    /// are left alone.
    ///
    /// ## Why it matters
    /// With its default `--ingress-class=alb`, the controller ignores Ingresses without a class:
    /// no event, no log line, no address, ever (ING-01).
    ///
    /// ## Evidence
    /// The Ingress, its annotations, and the IngressClasses in the configuration.
    ///
    /// ## Example
    /// ```hcl
    /// resource "kubernetes_ingress_v1" "web" {
    ///   metadata { name = "web" }
    ///   spec { rule { http { path { path = "/" } } } }
    /// }
    /// ```
    ///
    /// ## Fix
    /// ```hcl
    ///   spec {
    ///     ingress_class_name = "alb"
    ///   }
    /// ```
    ///
    /// ## References
    /// - AWS Load Balancer Controller docs: IngressClass
    /// - Kubernetes docs: Ingress, default IngressClass
    /// - Runtime rule ING-01
    pub IngressWithoutClass {
        id: "TF-07",
        name: "ingress-without-class",
        summary: "an Ingress names no IngressClass and there is no default class",
        severity: Warning,
        prevents: ["ING-01"],
    }
}

/// Charts of other ingress controllers: with one of them here, a class-less Ingress may be theirs.
const OTHER_CONTROLLERS: &[&str] = &[
    "nginx",
    "traefik",
    "kong",
    "haproxy",
    "contour",
    "istio",
    "ambassador",
    "emissary",
];

pub fn check(cx: &Context, out: &mut Vec<Hit>) {
    if has_other_controller(cx) || has_default_class(cx) {
        return;
    }
    for ing in &cx.ingresses {
        let annotated = ing.annotation("kubernetes.io/ingress.class").is_some();
        if annotated
            || !matches!(ing.class, Value::Null)
            || ing.annotations.as_obj().is_none_or(|o| o.open)
        {
            continue;
        }
        let alb_annotations = ing.annotations.as_obj().is_some_and(|o| {
            o.entries
                .keys()
                .any(|k| k.starts_with("alb.ingress.kubernetes.io/"))
        });
        if cx.lbc.is_empty() && !alb_annotations {
            continue;
        }
        let (attr, hcl) = if ing.at.starts_with("metadata") {
            ("spec", "ingress_class_name = \"alb\"")
        } else {
            (ing.at.as_str(), "ingressClassName: alb")
        };
        let detail = "has no ingress class (no ingress_class_name, no kubernetes.io/ingress.class annotation) and no IngressClass here is the default, so the load balancer controller ignores it";
        out.push(
            Hit::new(&IngressWithoutClass::META, ing.inst, attr, detail)
                .fix("name the ALB ingress class", hcl),
        );
    }
}

fn has_other_controller(cx: &Context) -> bool {
    cx.config.instances.iter().any(|i| {
        i.kind != Kind::Provider
            && i.get("chart").and_then(Value::as_str).is_some_and(|c| {
                let c = c.to_lowercase();
                OTHER_CONTROLLERS.iter().any(|o| c.contains(o))
            })
    })
}

/// A default IngressClass here (or one that might be: unknown annotations).
fn has_default_class(cx: &Context) -> bool {
    let chart_default =
        cx.lbc.iter().any(
            |l| match l.values.lookup(&["ingressClassConfig", "default"]) {
                crate::helm::Found::Set(v) => v.as_bool() != Some(false),
                crate::helm::Found::Absent => false,
                crate::helm::Found::Unknown => true,
            },
        );
    chart_default
        || cx.ingress_classes().iter().any(|(_, c)| {
            match c.path(&[
                "metadata",
                "annotations",
                "ingressclass.kubernetes.io/is-default-class",
            ]) {
                Some(v) => v.as_bool() != Some(false),
                None => false,
            }
        })
}
