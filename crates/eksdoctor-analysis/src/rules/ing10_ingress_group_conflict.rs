use crate::context::{
    Context, GROUP_ANNOTATION, IngressView, Message, SCHEME_ANNOTATION, SUBNETS_ANNOTATION,
};
use crate::finding::{Evidence, EvidenceSource, Finding, Key, Subject};
use crate::fixes::nudge_ingress;
use crate::rules::{Outcome, impl_rule};
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds IngressGroups (`alb.ingress.kubernetes.io/group.name`) that the controller cannot
    /// build because their members disagree on a setting of the shared ALB (scheme, subnets,
    /// security groups, name, IP address type, listener protocol, SSL redirect port), and
    /// Ingresses left out by an invalid group name or a group order out of range. It names the
    /// members and what each one says.
    ///
    /// ## Why it matters
    /// All members of a group share one ALB, so one Ingress with a different setting fails the
    /// build for the whole group: a new team's Ingress added with `scheme: internal` takes the
    /// address away from every other member's changes. An invalid group name leaves the Ingress
    /// out of any group, and an order out of range stops the group from loading at all.
    ///
    /// ## Evidence
    /// `Failed build model due to conflicting scheme: map[internal:{} internet-facing:{}]`,
    /// `conflicting subnets: [...] | [...]`, `conflicting securityGroups: [...] | [...]`,
    /// `conflicting load balancer name: …`, `conflicting IPAddressType: …`, `conflicting
    /// protocol, <ns/a>: HTTP | <ns/b>: HTTPS`, `conflicting sslRedirect port: […]` on every
    /// member; `failed load groupID due to invalid ingress group: groupName must consist of lower
    /// case alphanumeric characters…`; `explicit Ingress group order must be within
    /// [-1000:1000]`. Otherwise the members' annotations themselves.
    ///
    /// ## Example
    /// Group `storefront`: `shop/web` with `scheme: internet-facing`, `shop/admin` with
    /// `scheme: internal`.
    ///
    /// ## Fix
    /// Give every member the same value (or none), or move shared settings to an
    /// IngressClassParams; fix the group name (lower case, digits, `-`, `.`, at most 63
    /// characters) or the order.
    ///
    /// ## References
    /// - IngressGroup: <https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/#ingressgroup>
    /// - LBC `pkg/ingress/model_build_load_balancer.go`, `pkg/ingress/group_loader.go`
    pub IngressGroupConflict {
        id: "ING-10",
        name: "ingress-group-conflict",
        summary: "the members of an IngressGroup disagree, or an Ingress has an invalid group name or order",
        severity: Error,
    }
}

const ORDER_ANNOTATION: &str = "alb.ingress.kubernetes.io/group.order";

/// The controller's conflict wordings, with the annotation the members disagree on (`None`:
/// the IngressClassParams of their classes).
const CONFLICTS: &[(&str, Option<&str>)] = &[
    ("conflicting scheme", Some(SCHEME_ANNOTATION)),
    ("conflicting subnets", Some(SUBNETS_ANNOTATION)),
    (
        "conflicting securityGroups",
        Some("alb.ingress.kubernetes.io/security-groups"),
    ),
    (
        "conflicting load balancer name",
        Some("alb.ingress.kubernetes.io/load-balancer-name"),
    ),
    (
        "conflicting IPAddressType",
        Some("alb.ingress.kubernetes.io/ip-address-type"),
    ),
    (
        "conflicting protocol",
        Some("alb.ingress.kubernetes.io/listen-ports"),
    ),
    (
        "conflicting sslRedirect",
        Some("alb.ingress.kubernetes.io/ssl-redirect"),
    ),
    (
        "conflicting CustomerOwnedIPv4Pool",
        Some("alb.ingress.kubernetes.io/customer-owned-ipv4-pool"),
    ),
    ("conflicting IngressClassParams subnet", None),
];

fn conflict(m: &Message) -> Option<(&'static str, Option<&'static str>)> {
    CONFLICTS
        .iter()
        .copied()
        .find(|(token, _)| m.contains(token))
}

fn bad_name(m: &Message) -> bool {
    m.contains("invalid ingress group") || m.contains("groupName must")
}

fn bad_order(m: &Message) -> bool {
    m.contains("group order must be within") || m.contains("failed to load Ingress group order")
}

/// A valid group name: `^([a-z0-9][-a-z0-9.]*)?[a-z0-9]$`, at most 63 characters.
fn valid_group_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let edge = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes.first().is_some_and(edge)
        && bytes.last().is_some_and(edge)
        && bytes.iter().all(|b| edge(b) || *b == b'-' || *b == b'.')
}

/// The order annotation, when it is not an integer within [-1000, 1000].
fn order_out_of_range(ing: &IngressView<'_>) -> Option<String> {
    let raw = ing.annotation(ORDER_ANNOTATION)?;
    match raw.trim().parse::<i64>() {
        Ok(n) if (-1000..=1000).contains(&n) => None,
        _ => Some(raw.to_owned()),
    }
}

