use crate::bundle::Kind;
use crate::context::{Context, PROVISIONING_WINDOW_SECS};
use crate::finding::{Evidence, EvidenceSource, Finding, Subject};
use crate::render::human_age;
use crate::rules::{Outcome, impl_rule};
use crate::snapshot::Input;
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Recognises normal waiting: an ALB Ingress younger than the usual provisioning time
    /// (5 minutes) with no Warning event and no controller error, or an Ingress whose ALB
    /// exists but is still `provisioning`.
    ///
    /// ## Why it matters
    /// ALB creation is asynchronous. The controller writes the address right after it creates
    /// the AWS resources, but the ALB takes 2-5 minutes to become `active` and its DNS name only
    /// resolves then. Treating this as a failure sends people debugging a healthy deploy.
    ///
    /// ## Evidence
    /// The Ingress age against the bundle's collection time; the absence of Warning events and
    /// controller errors; the ALB `State.Code` from `aws elbv2 describe-load-balancers`. When
    /// another finding explains the missing address (a configuration fault that has not
    /// surfaced yet, such as untagged subnets), the Ingress is not merely waiting and this
    /// finding is dropped.
    ///
    /// ## Example
    /// An Ingress created 40 s before collection, no events yet: `info`, wait.
    ///
    /// ## Fix
    /// Wait. If there is still no address and no event after about 2 minutes, the Ingress is
    /// probably not claimed by any controller (ING-01, ING-03) or the controller is down.
    ///
    /// ## References
    /// - ELBv2 load balancer states: <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancerState.html>
    /// - eksdoctor catalog §3.6 (timing)
    pub Provisioning {
        id: "TIM-01",
        name: "alb-still-provisioning",
        summary: "the load balancer is still being provisioned; this is normal for a few minutes",
        severity: Info,
    }
}

impl Provisioning {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        cx.require(Input::Kube(Kind::Ingress))?;
        let controller_errors = cx.lbc_messages.iter().any(|m| m.problem);
        for ing in cx.alb_ingresses_without_address() {
            let (ns, name) = (ing.namespace(), ing.name());
            let Some(age) = cx.snapshot.age(ing.ingress.metadata.creation_timestamp) else {
                continue;
            };
            let warned = cx
                .snapshot
                .events_for("Ingress", ns, name)
                .any(|e| e.is_warning());
            if age >= PROVISIONING_WINDOW_SECS || warned || controller_errors {
                continue;
            }
            out.push(
                Finding::new(&Self::META, Subject::new("Ingress", Some(ns), name), format!(
                    "ingress/{ns}/{name} is {} old and nothing has failed: ALB provisioning normally takes 2-5 minutes",
                    human_age(age)
                ))
                .evidence(Evidence::new(EvidenceSource::Object, format!("ingresses/{ns}/{name}"), "no Warning events, no controller errors"))
                .fix("wait; check again in a few minutes", vec![format!("kubectl get ingress -n {ns} {name} -w")], None)
                .needs_all(cx.address_needs(ing))
                .unless_explained(),
            );
        }
        for lb in &cx.snapshot.aws.load_balancers {
            let provisioning =
                lb.state.as_ref().and_then(|s| s.code.as_deref()) == Some("provisioning");
            let Some(dns) = lb.dns_name.as_deref().filter(|_| provisioning) else {
                continue;
            };
            for ing in cx
                .ingresses
                .iter()
                .filter(|i| i.ingress.address() == Some(dns))
            {
                let (ns, name) = (ing.namespace(), ing.name());
                out.push(
                    Finding::new(&Self::META, Subject::new("Ingress", Some(ns), name), format!(
                        "ingress/{ns}/{name} has its address but the ALB is still provisioning; {dns} resolves once it is active"
                    ))
                    .evidence(Evidence::new(EvidenceSource::Aws, format!("elbv2/load-balancers/{}", lb.load_balancer_name.as_deref().unwrap_or(dns)), "State.Code=provisioning"))
                    .fix("wait for State=active, then check DNS", vec![
                        format!("aws elbv2 describe-load-balancers --load-balancer-arns {} --query 'LoadBalancers[].State'", lb.load_balancer_arn),
                        format!("dig +short {dns}"),
                    ], None),
                );
            }
        }
        Ok(())
    }
}

impl_rule!(Provisioning);
