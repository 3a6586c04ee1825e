use crate::context::{Context, IngressView, Message, SUBNETS_ANNOTATION, bracketed_after};
use crate::finding::{Evidence, EvidenceSource, Finding};
use crate::fixes::nudge_ingress;
use crate::model::aws::Subnet;
use crate::rules::{Outcome, impl_rule};
use crate::snapshot::Input;
use crate::subnets::{cluster_vpc, is_public};
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds ALB Ingresses whose explicit subnet list (`alb.ingress.kubernetes.io/subnets`, IDs
    /// or `Name` tags) the controller cannot use: a subnet that does not exist (or is in
    /// another VPC), a `Name` tag no subnet has, two subnets in one Availability Zone, or the
    /// annotation together with `spec.subnets` of the class's IngressClassParams.
    ///
    /// ## Why it matters
    /// Naming subnets turns auto-discovery off, so any mistake in the list stops the ALB from
    /// being built and the Ingress gets no address. Lists are often copied between
    /// environments (a staging subnet id in production) or extended with a second subnet of the
    /// same AZ.
    ///
    /// ## Evidence
    /// `couldn't find all subnets, want: [...], found: [...]` (also `nameOrIDs: […], found: N`),
    /// `InvalidSubnetID.NotFound`, `subnet ID not found`, `subnet with Name tag not found`,
    /// `multiple subnets in same Availability Zone us-east-1a: [subnet-a subnet-b]`,
    /// `conflicting subnet specifications: IngressClassParams versus annotation`. Without them,
    /// the annotation against `aws ec2 describe-subnets` of the cluster's VPC (then a next
    /// blocker).
    ///
    /// ## Example
    /// `alb.ingress.kubernetes.io/subnets: subnet-0e1d2c3b4a5968778, subnet-0a4c1e9d27b35f801`
    /// where the first subnet belongs to the staging VPC.
    ///
    /// ## Fix
    /// List one existing subnet per Availability Zone (at least two) of the cluster's VPC, or
    /// remove the annotation (then the role tags decide); set subnets either on the Ingress or
    /// in the IngressClassParams, not both. Conflicting lists across an IngressGroup are ING-10.
    ///
    /// ## References
    /// - Subnet annotation: <https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/#subnets>
    /// - LBC `pkg/networking/subnet_resolver.go`
    pub ExplicitSubnetsWrong {
        id: "SUB-06",
        name: "explicit-subnets-wrong",
        summary: "the subnets an Ingress names cannot be used for its ALB",
        severity: Error,
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Problem {
    /// Entries (IDs or Name tags) that resolve to no subnet of the VPC.
    NotFound(Vec<String>),
    /// Two or more listed subnets in one Availability Zone.
    SameZone(String, Vec<String>),
    /// The annotation and the IngressClassParams both set subnets.
    BothSpecified,
}

fn problem(m: &Message) -> Option<Problem> {
    let text = &m.text;
    if m.contains("conflicting subnet specifications") {
        Some(Problem::BothSpecified)
    } else if let Some(at) = text.find("multiple subnets in same Availability Zone ") {
        let rest = &text[at + "multiple subnets in same Availability Zone ".len()..];
        let zone = rest.split([':', ' ']).next().unwrap_or_default().to_owned();
        Some(Problem::SameZone(
            zone,
            bracketed_after(rest, "").unwrap_or_default(),
        ))
    } else if m.contains("couldn't find all subnets") {
        // `want: [a b], found: [b]` names the missing ones; `nameOrIDs: [...], found: 1` does not.
        let want = bracketed_after(text, "").unwrap_or_default();
        let found = bracketed_after(text, "found:").unwrap_or_default();
        let missing = if found.is_empty() && !text.contains("found: [") {
            Vec::new()
        } else {
            want.into_iter().filter(|w| !found.contains(w)).collect()
        };
        Some(Problem::NotFound(missing))
    } else if m.contains("InvalidSubnetID.NotFound")
        || m.contains("subnet ID not found")
        || m.contains("subnet with Name tag not found")
    {
        let quoted = text
            .split("subnet ID '")
            .nth(1)
            .and_then(|r| r.split('\'').next());
        let after = text
            .split(" not found: ")
            .nth(1)
            .map(|r| r.split([' ', ',', '\n']).next().unwrap_or(r));
        Some(Problem::NotFound(
            quoted.or(after).map(str::to_owned).into_iter().collect(),
        ))
    } else {
        None
    }
}

impl ExplicitSubnetsWrong {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        let surfaced = cx.messages_by_ingress(|m| problem(m).is_some());
        for (ing, messages) in &surfaced {
            let Some((m, p)) = messages.iter().rev().find_map(|m| Some((*m, problem(m)?))) else {
                continue;
            };
            // The wording did not say which entries are missing: the subnet data may.
            let p = match p {
                Problem::NotFound(missing) if missing.is_empty() => {
                    Problem::NotFound(Self::unresolved(cx, ing))
                }
                p => p,
            };
            out.push(Self::finding(cx, ing, p).evidence(m.evidence()));
        }
        // Not surfaced yet: the list against the VPC's subnets.
        if cx.has(Input::Subnets) {
            for ing in cx.alb_ingresses_without_address() {
                if surfaced.iter().any(|(i, _)| std::ptr::eq(*i, ing))
                    || ing.annotation_list(SUBNETS_ANNOTATION).is_empty()
                {
                    continue;
                }
                let missing = Self::unresolved(cx, ing);
                let p = if !missing.is_empty() {
                    Problem::NotFound(missing)
                } else if let Some((zone, ids)) = Self::shared_zone(cx, ing) {
                    Problem::SameZone(zone, ids)
                } else {
                    continue;
                };
                out.push(Self::finding(cx, ing, p).latent());
            }
        }
        Ok(())
    }

    /// The VPC's subnets the annotation's entries resolve to, by ID or `Name` tag.
    fn resolved<'s>(cx: &Context<'s>, ing: &IngressView<'_>) -> Vec<(String, Option<&'s Subnet>)> {
        let vpc = cluster_vpc(cx);
        let in_vpc = |s: &&Subnet| vpc.as_deref().is_none_or(|v| s.vpc_id == v);
        ing.annotation_list(SUBNETS_ANNOTATION)
            .into_iter()
            .map(|entry| {
                let subnet = cx.snapshot.aws.subnets.iter().filter(in_vpc).find(|s| {
                    s.subnet_id == entry
                        || (!entry.starts_with("subnet-") && s.name() == Some(entry.as_str()))
                });
                (entry, subnet)
            })
            .collect()
    }

    fn unresolved(cx: &Context<'_>, ing: &IngressView<'_>) -> Vec<String> {
        if !cx.has(Input::Subnets) {
            return Vec::new();
        }
        Self::resolved(cx, ing)
            .into_iter()
            .filter(|(_, s)| s.is_none())
            .map(|(e, _)| e)
            .collect()
    }

    fn shared_zone(cx: &Context<'_>, ing: &IngressView<'_>) -> Option<(String, Vec<String>)> {
        let subnets: Vec<&Subnet> = Self::resolved(cx, ing)
            .into_iter()
            .filter_map(|(_, s)| s)
            .collect();
        subnets.iter().find_map(|a| {
            let same: Vec<String> = subnets
                .iter()
                .filter(|b| b.availability_zone == a.availability_zone)
                .map(|b| b.subnet_id.clone())
                .collect();
            (same.len() > 1).then(|| (a.availability_zone.clone(), same))
        })
    }

    /// One usable subnet per Availability Zone: the listed ones that resolve, then others of
    /// the VPC on the side the scheme needs, until two zones are covered.
    fn suggested(cx: &Context<'_>, ing: &IngressView<'_>) -> String {
        let mut picked: Vec<&Subnet> = Vec::new();
        let listed = Self::resolved(cx, ing).into_iter().filter_map(|(_, s)| s);
        let vpc = cluster_vpc(cx);
        let public = ing.scheme() == "internet-facing";
        let others =
            cx.snapshot.aws.subnets.iter().filter(|s| {
                vpc.as_deref().is_none_or(|v| s.vpc_id == v) && is_public(cx, s) == public
            });
        let new_zone = |picked: &[&Subnet], s: &Subnet| {
            !picked
                .iter()
                .any(|p| p.availability_zone == s.availability_zone)
        };
        for s in listed {
            if new_zone(&picked, s) {
                picked.push(s);
            }
        }
        for s in others {
            if picked.len() >= 2 {
                break;
            }
            if new_zone(&picked, s) {
                picked.push(s);
            }
        }
        if picked.len() < 2 {
            return "<subnet-in-az-a>,<subnet-in-az-b>".into();
        }
        picked
            .iter()
            .map(|s| s.subnet_id.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    fn finding(cx: &Context<'_>, ing: &IngressView<'_>, problem: Problem) -> Finding {
        let (ns, name) = (ing.namespace(), ing.name());
        let vpc = cluster_vpc(cx).unwrap_or_else(|| "the cluster's VPC".into());
        let entries = ing.annotation_list(SUBNETS_ANNOTATION);
        let params = cx
            .ingress_class(ing)
            .and_then(|c| c.spec.parameters.as_ref())
            .and_then(|p| p.name.clone())
            .unwrap_or_else(|| "<params>".into());
        let suggested = Self::suggested(cx, ing);
        let region = cx.region();
        let mut commands = vec![format!(
            "aws ec2 describe-subnets --region {region} --filters Name=vpc-id,Values={vpc} --query 'Subnets[].[SubnetId,AvailabilityZone,Tags[?Key==`Name`]|[0].Value]' --output table"
        )];
        let (message, summary) = match &problem {
            Problem::NotFound(missing) => {
                let which = if missing.is_empty() {
                    "some of them".to_owned()
                } else {
                    missing.join(", ")
                };
                commands.push(format!("kubectl annotate ingress -n {ns} {name} {SUBNETS_ANNOTATION}={suggested} --overwrite"));
                (
                    format!(
                        "ingress/{ns}/{name} names subnets in {SUBNETS_ANNOTATION} that are not in {vpc}: {which}"
                    ),
                    format!(
                        "list one existing subnet per Availability Zone of {vpc} (at least two), or remove the annotation"
                    ),
                )
            }
            Problem::SameZone(zone, ids) => {
                commands.push(format!("kubectl annotate ingress -n {ns} {name} {SUBNETS_ANNOTATION}={suggested} --overwrite"));
                (
                    format!(
                        "ingress/{ns}/{name} names {} subnets in {zone} ({}) in {SUBNETS_ANNOTATION}: an ALB takes one subnet per Availability Zone",
                        ids.len(),
                        ids.join(", ")
                    ),
                    "keep one subnet per Availability Zone (at least two zones)".to_owned(),
                )
            }
            Problem::BothSpecified => {
                commands.push(format!(
                    "kubectl get ingressclassparams {params} -o jsonpath='{{.spec.subnets}}'"
                ));
                commands.push(format!(
                    "kubectl annotate ingress -n {ns} {name} {SUBNETS_ANNOTATION}-"
                ));
                (
                    format!(
                        "ingress/{ns}/{name} sets {SUBNETS_ANNOTATION} while the IngressClassParams of its class ({params}) also sets spec.subnets: the controller accepts only one of them"
                    ),
                    format!(
                        "set subnets in one place: remove the annotation (IngressClassParams {params} then decides) or remove spec.subnets from the IngressClassParams"
                    ),
                )
            }
        };
        commands.push(nudge_ingress(ns, name));
        let mut f = Finding::new(&Self::META, ing.subject(), message)
            .evidence_all(ing.annotation_evidence(SUBNETS_ANNOTATION))
            .breaks(ing.address_key())
            .fix(summary, commands, None);
        if cx.has(Input::Subnets) && !entries.is_empty() {
            let described: Vec<String> = Self::resolved(cx, ing)
                .into_iter()
                .map(|(e, s)| match s {
                    Some(s) if s.subnet_id == e => format!("{e} ({})", s.availability_zone),
                    Some(s) => format!("{e} = {} ({})", s.subnet_id, s.availability_zone),
                    None => format!("{e}: not in {vpc}"),
                })
                .collect();
            f = f.evidence(Evidence::new(
                EvidenceSource::Aws,
                "ec2/describe-subnets",
                described.join("; "),
            ));
        }
        f
    }
}

impl_rule!(ExplicitSubnetsWrong);

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Option<Problem> {
        problem(&Message::event_text(text))
    }

    #[test]
    fn reads_each_wording() {
        assert_eq!(
            p("couldn't find all subnets, want: [subnet-1 subnet-2], found: [subnet-2]"),
            Some(Problem::NotFound(vec!["subnet-1".into()]))
        );
        assert_eq!(
            p("couldn't find all subnets, nameOrIDs: [web-a web-b], found: 1"),
            Some(Problem::NotFound(vec![]))
        );
        assert_eq!(
            p("multiple subnets in same Availability Zone us-west-2a: [subnet-1 subnet-3]"),
            Some(Problem::SameZone(
                "us-west-2a".into(),
                vec!["subnet-1".into(), "subnet-3".into()]
            ))
        );
        assert_eq!(
            p(
                "InvalidSubnetID.NotFound: The subnet ID 'subnet-9' does not exist\n\tstatus code: 400"
            ),
            Some(Problem::NotFound(vec!["subnet-9".into()]))
        );
        assert_eq!(
            p("conflicting subnet specifications: IngressClassParams versus annotation"),
            Some(Problem::BothSpecified)
        );
        assert_eq!(p("conflicting subnets: [subnet-1] | [subnet-2]"), None);
        assert_eq!(
            p("couldn't auto-discover subnets: unable to resolve at least one subnet"),
            None
        );
    }
}