impl IngressGroupConflict {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        Self::conflicts(cx, out);
        Self::invalid_names(cx, out);
        Self::orders(cx, out);
        Ok(())
    }

    /// The ALB Ingresses of an explicit group.
    fn members<'c, 's>(cx: &'c Context<'s>, group: &str) -> Vec<&'c IngressView<'s>> {
        cx.ingresses
            .iter()
            .filter(|i| i.is_alb && i.group() == Some(group))
            .collect()
    }

    fn conflicts(cx: &Context<'_>, out: &mut Vec<Finding>) {
        let mut done: Vec<(String, &str)> = Vec::new();
        for m in cx.lbc_messages.iter().rev() {
            let Some((token, annotation)) = conflict(m) else {
                continue;
            };
            for ing in cx.ingresses_of(m) {
                // Without the annotation the group comes from the class's IngressClassParams.
                let key = ing.group().map_or_else(
                    || format!("{}/{}", ing.namespace(), ing.name()),
                    str::to_owned,
                );
                if done.contains(&(key.clone(), token)) {
                    continue;
                }
                done.push((key, token));
                out.push(Self::conflict_finding(cx, ing, token, annotation, m));
            }
        }
    }

    fn conflict_finding(
        cx: &Context<'_>,
        ing: &IngressView<'_>,
        token: &str,
        annotation: Option<&str>,
        m: &Message,
    ) -> Finding {
        let members = match ing.group() {
            Some(group) => Self::members(cx, group),
            None => vec![ing],
        };
        let what = token.trim_start_matches("conflicting ");
        let values: Vec<(String, Option<&str>)> = members
            .iter()
            .map(|i| {
                (
                    format!("ingress/{}/{}", i.namespace(), i.name()),
                    annotation.and_then(|a| i.annotation(a)),
                )
            })
            .collect();
        let said = values
            .iter()
            .map(|(who, v)| format!("{who}: {}", v.unwrap_or("not set")))
            .collect::<Vec<_>>()
            .join("; ");
        // The value most members already have is the one to align on.
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for v in values.iter().filter_map(|(_, v)| *v) {
            match counts.iter_mut().find(|(c, _)| *c == v) {
                Some((_, n)) => *n += 1,
                None => counts.push((v, 1)),
            }
        }
        // Ties go to the first member's value (`max_by_key` would take the last).
        let common = counts
            .iter()
            .fold(None, |best: Option<(&str, usize)>, &(v, n)| match best {
                Some((_, b)) if b >= n => best,
                _ => Some((v, n)),
            })
            .map(|(v, _)| v);
        let mut commands: Vec<String> = Vec::new();
        if let (Some(a), Some(common)) = (annotation, common) {
            commands.push(format!("kubectl get ingress -A -o custom-columns='NAMESPACE:.metadata.namespace,NAME:.metadata.name,GROUP:.metadata.annotations.{},VALUE:.metadata.annotations.{}'", escape(GROUP_ANNOTATION), escape(a)));
            for i in members.iter().filter(|i| i.annotation(a) != Some(common)) {
                commands.push(format!(
                    "kubectl annotate ingress -n {} {} {a}='{common}' --overwrite",
                    i.namespace(),
                    i.name()
                ));
            }
        }
        commands.extend(
            members
                .iter()
                .map(|i| nudge_ingress(i.namespace(), i.name())),
        );
        let detail = if annotation.is_some() {
            format!(" ({said})")
        } else {
            " (their IngressClassParams name different subnets)".to_owned()
        };
        let (subject, who, group) = match ing.group() {
            Some(group) => (
                Subject::new("IngressGroup", None, group),
                format!("the {} members of IngressGroup {group}", members.len()),
                group.to_owned(),
            ),
            None => (
                ing.subject(),
                format!(
                    "ingress/{}/{} and the other members of its IngressGroup (named in its IngressClassParams)",
                    ing.namespace(),
                    ing.name()
                ),
                "the group".to_owned(),
            ),
        };
        Finding::new(
            &Self::META,
            subject,
            format!("{who} disagree on {what}{detail}, so the controller builds the ALB for none of them"),
        )
        .evidence(m.evidence())
        .evidence_all(annotation.map(|a| {
            Evidence::new(EvidenceSource::Object, format!("ingresses with {GROUP_ANNOTATION}={group}"), format!("{a}: {said}"))
        }))
        .breaks_all(members.iter().map(|i| i.address_key()))
        .fix(
            match (annotation, common) {
                (Some(a), Some(v)) => format!("give every member of {group} the same {a} ({v}), or move it to an IngressClassParams the group shares"),
                _ => format!("give every member of {group} the same {what}"),
            },
            commands,
            None,
        )
    }

    /// Ingresses whose group name the controller rejects: it then leaves them out of any group.
    fn invalid_names(cx: &Context<'_>, out: &mut Vec<Finding>) {
        let surfaced = cx.messages_by_ingress(bad_name);
        for ing in cx.ingresses.iter().filter(|i| i.is_alb) {
            let message = surfaced
                .iter()
                .find(|(i, _)| std::ptr::eq(*i, ing))
                .and_then(|(_, ms)| ms.last().copied());
            let (ns, name) = (ing.namespace(), ing.name());
            let Some(group) = ing.group() else {
                // Named in the class's IngressClassParams (spec.group.name), not on the Ingress.
                if let Some(m) = message {
                    out.push(
                        Finding::new(&Self::META, ing.subject(), format!("ingress/{ns}/{name} belongs to an IngressGroup whose name (set in its IngressClassParams) is not valid: the controller leaves it out"))
                            .evidence(m.evidence())
                            .breaks(ing.address_key())
                            .fix(
                                "set spec.group.name of the IngressClassParams to lower case letters, digits, '-' and '.' (at most 63 characters)",
                                vec!["kubectl get ingressclassparams -o custom-columns='NAME:.metadata.name,GROUP:.spec.group.name'".into(), nudge_ingress(ns, name)],
                                None,
                            ),
                    );
                }
                continue;
            };
            if message.is_none() && valid_group_name(group) {
                continue;
            }
            let suggested: String = group
                .to_ascii_lowercase()
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '.' {
                        c
                    } else {
                        '-'
                    }
                })
                .collect::<String>()
                .trim_matches(['-', '.'])
                .chars()
                .take(63)
                .collect();
            out.push(
                Finding::new(
                    &Self::META,
                    ing.subject(),
                    format!("ingress/{ns}/{name} has group name {group:?}, which is not a valid IngressGroup name (lower case letters, digits, '-' and '.', at most 63 characters): the controller leaves it out"),
                )
                .evidence_all(message.map(Message::evidence))
                .evidence_all(ing.annotation_evidence(GROUP_ANNOTATION))
                .breaks(ing.address_key())
                .fix(
                    format!("rename the group to {suggested} on every member"),
                    vec![
                        format!("kubectl annotate ingress -n {ns} {name} {GROUP_ANNOTATION}={suggested} --overwrite"),
                        nudge_ingress(ns, name),
                    ],
                    None,
                ),
            );
        }
    }

    /// A member whose order is out of range (or not a number): the whole group fails to load.
    fn orders(cx: &Context<'_>, out: &mut Vec<Finding>) {
        let surfaced: Vec<&Message> = cx.lbc_messages.iter().filter(|m| bad_order(m)).collect();
        for ing in cx.ingresses.iter().filter(|i| i.is_alb) {
            let (ns, name) = (ing.namespace(), ing.name());
            let named = format!("{ns}/{name}");
            let message = surfaced.iter().rev().find(|m| m.contains(&named)).copied();
            let from_message = || {
                let m = message?;
                let raw = m.text.rsplit("order: ").next()?;
                let order: String = raw
                    .chars()
                    .take_while(|c| *c == '-' || c.is_ascii_digit())
                    .collect();
                ing.annotation(ORDER_ANNOTATION)
                    .map(str::to_owned)
                    .or((!order.is_empty()).then_some(order))
            };
            let Some(order) = order_out_of_range(ing).or_else(from_message) else {
                continue;
            };
            let group = ing.group().unwrap_or(name);
            let members = Self::members(cx, group);
            let blocked: Vec<Key> = if members.is_empty() {
                vec![ing.address_key()]
            } else {
                members.iter().map(|i| i.address_key()).collect()
            };
            out.push(
                Finding::new(
                    &Self::META,
                    ing.subject(),
                    format!("ingress/{ns}/{name} has group order {order:?}, outside what the controller accepts: IngressGroup {group} ({} members) does not load", blocked.len()),
                )
                .evidence_all(message.map(Message::evidence))
                .evidence_all(ing.annotation_evidence(ORDER_ANNOTATION))
                .breaks_all(blocked)
                .fix(
                    "set an order between -1000 and 1000 (older controllers accept 1 to 1000), or remove it",
                    vec![
                        format!("kubectl annotate ingress -n {ns} {name} {ORDER_ANNOTATION}-"),
                        nudge_ingress(ns, name),
                    ],
                    None,
                ),
            );
        }
    }
}

/// An annotation key as a kubectl custom-columns path segment (dots escaped).
fn escape(key: &str) -> String {
    key.replace('.', "\\.")
}

impl_rule!(IngressGroupConflict);

#[cfg(test)]
mod tests {
    use super::valid_group_name;

    #[test]
    fn group_names_follow_the_controllers_pattern() {
        assert!(valid_group_name("storefront") && valid_group_name("team-a.public"));
        assert!(!valid_group_name("Storefront") && !valid_group_name("team_a"));
        assert!(!valid_group_name("-edge") && !valid_group_name("edge.") && !valid_group_name(""));
        assert!(!valid_group_name(&"a".repeat(64)));
    }
}
