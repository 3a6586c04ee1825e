use crate::bundle::Kind;
use crate::context::{ClassSource, Context};
use crate::finding::{Evidence, EvidenceSource, Finding, Key, Subject};
use crate::rules::{Outcome, impl_rule};
use crate::snapshot::Input;
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds Ingresses whose `spec.ingressClassName` names an IngressClass that does not exist,
    /// and the controller's own `invalid ingress class` errors.
    ///
    /// ## Why it matters
    /// The ALB controller's webhook rejects such an Ingress on apply, or, if it was created
    /// before, the controller cannot load its group and leaves it alone. A Helm install with
    /// `createIngressClassResource=false` or a renamed class causes this.
    ///
    /// ## Evidence
    /// `kubectl get ingressclass` without the named class; events `FailedLoadGroupID failed load
    /// groupID due to invalid ingress class: ingressclasses.networking.k8s.io "<x>" not found`;
    /// webhook denials `admission webhook "vingress.elbv2.k8s.aws" denied the request: invalid
    /// ingress class`.
    ///
    /// ## Example
    /// `ingressClassName: aws-alb` while the only class is `alb`.
    ///
    /// ## Fix
    /// Point `ingressClassName` at an existing class, or create the IngressClass.
    ///
    /// ## References
    /// - LBC `pkg/ingress/class_loader.go`
    pub UnknownIngressClass {
        id: "ING-02",
        name: "unknown-ingress-class",
        summary: "an Ingress names an IngressClass that does not exist",
        severity: Error,
    }
}

impl UnknownIngressClass {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        cx.require(Input::Kube(Kind::IngressClass))?;
        let classes: Vec<&str> = cx
            .snapshot
            .ingress_classes
            .iter()
            .map(|c| c.metadata.name.as_str())
            .collect();
        for ing in &cx.ingresses {
            let ClassSource::ClassName(class) = &ing.class else {
                continue;
            };
            if classes.contains(&class.as_str()) || ing.ingress.address().is_some() {
                continue;
            }
            let (ns, name) = (ing.namespace(), ing.name());
            let events = cx
                .snapshot
                .events_for("Ingress", ns, name)
                .filter(|e| e.message.contains("invalid ingress class"))
                .map(|e| {
                    Evidence::new(
                        EvidenceSource::Events,
                        format!("events/Ingress/{ns}/{name} ({})", e.reason),
                        e.message.clone(),
                    )
                });
            let suggested = classes.first().copied().unwrap_or("alb");
            out.push(
                Finding::new(&Self::META, Subject::new("Ingress", Some(ns), name), format!(
                    "ingress/{ns}/{name} names ingress class {class:?}, which does not exist (classes: {})",
                    if classes.is_empty() { "none".into() } else { classes.join(", ") }
                ))
                .evidence(Evidence::new(EvidenceSource::Object, format!("ingresses/{ns}/{name}"), format!("spec.ingressClassName: {class}")))
                .evidence_all(events.take(1))
                .breaks(Key::IngressAddress(ns.to_owned(), name.to_owned()))
                .fix(
                    format!("use an existing class ({suggested}) or create IngressClass {class}"),
                    vec![
                        "kubectl get ingressclass".into(),
                        format!("kubectl patch ingress -n {ns} {name} --type merge -p '{{\"spec\":{{\"ingressClassName\":\"{suggested}\"}}}}'"),
                    ],
                    None,
                ),
            );
        }
        Ok(())
    }
}

impl_rule!(UnknownIngressClass);
