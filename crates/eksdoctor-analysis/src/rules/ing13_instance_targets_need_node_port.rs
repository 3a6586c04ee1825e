use crate::bundle::Kind;
use crate::context::{Context, IngressView, Message, TARGET_GROUP_PORT_ERRORS};
use crate::finding::{Evidence, EvidenceSource, Finding, Key, Subject};
use crate::fixes::{nudge_ingress, target_type_ip};
use crate::rules::{Outcome, impl_rule};
use crate::scheduling::fargate_backed;
use crate::snapshot::Input;
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds ALB Ingresses with `instance` targets (the controller default) whose backend is a
    /// ClusterIP Service, and the controller's errors about a target group without a port.
    /// Backends on Fargate are FG-01's.
    ///
    /// ## Why it matters
    /// Instance targets are the nodes, reached on the Service's NodePort; a ClusterIP Service
    /// has none, so the controller builds a target group with port 0, which ELB refuses. The
    /// whole deploy fails: the Ingress, and every other Ingress of its IngressGroup, gets no
    /// address (or keeps a stale ALB).
    ///
    /// ## Evidence
    /// `TargetGroup port is empty. When using Instance targets, your service be must of type
    /// 'NodePort' or 'LoadBalancer'` (v2.13.4+); `CreateTargetGroup, … ValidationError: … Value
    /// '0' at 'port' failed to satisfy constraint` (v2.9-v2.13.3); `InvalidParameter: 1
    /// validation error(s) found. - minimum field value of 1, CreateTargetGroupInput.Port.`
    /// (v2.8 and older). The Ingress's and Service's `alb.ingress.kubernetes.io/target-type`,
    /// the controller's `--default-target-type`, and the Service's type.
    ///
    /// ## Example
    /// An Ingress without a target-type annotation routing to `type: ClusterIP` Service `web`.
    ///
    /// ## Fix
    /// Use ip targets (`alb.ingress.kubernetes.io/target-type: ip`), or make the Service
    /// `NodePort`; then nudge the Ingress.
    ///
    /// ## References
    /// - kubernetes-sigs/aws-load-balancer-controller#1644, #4014, #4238 (clearer error in PR #4243)
    /// - LBC annotations (target-type): <https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/#target-type>
    pub InstanceTargetsNeedNodePort {
        id: "ING-13",
        name: "instance-targets-need-node-port",
        summary: "an ALB Ingress with instance targets routes to a ClusterIP Service",
        severity: Error,
    }
}

fn is_port_error(m: &Message) -> bool {
    TARGET_GROUP_PORT_ERRORS.iter().any(|t| m.contains(t))
}

/// The Ingress and the others of its IngressGroup: one ALB, one deploy.
fn group_of<'c, 's>(cx: &'c Context<'s>, ing: &IngressView<'_>) -> Vec<&'c IngressView<'s>> {
    cx.ingresses
        .iter()
        .filter(|i| i.is_alb)
        .filter(|i| {
            (i.namespace() == ing.namespace() && i.name() == ing.name())
                || (ing.group().is_some() && i.group() == ing.group())
        })
        .collect()
}

