use crate::bundle::Kind;
use crate::context::{Context, Message, PROVISIONING_WINDOW_SECS};
use crate::finding::{Evidence, EvidenceSource, Finding, Subject};
use crate::render::human_age;
use crate::rules::{Outcome, impl_rule};
use crate::snapshot::Input;
use eksdoctor_rule::{Severity, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports every Ingress whose `status.loadBalancer.ingress` is empty: the ADDRESS column
    /// of `kubectl get ingress` is blank. This is the symptom users see; the other rules explain
    /// it, and the report links them to it.
    ///
    /// ## Why it matters
    /// Without an address nothing can reach the app through the Ingress. The cause is usually
    /// several hops away (controller credentials, DNS, subnets), so the symptom alone says
    /// little: the chain under it says what to fix.
    ///
    /// ## Evidence
    /// The Ingress object (no `status.loadBalancer.ingress`), its age, and its events. When no
    /// other rule explains it, the controller's newest errors about it (Warning events, log
    /// lines naming it or its IngressGroup) are shown as they are.
    /// An Ingress younger than the normal ALB provisioning time (5 minutes) with nothing
    /// failing is `info` (see TIM-01), not an error; one of another controller that nothing
    /// explains is a `warning` (some controllers never publish an address).
    ///
    /// ## Example
    /// ```text
    /// NAME        CLASS   HOSTS              ADDRESS   PORTS   AGE
    /// storefront  alb     shop.example.com             80      14m
    /// ```
    ///
    /// ## Fix
    /// Fix the root cause the chain names; the controller then writes the address within
    /// seconds to minutes. Watch it with `kubectl get ingress -w`.
    ///
    /// ## References
    /// - Kubernetes Ingress status: <https://kubernetes.io/docs/concepts/services-networking/ingress/>
    /// - LBC `controllers/ingress/group_controller.go` (status update after deploy)
    pub NoAddress {
        id: "ING-00",
        name: "ingress-without-address",
        summary: "an Ingress has no address",
        severity: Error,
    }
}

impl NoAddress {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        cx.require(Input::Kube(Kind::Ingress))?;
        for ing in cx
            .ingresses
            .iter()
            .filter(|i| i.ingress.address().is_none())
        {
            let (ns, name) = (ing.namespace(), ing.name());
            let age = cx.snapshot.age(ing.ingress.metadata.creation_timestamp);
            let age_text = age.map_or_else(String::new, |a| format!(" after {}", human_age(a)));
            let mut f = Finding::new(
                &Self::META,
                Subject::new("Ingress", Some(ns), name),
                format!("ingress/{ns}/{name} has no address{age_text}"),
            )
            .symptom()
            .evidence(Evidence::new(
                EvidenceSource::Object,
                format!("ingresses/{ns}/{name}"),
                "status.loadBalancer.ingress is empty",
            ))
            .fix(
                "fix what keeps the controller from reconciling it; the controller then writes the address",
                vec![format!("kubectl get ingress -n {ns} {name} -w")],
                None,
            );
            for key in cx.address_needs(ing) {
                f = f.needs(key);
            }
            // What the controller said about this Ingress, newest last: shown when no rule
            // explains the symptom, so an error no rule knows still reaches the user.
            let reported: Vec<&Message> = cx
                .lbc_messages
                .iter()
                .filter(|m| m.problem && ing.is_named_by(m))
                .collect();
            for m in reported.iter().rev().take(2).rev() {
                f = f.evidence_if_unexplained(m.evidence());
            }
            if reported.is_empty() && age.is_some_and(|a| a < PROVISIONING_WINDOW_SECS) {
                // Young and nothing failed: waiting for its ALB.
                f = f.severity_if_unexplained(Severity::Info);
            } else if !ing.is_alb {
                // Some controllers never publish an address (no published service): without a
                // cause to point at, this is worth a look, not an outage.
                f = f.severity_if_unexplained(Severity::Warning);
            }
            out.push(f);
        }
        Ok(())
    }
}

impl_rule!(NoAddress);
