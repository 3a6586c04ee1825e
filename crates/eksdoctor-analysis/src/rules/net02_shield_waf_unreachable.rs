use crate::context::{
    CREDENTIAL_ERRORS, Context, Message, NETWORK_ERRORS, aws_api_hosts, is_region,
};
use crate::finding::{Finding, Key};
use crate::fixes::{helm_release_terraform, helm_set, nudge_ingress, restart_controller};
use crate::rules::{Outcome, impl_rule};
use eksdoctor_rule::{Severity, declare_rule};

declare_rule! {
    /// ## What it does
    /// Finds the load balancer controller failing to reach the AWS Shield and WAF APIs: the
    /// log line `unable to determine AWS Shield subscription state`, and Shield, WAFv2 or WAF
    /// Regional calls that time out or whose host does not resolve.
    ///
    /// ## Why it matters
    /// The Shield, WAF and WAFv2 add-ons are on by default, and these APIs have no VPC
    /// endpoint: in a private or isolated cluster every deploy waits for the Shield check to
    /// time out, and WAF calls that fail make the deploy fail, so the Ingress gets no address.
    ///
    /// ## Evidence
    /// `unable to determine AWS Shield subscription state, skipping AWS shield reconciliation`
    /// (`pkg/deploy/stack_deployer.go`); `Failed deploy model due to … wafv2.<region>.amazonaws.com
    /// … no such host` or `… i/o timeout`; `operation error WAFV2: …`, `operation error Shield:
    /// GetSubscriptionState, …`. A host that is not a real region is NET-01's; a Shield check
    /// that failed on the controller's credentials or permissions is an IAM-* rule's.
    ///
    /// ## Example
    /// Isolated cluster with endpoints for sts, ec2 and elasticloadbalancing only; the
    /// controller installed with default values.
    ///
    /// ## Fix
    /// Turn the add-ons off: Helm `enableShield=false`, `enableWaf=false`, `enableWafv2=false`
    /// (or give the controller a route to these APIs if you use them).
    ///
    /// ## References
    /// - LBC on isolated clusters: <https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/installation/>
    /// - EKS private clusters: <https://docs.aws.amazon.com/eks/latest/userguide/private-clusters.html>
    /// - kubernetes-sigs/aws-load-balancer-controller#2885
    pub ShieldWafUnreachable {
        id: "NET-02",
        name: "shield-waf-unreachable",
        summary: "the controller cannot reach the AWS Shield and WAF APIs it calls by default",
        severity: Error,
    }
}

const SHIELD_CHECK: &str = "unable to determine AWS Shield subscription state";
/// API hosts (service label) and SDK v2 operation prefixes of the add-ons, by display name.
const ADDONS: &[(&str, &str, &str)] = &[
    ("Shield", "shield", "operation error Shield:"),
    ("WAFv2", "wafv2", "operation error WAFV2:"),
    (
        "WAF Regional",
        "waf-regional",
        "operation error WAF Regional:",
    ),
];

/// The add-ons a message says are unreachable; empty if it is not such a message.
fn unreachable_addons(m: &Message) -> Vec<&'static str> {
    // The call failed for want of credentials or permission (IAM-*), not for want of a route.
    if CREDENTIAL_ERRORS.iter().any(|t| m.contains(t)) || m.contains("not authorized") {
        return Vec::new();
    }
    let hosts = aws_api_hosts(&m.text);
    // A host in a region that is not one is a wrong region setting (NET-01), not the network.
    if hosts
        .iter()
        .any(|(svc, region)| ADDONS.iter().any(|(_, s, _)| s == svc) && !is_region(region))
    {
        return Vec::new();
    }
    let network = NETWORK_ERRORS.iter().any(|t| m.contains(t));
    let mut named: Vec<&'static str> = ADDONS
        .iter()
        .filter(|(_, svc, op)| network && (hosts.iter().any(|(s, _)| s == svc) || m.contains(op)))
        .map(|(name, _, _)| *name)
        .collect();
    if named.is_empty() && m.contains(SHIELD_CHECK) {
        named.push("Shield");
    }
    named
}

