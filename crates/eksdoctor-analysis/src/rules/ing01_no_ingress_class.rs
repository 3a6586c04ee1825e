use crate::bundle::Kind;
use crate::context::{CLASS_ANNOTATION, ClassSource, Context};
use crate::finding::{Evidence, EvidenceSource, Finding, Key, Subject};
use crate::rules::{Outcome, Skip, impl_rule};
use crate::snapshot::Input;
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds Ingresses without an address that name no class (no `spec.ingressClassName`, no
    /// `kubernetes.io/ingress.class` annotation) on a cluster without a default IngressClass.
    /// Whatever controller is installed (the ALB controller, ingress-nginx, …), none claims them.
    ///
    /// ## Why it matters
    /// Nothing happens at all: no event, no controller log line, no address. Users wait for an
    /// ALB that no controller was ever asked to create.
    ///
    /// ## Evidence
    /// The Ingress spec and annotations; `kubectl get ingressclass` with none annotated
    /// `ingressclass.kubernetes.io/is-default-class: "true"`.
    ///
    /// ## Example
    /// An Ingress copied from an old tutorial, without `ingressClassName`, on a cluster whose
    /// only IngressClass `alb` is not the default.
    ///
    /// ## Fix
    /// Set `spec.ingressClassName` (e.g. `alb`), or mark one IngressClass as the default.
    ///
    /// ## References
    /// - IngressClass: <https://kubernetes.io/docs/concepts/services-networking/ingress/#ingress-class>
    /// - LBC `controllers/ingress/group_controller.go` (class-less Ingresses are ignored by default)
    pub NoIngressClass {
        id: "ING-01",
        name: "ingress-without-class",
        summary: "an Ingress names no class and there is no default class: no controller claims it",
        severity: Error,
    }
}

impl NoIngressClass {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        cx.require(Input::Kube(Kind::Ingress))?;
        let waiting: Vec<_> = cx
            .ingresses
            .iter()
            .filter(|i| i.ingress.address().is_none())
            .collect();
        if waiting.iter().any(|i| i.class == ClassSource::Unknown) {
            return Err(Skip(
                cx.snapshot.missing_reason(Input::Kube(Kind::IngressClass)),
            ));
        }
        let classes: Vec<&str> = cx
            .snapshot
            .ingress_classes
            .iter()
            .map(|c| c.metadata.name.as_str())
            .collect();
        let suggested = if classes.contains(&"alb") || cx.lbc.is_some() {
            "alb"
        } else {
            classes.first().copied().unwrap_or("alb")
        };
        for ing in waiting.into_iter().filter(|i| i.class == ClassSource::None) {
            let (ns, name) = (ing.namespace(), ing.name());
            out.push(
                Finding::new(&Self::META, Subject::new("Ingress", Some(ns), name), format!(
                    "ingress/{ns}/{name} names no ingress class and no IngressClass is the default, so no controller claims it (classes: {})",
                    if classes.is_empty() { "none".into() } else { classes.join(", ") }
                ))
                .evidence(Evidence::new(EvidenceSource::Object, format!("ingresses/{ns}/{name}"), format!("no spec.ingressClassName, no {CLASS_ANNOTATION} annotation")))
                .breaks(Key::IngressAddress(ns.to_owned(), name.to_owned()))
                .fix(
                    format!("set spec.ingressClassName: {suggested}"),
                    vec![format!("kubectl patch ingress -n {ns} {name} --type merge -p '{{\"spec\":{{\"ingressClassName\":\"{suggested}\"}}}}'")],
                    Some(format!("resource \"kubernetes_ingress_v1\" \"{}\" {{\n  spec {{\n    ingress_class_name = \"{suggested}\"\n  }}\n}}", name.replace('-', "_"))),
                ),
            );
        }
        Ok(())
    }
}

impl_rule!(NoIngressClass);
