use crate::bundle::Kind;
use crate::context::{Context, TARGET_GROUP_PORT_ERRORS, TARGET_TYPE_ANNOTATION};
use crate::finding::{Evidence, EvidenceSource, Finding, Key, Subject};
use crate::fixes::{nudge_ingress, target_type_ip};
use crate::rules::{Outcome, impl_rule};
use crate::scheduling::fargate_backed;
use crate::snapshot::Input;
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds ALB Ingresses on Fargate whose target type is `instance` (the controller default)
    /// instead of `ip`.
    ///
    /// ## Why it matters
    /// Fargate pods have no EC2 instance and no NodePort the ALB could target. With a ClusterIP
    /// Service the reconcile fails and the Ingress gets no address; with a NodePort Service the
    /// ALB is created with an empty target group and answers 503. Fargate supports IP targets
    /// only.
    ///
    /// ## Evidence
    /// No `alb.ingress.kubernetes.io/target-type: ip` on the Ingress (and no
    /// `--default-target-type=ip` on the controller); backend pods on Fargate; errors by version:
    /// `TargetGroup port is empty. When using Instance targets, your service be must of type
    /// 'NodePort' or 'LoadBalancer'` (v2.13.4+), `Value '0' at 'port' failed to satisfy
    /// constraint` (v2.9-v2.13.3), `minimum field value of 1, CreateTargetGroupInput.Port`
    /// (up to v2.8).
    ///
    /// ## Example
    /// An Ingress routing to a ClusterIP Service whose pods run on `fargate-ip-10-0-12-84…`.
    ///
    /// ## Fix
    /// Annotate the Ingress `alb.ingress.kubernetes.io/target-type: ip` (or set the controller's
    /// `defaultTargetType=ip`).
    ///
    /// ## References
    /// - EKS ALB on Fargate: <https://docs.aws.amazon.com/eks/latest/userguide/alb-ingress.html>
    /// - kubernetes-sigs/aws-load-balancer-controller#3379, #4014
    pub InstanceTargetsOnFargate {
        id: "FG-01",
        name: "instance-targets-on-fargate",
        summary: "an ALB Ingress on Fargate uses instance targets instead of ip",
        severity: Error,
    }
}

impl InstanceTargetsOnFargate {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        cx.require(Input::Kube(Kind::Service))?;
        cx.require(Input::Kube(Kind::Pod))?;
        for ing in cx.ingresses.iter().filter(|i| i.is_alb) {
            let (ns, name) = (ing.namespace(), ing.name());
            let mut cluster_ip = Vec::new();
            let mut node_port = Vec::new();
            for (svc_name, _) in ing.ingress.backends().filter_map(|b| b.service_ref()) {
                let Some(svc) = cx.snapshot.service(ns, svc_name) else {
                    continue;
                };
                if cx.target_type(ing, Some(svc)) == "ip" || !fargate_backed(cx, svc) {
                    continue;
                }
                let list = if svc.service_type() == "ClusterIP" {
                    &mut cluster_ip
                } else {
                    &mut node_port
                };
                if !list.contains(&svc_name) {
                    list.push(svc_name);
                }
            }
            if cluster_ip.is_empty() && node_port.is_empty() {
                continue;
            }
            let surfaced: Vec<_> = cx
                .lbc_messages
                .iter()
                .filter(|m| TARGET_GROUP_PORT_ERRORS.iter().any(|t| m.contains(t)))
                .filter(|m| {
                    cx.ingresses_of(m)
                        .iter()
                        .any(|i| i.namespace() == ns && i.name() == name)
                })
                .collect();
            let outcome = if cluster_ip.is_empty() {
                format!(
                    "the ALB's target groups stay empty and it answers 503 (NodePort services {})",
                    node_port.join(", ")
                )
            } else {
                format!(
                    "the controller cannot build target groups for ClusterIP services {}",
                    cluster_ip.join(", ")
                )
            };
            let target_type = cx.target_type(ing, None);
            let mut f = Finding::new(
                &Self::META,
                Subject::new("Ingress", Some(ns), name),
                format!("ingress/{ns}/{name} uses target type {target_type} but its backends run on Fargate, which supports only ip targets: {outcome}"),
            )
            .evidence(Evidence::new(EvidenceSource::Object, format!("ingresses/{ns}/{name}"), format!("{TARGET_TYPE_ANNOTATION}: {}", ing.annotation(TARGET_TYPE_ANNOTATION).unwrap_or("(not set, controller default instance)"))))
            .evidence_all(surfaced.iter().rev().take(1).map(|m| m.evidence()))
            .fix(
                "use ip targets",
                vec![
                    format!("kubectl annotate ingress -n {ns} {name} {TARGET_TYPE_ANNOTATION}=ip --overwrite"),
                    nudge_ingress(ns, name),
                ],
                Some(target_type_ip(name)),
            );
            if !cluster_ip.is_empty() {
                f = f.breaks(Key::IngressAddress(ns.to_owned(), name.to_owned()));
                if surfaced.is_empty() {
                    f = f.latent();
                }
            }
            out.push(f);
        }
        Ok(())
    }
}

impl_rule!(InstanceTargetsOnFargate);
