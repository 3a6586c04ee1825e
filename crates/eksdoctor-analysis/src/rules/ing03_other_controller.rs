use crate::bundle::Kind;
use crate::context::{ALB_CONTROLLER, ClassSource, Context, IngressView};
use crate::finding::{Evidence, EvidenceSource, Finding, Key, Subject};
use crate::rules::{Outcome, impl_rule};
use crate::snapshot::Input;
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds Ingresses that no running controller will reconcile: an Ingress written for the ALB
    /// controller (it carries `alb.ingress.kubernetes.io/*` annotations) whose class belongs to
    /// another controller, or an Ingress whose class's controller is not installed at all.
    ///
    /// ## Why it matters
    /// Like a class-less Ingress, nothing happens and nothing says why: no event, no log line.
    /// The annotation `kubernetes.io/ingress.class` also wins over `spec.ingressClassName`, so a
    /// stale annotation silently hands the Ingress to another controller.
    ///
    /// ## Evidence
    /// The Ingress's class (annotation or `ingressClassName`), the IngressClass's
    /// `spec.controller`, and whether a Deployment running that controller exists. An Ingress
    /// with events only the load balancer controller gives (`FailedBuildModel`,
    /// `SuccessfullyReconciled`, …), or a bundle with the controller's logs, has a running
    /// controller, collected or not.
    ///
    /// ## Example
    /// `ingressClassName: nginx` on an Ingress with `alb.ingress.kubernetes.io/scheme:
    /// internet-facing`; or class `alb` (controller `ingress.k8s.aws/alb`) with no load balancer
    /// controller deployed.
    ///
    /// ## Fix
    /// Point the Ingress at the ALB class (and drop a stale class annotation), or install the
    /// controller its class names.
    ///
    /// ## References
    /// - LBC ingress class: <https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/ingress_class/>
    pub OtherController {
        id: "ING-03",
        name: "ingress-claimed-by-no-running-controller",
        summary: "an Ingress belongs to a controller that will not reconcile it",
        severity: Error,
    }
}

fn class_name<'a>(ing: &'a IngressView<'_>) -> Option<&'a str> {
    match &ing.class {
        ClassSource::Annotation(c) | ClassSource::ClassName(c) | ClassSource::Default(c) => Some(c),
        ClassSource::None | ClassSource::Unknown => None,
    }
}

impl OtherController {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        cx.require(Input::Kube(Kind::Ingress))?;
        let deployments_known = cx.has(Input::Kube(Kind::Deployment));
        for ing in cx
            .ingresses
            .iter()
            .filter(|i| i.ingress.address().is_none())
        {
            let Some(class) = class_name(ing) else {
                continue;
            };
            let (ns, name) = (ing.namespace(), ing.name());
            let wants_alb = ing
                .ingress
                .metadata
                .annotations
                .keys()
                .any(|k| k.starts_with("alb.ingress.kubernetes.io/"));
            let message = if wants_alb && !ing.is_alb {
                let owner = ing
                    .controller
                    .clone()
                    .unwrap_or_else(|| "another controller".into());
                format!(
                    "ingress/{ns}/{name} carries ALB annotations but its class {class:?} belongs to {owner}, so the ALB controller ignores it"
                )
            } else if ing.is_alb
                && ing.controller.as_deref() != Some(crate::context::AUTO_MODE_ALB_CONTROLLER)
                && cx.lbc.is_none()
                && deployments_known
                && !controller_has_spoken(cx, ns, name)
                && !cx.auto_mode
            {
                format!(
                    "ingress/{ns}/{name} uses class {class:?} (controller {ALB_CONTROLLER}), but no AWS Load Balancer Controller is deployed"
                )
            } else {
                continue;
            };
            let alb_class = cx
                .snapshot
                .ingress_classes
                .iter()
                .find(|c| c.spec.controller.as_deref() == Some(ALB_CONTROLLER))
                .map_or("alb", |c| c.metadata.name.as_str());
            out.push(
                Finding::new(&Self::META, Subject::new("Ingress", Some(ns), name), message)
                    .evidence(Evidence::new(EvidenceSource::Object, format!("ingresses/{ns}/{name}"), format!("class {class}, controller {}", ing.controller.as_deref().unwrap_or("unknown"))))
                    .breaks(Key::IngressAddress(ns.to_owned(), name.to_owned()))
                    .fix(
                        if ing.is_alb { "install the AWS Load Balancer Controller (Helm chart eks/aws-load-balancer-controller)".to_owned() } else { format!("set spec.ingressClassName: {alb_class} and remove the kubernetes.io/ingress.class annotation") },
                        if ing.is_alb {
                            vec![format!("helm install aws-load-balancer-controller eks/aws-load-balancer-controller -n kube-system --set clusterName={} --set serviceAccount.name=aws-load-balancer-controller", cx.cluster_name())]
                        } else {
                            vec![
                                format!("kubectl annotate ingress -n {ns} {name} kubernetes.io/ingress.class-"),
                                format!("kubectl patch ingress -n {ns} {name} --type merge -p '{{\"spec\":{{\"ingressClassName\":\"{alb_class}\"}}}}'"),
                            ]
                        },
                        None,
                    ),
            );
        }
        Ok(())
    }
}

/// Reasons only the load balancer controller gives Ingress events
/// (`pkg/k8s/events.go`): an Ingress that has them was seen by a running controller, even if
/// its Deployment was not collected (another namespace, another name).
const LBC_EVENT_REASONS: &[&str] = &[
    "FailedBuildModel",
    "FailedDeployModel",
    "FailedLoadGroupID",
    "FailedAddFinalizer",
    "FailedRemoveFinalizer",
    "FailedUpdateStatus",
    "SuccessfullyReconciled",
];

/// Logs of the controller in the bundle are as good a sign that it runs.
fn controller_has_spoken(cx: &Context<'_>, ns: &str, name: &str) -> bool {
    cx.snapshot
        .events_for("Ingress", ns, name)
        .any(|e| LBC_EVENT_REASONS.contains(&e.reason.as_str()))
        || cx.controller_logs().next().is_some()
}

impl_rule!(OtherController);
