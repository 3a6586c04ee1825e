use crate::bundle::Kind;
use crate::context::Context;
use crate::finding::{Evidence, EvidenceSource, Finding, Key, Subject};
use crate::rules::{Outcome, impl_rule};
use crate::snapshot::Input;
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds the load balancer controller's admission webhooks (`*.elbv2.k8s.aws`) pointing at a
    /// webhook Service with no ready endpoints, and the `failed calling webhook … no endpoints
    /// available` errors they cause.
    ///
    /// ## Why it matters
    /// The webhooks fail closed: while the controller is not running (Pending, crash-looping, or
    /// uninstalled with its webhook configurations left behind), creating or changing Ingresses
    /// and Services, and with the pod webhook even pods, is refused cluster-wide.
    ///
    /// ## Evidence
    /// `ValidatingWebhookConfiguration`/`MutatingWebhookConfiguration` whose webhooks call
    /// `aws-load-balancer-webhook-service`; that Service's Endpoints without ready addresses;
    /// events `failed calling webhook "mservice.elbv2.k8s.aws": … no endpoints available for
    /// service "aws-load-balancer-webhook-service"`.
    ///
    /// ## Example
    /// The controller Pending on Fargate; `kubectl apply -f ingress.yaml` fails with the webhook
    /// error.
    ///
    /// ## Fix
    /// Make the controller run (the cause under this finding); if it was uninstalled on purpose,
    /// delete its webhook configurations.
    ///
    /// ## References
    /// - kubernetes-sigs/aws-load-balancer-controller#2336, #4140
    pub WebhookWithoutEndpoints {
        id: "ING-05",
        name: "webhook-without-endpoints",
        summary: "the controller's admission webhooks have no endpoints and refuse requests",
        severity: Error,
    }
}

impl WebhookWithoutEndpoints {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        cx.require(Input::Kube(Kind::Endpoints))?;
        let snap = cx.snapshot;
        let configs = snap
            .validating_webhooks
            .iter()
            .map(|c| ("validatingwebhookconfiguration", c))
            .chain(
                snap.mutating_webhooks
                    .iter()
                    .map(|c| ("mutatingwebhookconfiguration", c)),
            );
        let mut seen = Vec::new();
        for (kind, config) in configs {
            for hook in config
                .webhooks
                .iter()
                .filter(|w| w.name.ends_with(".elbv2.k8s.aws"))
            {
                let Some(svc) = &hook.client_config.service else {
                    continue;
                };
                if snap.ready_endpoints(&svc.namespace, &svc.name) != Some(0)
                    || seen.contains(&(svc.namespace.clone(), svc.name.clone()))
                {
                    continue;
                }
                seen.push((svc.namespace.clone(), svc.name.clone()));
                let failures = snap
                    .events
                    .iter()
                    .filter(|e| {
                        e.message.contains("failed calling webhook")
                            && e.message.contains("elbv2.k8s.aws")
                    })
                    .map(|e| {
                        Evidence::new(
                            EvidenceSource::Events,
                            format!(
                                "events/{}/{}/{} ({})",
                                e.involved_kind, e.involved_namespace, e.involved_name, e.reason
                            ),
                            e.message.clone(),
                        )
                    });
                let (lbc_ns, lbc_name) = cx.lbc_names();
                let mut f = Finding::new(
                    &Self::META,
                    Subject::new("Service", Some(&svc.namespace), &svc.name),
                    format!(
                        "{kind}/{} sends requests to service/{}/{}, which has no ready endpoints: creating or changing Ingresses and Services is refused",
                        config.metadata.name, svc.namespace, svc.name
                    ),
                )
                .symptom()
                .evidence(Evidence::new(EvidenceSource::Object, format!("endpoints/{}/{}", svc.namespace, svc.name), "no ready addresses"))
                .evidence_all(failures.take(1))
                .fix(
                    if cx.lbc.is_some() { "make the controller pods run (the cause below)".to_owned() } else { "the controller is not installed: delete its leftover webhook configurations".to_owned() },
                    if cx.lbc.is_some() {
                        vec![format!("kubectl -n {lbc_ns} get pods -l app.kubernetes.io/name={lbc_name}")]
                    } else {
                        vec![format!("kubectl delete {kind} {}", config.metadata.name)]
                    },
                    None,
                );
                if cx.lbc.is_some() {
                    f = f.needs(Key::WorkloadUp("Deployment".into(), lbc_ns, lbc_name));
                }
                out.push(f);
            }
        }
        Ok(())
    }
}

impl_rule!(WebhookWithoutEndpoints);
