use crate::bundle::Kind;
use crate::context::Context;
use crate::finding::{Evidence, EvidenceSource, Finding, Key, Subject};
use crate::model::k8s::IntOrString;
use crate::rules::{Outcome, impl_rule};
use crate::snapshot::Input;
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds Ingress backends that name a Service that does not exist, or a port the Service
    /// does not have, and the controller's `services "<name>" not found` / `unable to find port`
    /// errors.
    ///
    /// ## Why it matters
    /// With one missing backend the ALB controller answers `503 Backend service does not
    /// exist`; with several services the whole reconcile fails and the Ingress gets no address.
    /// Other controllers answer 503 or 404. A typo in a name or a renamed port is enough.
    ///
    /// ## Evidence
    /// The Ingress backends (`service.name`/`service.port`, or v1beta1
    /// `serviceName`/`servicePort`) against `kubectl get svc`; controller errors
    /// `services "web" not found`, `unable to find port 8080 on service shop/web`.
    ///
    /// ## Example
    /// Backend `storefront-svc:80` while the Service is `storefront` with port `8080`.
    ///
    /// ## Fix
    /// Create the Service or correct the backend's name and port.
    ///
    /// ## References
    /// - LBC `pkg/ingress/enhanced_backend_builder.go`, `pkg/k8s/service_utils.go`
    pub BackendServiceMissing {
        id: "ING-07",
        name: "backend-service-missing",
        summary: "an Ingress backend names a Service or port that does not exist",
        severity: Error,
    }
}

impl BackendServiceMissing {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        cx.require(Input::Kube(Kind::Service))?;
        for ing in &cx.ingresses {
            let (ns, name) = (ing.namespace(), ing.name());
            let mut problems: Vec<String> = Vec::new();
            for (svc_name, port) in ing.ingress.backends().filter_map(|b| b.service_ref()) {
                let problem = match cx.snapshot.service(ns, svc_name) {
                    None => format!("service {ns}/{svc_name} does not exist"),
                    Some(svc) => {
                        let found = svc.spec.ports.iter().any(|p| match &port {
                            IntOrString::Int(n) => p.port == *n,
                            IntOrString::String(s) => p.name.as_deref() == Some(s),
                        });
                        if found {
                            continue;
                        } else {
                            format!("service {ns}/{svc_name} has no port {port}")
                        }
                    }
                };
                if !problems.contains(&problem) {
                    problems.push(problem);
                }
            }
            if problems.is_empty() {
                continue;
            }
            let errors = cx
                .lbc_messages
                .iter()
                .filter(|m| {
                    (m.contains("not found") && m.contains("services"))
                        || m.contains("unable to find port")
                })
                .filter(|m| {
                    cx.ingresses_of(m)
                        .iter()
                        .any(|i| i.namespace() == ns && i.name() == name)
                })
                .map(|m| m.evidence());
            out.push(
                Finding::new(
                    &Self::META,
                    Subject::new("Ingress", Some(ns), name),
                    format!(
                        "ingress/{ns}/{name} routes to a missing backend: {}",
                        problems.join("; ")
                    ),
                )
                .evidence(Evidence::new(
                    EvidenceSource::Object,
                    format!("ingresses/{ns}/{name}"),
                    problems.join("; "),
                ))
                .evidence_all(errors.take(1))
                .breaks(Key::IngressAddress(ns.to_owned(), name.to_owned()))
                .fix(
                    "create the Service or correct the backend's service name and port",
                    vec![
                        format!("kubectl get svc -n {ns}"),
                        format!("kubectl edit ingress -n {ns} {name}"),
                    ],
                    None,
                ),
            );
        }
        Ok(())
    }
}

impl_rule!(BackendServiceMissing);