impl ShieldWafUnreachable {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        let hits: Vec<(&Message, Vec<&str>)> = cx
            .lbc_messages
            .iter()
            .map(|m| (m, unreachable_addons(m)))
            .filter(|(_, addons)| !addons.is_empty())
            .collect();
        if hits.is_empty() {
            return Ok(());
        }
        let mut addons: Vec<&str> = hits.iter().flat_map(|(_, a)| a.iter().copied()).collect();
        addons.sort_unstable();
        addons.dedup();
        // The Shield check is skipped after its timeout; a failed WAF call fails the deploy.
        let blocked: Vec<_> = hits
            .iter()
            .filter(|(m, _)| !m.contains(SHIELD_CHECK))
            .flat_map(|(m, _)| cx.ingresses_named_by(m))
            .collect();
        let (ns, name) = cx.lbc_names();
        let apis = addons.join(", ");
        let mut keys: Vec<Key> = Vec::new();
        let mut nudges: Vec<String> = Vec::new();
        for ing in &blocked {
            if !keys.contains(&ing.address_key()) {
                keys.push(ing.address_key());
                nudges.push(nudge_ingress(ing.namespace(), ing.name()));
            }
        }
        let apis = if addons.len() > 1 {
            format!("{apis} APIs")
        } else {
            format!("{apis} API")
        };
        let message = if keys.is_empty() {
            format!(
                "deployment/{ns}/{name} cannot reach the {apis}: every deploy waits for the call to time out"
            )
        } else {
            let names: Vec<String> = keys
                .iter()
                .filter_map(|k| match k {
                    Key::IngressAddress(ns, name) => Some(format!("ingress/{ns}/{name}")),
                    _ => None,
                })
                .collect();
            format!(
                "deployment/{ns}/{name} cannot reach the {apis}: the deploy of {} fails",
                names.join(", ")
            )
        };
        let values = [
            ("enableShield", "false"),
            ("enableWaf", "false"),
            ("enableWafv2", "false"),
        ];
        let mut commands = vec![
            helm_set(&ns, &name, &values),
            restart_controller(&ns, &name),
        ];
        commands.extend(nudges);
        let mut f = Finding::new(&Self::META, cx.lbc_subject(), message)
            .evidence_all(hits.iter().rev().take(2).map(|(m, _)| m.evidence()))
            .breaks_all(keys.clone())
            .fix(
                "turn off the Shield, WAF and WAFv2 add-ons of the controller (these APIs have no VPC endpoint), or give it a route to them if you use them",
                commands,
                Some(helm_release_terraform(&[
                    ("enableShield", "\"false\""),
                    ("enableWaf", "\"false\""),
                    ("enableWafv2", "\"false\""),
                ])),
            );
        if keys.is_empty() {
            f = f.severity(Severity::Warning);
        }
        out.push(f);
        Ok(())
    }
}

impl_rule!(ShieldWafUnreachable);

#[cfg(test)]
mod tests {
    use super::*;

    fn addons(text: &str) -> Vec<&'static str> {
        unreachable_addons(&Message::event_text(text))
    }

    #[test]
    fn reads_hosts_operations_and_the_shield_line() {
        assert_eq!(
            addons(
                "operation error WAFV2: GetWebACLForResource, https response error StatusCode: 0, RequestID: , request send failed, Post \"https://wafv2.us-west-2.amazonaws.com/\": dial tcp: lookup wafv2.us-west-2.amazonaws.com on 172.20.0.10:53: no such host"
            ),
            ["WAFv2"]
        );
        assert_eq!(
            addons(
                "unable to determine AWS Shield subscription state, skipping AWS shield reconciliation"
            ),
            ["Shield"]
        );
        assert!(addons("Post \"https://wafv2.us-west2.amazonaws.com/\": dial tcp: lookup wafv2.us-west2.amazonaws.com: no such host").is_empty());
        assert!(
            addons(
                "Post \"https://ec2.us-west-2.amazonaws.com/\": dial tcp 52.94.1.1:443: i/o timeout"
            )
            .is_empty()
        );
    }
}