impl InstanceTargetsNeedNodePort {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        let errors: Vec<&Message> = cx
            .lbc_messages
            .iter()
            .filter(|m| is_port_error(m))
            .collect();
        if !cx.has(Input::Kube(Kind::Service)) {
            if errors.is_empty() {
                return cx.require(Input::Kube(Kind::Service));
            }
            return Self::from_errors_alone(cx, &errors, out);
        }
        for ing in cx.ingresses.iter().filter(|i| i.is_alb) {
            let (ns, name) = (ing.namespace(), ing.name());
            let mut culprits: Vec<(&str, String)> = Vec::new();
            for (svc_name, _) in ing.ingress.backends().filter_map(|b| b.service_ref()) {
                let Some(svc) = cx.snapshot.service(ns, svc_name) else {
                    continue;
                };
                let target_type = cx.target_type(ing, Some(svc));
                if svc.service_type() == "ClusterIP"
                    && target_type != "ip"
                    && !fargate_backed(cx, svc)
                    && !culprits.iter().any(|(s, _)| *s == svc_name)
                {
                    culprits.push((svc_name, target_type));
                }
            }
            if culprits.is_empty() {
                continue;
            }
            let group = group_of(cx, ing);
            let surfaced: Vec<&Message> = errors
                .iter()
                .copied()
                .filter(|m| {
                    cx.ingresses_of(m)
                        .iter()
                        .any(|i| group.iter().any(|g| std::ptr::eq(*g, *i)))
                })
                .collect();
            // An ALB that works and no error: nothing to say about it yet.
            if surfaced.is_empty() && group.iter().all(|g| g.ingress.address().is_some()) {
                continue;
            }
            let services: Vec<String> = culprits.iter().map(|(s, _)| format!("{ns}/{s}")).collect();
            let target_type = &culprits[0].1;
            let others: Vec<String> = group
                .iter()
                .filter(|g| !std::ptr::eq(**g, ing))
                .map(|g| format!("ingress/{}/{}", g.namespace(), g.name()))
                .collect();
            let also = if others.is_empty() {
                String::new()
            } else {
                format!(
                    "; the failed deploy also blocks {} of IngressGroup {}",
                    others.join(", "),
                    ing.group().unwrap_or_default()
                )
            };
            let mut commands = vec![format!(
                "kubectl annotate ingress -n {ns} {name} alb.ingress.kubernetes.io/target-type=ip --overwrite"
            )];
            commands.extend(culprits.iter().map(|(s, _)| {
                format!("kubectl patch service -n {ns} {s} -p '{{\"spec\":{{\"type\":\"NodePort\"}}}}'  # or this, to keep instance targets")
            }));
            commands.push(nudge_ingress(ns, name));
            let mut f = Finding::new(
                &Self::META,
                Subject::new("Ingress", Some(ns), name),
                format!(
                    "ingress/{ns}/{name} uses {target_type} targets for ClusterIP {} {}: instance targets are reached on a NodePort, which a ClusterIP Service does not have, so the controller cannot build its target groups{also}",
                    if services.len() == 1 { "Service" } else { "Services" },
                    services.join(", ")
                ),
            )
            .evidence(Evidence::new(
                EvidenceSource::Object,
                format!("ingresses/{ns}/{name}"),
                format!("target type {target_type}; type ClusterIP: {}", services.join(", ")),
            ))
            .evidence_all(surfaced.iter().rev().take(1).map(|m| m.evidence()))
            .breaks_all(group.iter().map(|g| g.address_key()))
            .fix(
                "use ip targets (alb.ingress.kubernetes.io/target-type: ip), or make the Services NodePort",
                commands,
                Some(target_type_ip(name)),
            );
            if surfaced.is_empty() {
                f = f.latent();
            }
            out.push(f);
        }
        Ok(())
    }

    /// Services were not collected: the error says enough for the Ingresses it names that use
    /// instance targets.
    fn from_errors_alone(cx: &Context<'_>, errors: &[&Message], out: &mut Vec<Finding>) -> Outcome {
        let mut seen: Vec<Key> = Vec::new();
        for m in errors.iter().rev() {
            for ing in cx.ingresses_named_by(m) {
                let target_type = cx.target_type(ing, None);
                if target_type == "ip" || seen.contains(&ing.address_key()) {
                    continue;
                }
                seen.push(ing.address_key());
                let (ns, name) = (ing.namespace(), ing.name());
                out.push(
                    Finding::new(
                        &Self::META,
                        Subject::new("Ingress", Some(ns), name),
                        format!("the controller builds a target group without a port for ingress/{ns}/{name}: with {target_type} targets its backend Services must be NodePort or LoadBalancer (Services were not collected)"),
                    )
                    .evidence(m.evidence())
                    .breaks_all(group_of(cx, ing).iter().map(|g| g.address_key()))
                    .fix(
                        "use ip targets (alb.ingress.kubernetes.io/target-type: ip), or make the backend Services NodePort",
                        vec![
                            format!("kubectl get service -n {ns} -o custom-columns=NAME:.metadata.name,TYPE:.spec.type"),
                            format!("kubectl annotate ingress -n {ns} {name} alb.ingress.kubernetes.io/target-type=ip --overwrite"),
                            nudge_ingress(ns, name),
                        ],
                        Some(target_type_ip(name)),
                    ),
                );
            }
        }
        Ok(())
    }
}

impl_rule!(InstanceTargetsNeedNodePort);
