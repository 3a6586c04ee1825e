use crate::context::{Context, IngressView, Message, bracketed_after};
use crate::finding::{Evidence, EvidenceSource, Finding, Subject};
use crate::fixes::{helm_release_terraform, helm_set, nudge_ingress};
use crate::rules::{Outcome, impl_rule};
use crate::snapshot::Input;
use crate::subnets::cluster_vpc;
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds the controller failing on security groups: the groups named in
    /// `alb.ingress.kubernetes.io/security-groups` that it cannot find, a frontend group named
    /// while the backend security group feature is off, a node or pod ENI with zero or several
    /// security groups tagged `kubernetes.io/cluster/<cluster>`, and the per-group rule quota.
    ///
    /// ## Why it matters
    /// A wrong or deleted group id (or one from another VPC) stops the ALB from being built, so
    /// the Ingress gets no address. When the controller cannot pick the one tagged group of a
    /// target's ENI it cannot open the nodes to the ALB: the ALB exists but targets stay
    /// unhealthy (502/504). This happens when nodes carry both the EKS cluster security group
    /// and a node group that is also cluster-tagged (terraform-aws-eks
    /// `attach_cluster_primary_security_group = true`).
    ///
    /// ## Evidence
    /// `couldn't find all security groups: requested ids [...] but found [...]` (v2.9+),
    /// `couldn't find all securityGroups, nameOrIDs: [...], found: [...]` (v2.8),
    /// `InvalidGroup.NotFound`; `backendSG feature is required to manage worker node SG rules
    /// when frontendSG manually specified`; `expected exactly one securityGroup tagged with
    /// kubernetes.io/cluster/<c> for eni eni-…, got: [...]` (older: `expect exactly one`);
    /// `RulesPerSecurityGroupLimitExceeded`. The annotation, and `aws ec2
    /// describe-security-groups` when collected.
    ///
    /// ## Example
    /// `alb.ingress.kubernetes.io/security-groups: sg-0aa11bb22cc33dd44` copied from another
    /// account's cluster.
    ///
    /// ## Fix
    /// Name groups that exist in the cluster's VPC (or drop the annotation and let the
    /// controller manage one); keep exactly one cluster-tagged group per ENI; raise the
    /// rules-per-security-group quota or share the backend security group.
    ///
    /// ## References
    /// - Security groups for load balancers: <https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/security_groups/>
    /// - kubernetes-sigs/aws-load-balancer-controller#1897, #4437
    pub SecurityGroups {
        id: "ING-09",
        name: "security-groups",
        summary: "the controller cannot find or use the security groups of an ALB or its targets",
        severity: Error,
    }
}

const SG_ANNOTATION: &str = "alb.ingress.kubernetes.io/security-groups";
/// The rules-per-security-group quota (inbound or outbound), Service Quotas code.
const RULES_QUOTA: &str = "L-0EA8095F";

fn frontend_missing(m: &Message) -> bool {
    m.contains("couldn't find all securityGroups")
        || m.contains("couldn't find all security groups")
        || m.contains("InvalidGroup.NotFound")
}

fn backend_sg_disabled(m: &Message) -> bool {
    m.contains("backendSG feature is required")
}

fn quota(m: &Message) -> bool {
    m.contains("RulesPerSecurityGroupLimitExceeded")
}

/// `(tag key, eni, tagged groups)` from `expected exactly one securityGroup tagged with
/// kubernetes.io/cluster/c for eni eni-1, got: [sg-a sg-b] (clusterName: c)`.
fn eni_groups(text: &str) -> Option<(String, String, Vec<String>)> {
    let at = text.find("exactly one securityGroup tagged with ")?;
    let rest = &text[at + "exactly one securityGroup tagged with ".len()..];
    let key = rest.split_whitespace().next()?.to_owned();
    let eni = rest
        .split("for eni ")
        .nth(1)
        .and_then(|r| r.split([',', ' ']).next())
        .unwrap_or("<eni>")
        .to_owned();
    Some((key, eni, bracketed_after(rest, "got:").unwrap_or_default()))
}

/// The groups a lookup error says are missing: requested minus found, or the ids an EC2
/// `InvalidGroup.NotFound` names.
fn missing_groups(text: &str) -> Vec<String> {
    for (requested, found) in [
        ("requested ids", "but found"),
        ("requested names", "but found"),
        ("nameOrIDs:", "found:"),
    ] {
        if let Some(wanted) = bracketed_after(text, requested) {
            let at = text.find(requested).unwrap_or(0);
            let got = bracketed_after(&text[at..], found).unwrap_or_default();
            return wanted.into_iter().filter(|w| !got.contains(w)).collect();
        }
    }
    text.split("security group '")
        .skip(1)
        .filter_map(|r| r.split('\'').next())
        .map(str::to_owned)
        .collect()
}

impl SecurityGroups {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        let about_ingress = |m: &Message| {
            frontend_missing(m)
                || backend_sg_disabled(m)
                || (quota(m) && !cx.ingresses_named_by(m).is_empty())
        };
        let surfaced = cx.messages_by_ingress(about_ingress);
        for (ing, messages) in &surfaced {
            let newest = messages[messages.len() - 1];
            out.push(Self::ingress_finding(cx, ing, Some(newest)));
        }
        // Not surfaced: annotated groups that are not in the cluster's VPC.
        if cx.has(Input::SecurityGroups) {
            for ing in cx.alb_ingresses_without_address() {
                if surfaced.iter().any(|(i, _)| std::ptr::eq(*i, ing))
                    || Self::absent_groups(cx, ing).is_empty()
                {
                    continue;
                }
                out.push(Self::ingress_finding(cx, ing, None).latent());
            }
        }
        Self::eni_findings(cx, out);
        let quota_elsewhere: Vec<&Message> = cx
            .lbc_messages
            .iter()
            .filter(|m| quota(m) && cx.ingresses_named_by(m).is_empty())
            .collect();
        if let Some(m) = quota_elsewhere.last() {
            out.push(
                Finding::new(
                    &Self::META,
                    cx.lbc_subject(),
                    "the controller cannot add the rules that let the ALB reach its targets: a security group has reached its rules quota (RulesPerSecurityGroupLimitExceeded)",
                )
                .evidence(m.evidence())
                .fix(
                    "raise the rules-per-security-group quota, or let the targets share the controller's backend security group",
                    Self::quota_commands(cx),
                    None,
                ),
            );
        }
        Ok(())
    }

    /// Annotated security group ids that are not among the collected groups of the VPC.
    fn absent_groups(cx: &Context<'_>, ing: &IngressView<'_>) -> Vec<String> {
        let vpc = cluster_vpc(cx);
        ing.annotation_list(SG_ANNOTATION)
            .into_iter()
            .filter(|g| g.starts_with("sg-"))
            .filter(|g| {
                !cx.snapshot.aws.security_groups.iter().any(|s| {
                    &s.group_id == g
                        && vpc
                            .as_deref()
                            .is_none_or(|v| s.vpc_id.as_deref() == Some(v))
                })
            })
            .collect()
    }

    fn ingress_finding(cx: &Context<'_>, ing: &IngressView<'_>, m: Option<&Message>) -> Finding {
        let (ns, name) = (ing.namespace(), ing.name());
        let (lbc_ns, lbc_name) = cx.lbc_names();
        let vpc = cluster_vpc(cx).unwrap_or_else(|| "<vpc-id>".into());
        let groups = ing.annotation_list(SG_ANNOTATION);
        let mut commands = Vec::new();
        let (message, summary, terraform) = match m {
            Some(m) if backend_sg_disabled(m) => (
                format!(
                    "ingress/{ns}/{name} names its own security groups and asks the controller to open the nodes to them, but the controller runs without the backend security group"
                ),
                "enable the controller's backend security group (Helm enableBackendSecurityGroup=true), or set alb.ingress.kubernetes.io/manage-backend-security-group-rules: \"false\" and open the nodes yourself".to_owned(),
                Some(helm_release_terraform(&[("enableBackendSecurityGroup", "true")])),
            ),
            Some(m) if quota(m) => {
                commands = Self::quota_commands(cx);
                (
                    format!(
                        "the controller cannot add the security group rules of ingress/{ns}/{name}: a security group has reached its rules quota (RulesPerSecurityGroupLimitExceeded)"
                    ),
                    "raise the rules-per-security-group quota, or group Ingresses (alb.ingress.kubernetes.io/group.name) so that fewer ALBs need rules".to_owned(),
                    None,
                )
            }
            _ => {
                let missing = match m.map(|m| missing_groups(&m.text)) {
                    Some(found) if !found.is_empty() => found,
                    _ => Self::absent_groups(cx, ing),
                };
                let missing_text = if missing.is_empty() {
                    "some of them".to_owned()
                } else {
                    missing.join(", ")
                };
                let listed = if groups.is_empty() {
                    String::new()
                } else {
                    format!(" {}", groups.join(", "))
                };
                commands.push(format!(
                    "aws ec2 describe-security-groups --filters Name=vpc-id,Values={vpc} --query 'SecurityGroups[].[GroupId,GroupName]' --output table"
                ));
                commands.push(format!(
                    "kubectl annotate ingress -n {ns} {name} {SG_ANNOTATION}=<sg-id-in-{vpc}> --overwrite"
                ));
                (
                    format!(
                        "ingress/{ns}/{name} names security groups{listed} in {SG_ANNOTATION}, but {missing_text} cannot be found in {vpc}"
                    ),
                    format!(
                        "name security groups that exist in {vpc}, or remove the annotation so the controller creates and manages one"
                    ),
                    None,
                )
            }
        };
        if matches!(m, Some(m) if backend_sg_disabled(m)) {
            commands.push(helm_set(
                &lbc_ns,
                &lbc_name,
                &[("enableBackendSecurityGroup", "true")],
            ));
        }
        commands.push(nudge_ingress(ns, name));
        let mut f = Finding::new(&Self::META, ing.subject(), message)
            .evidence_all(m.map(Message::evidence))
            .breaks(ing.address_key())
            .fix(summary, commands, terraform);
        f = f.evidence_all(ing.annotation_evidence(SG_ANNOTATION));
        if cx.has(Input::SecurityGroups) && !groups.is_empty() {
            let absent = Self::absent_groups(cx, ing);
            if !absent.is_empty() {
                f = f.evidence(Evidence::new(
                    EvidenceSource::Aws,
                    "ec2/describe-security-groups",
                    format!(
                        "not among the security groups of {vpc}: {}",
                        absent.join(", ")
                    ),
                ));
            }
        }
        f
    }

    /// One finding per ENI whose cluster-tagged security groups are not exactly one.
    fn eni_findings(cx: &Context<'_>, out: &mut Vec<Finding>) {
        let mut seen: Vec<String> = Vec::new();
        for m in cx.lbc_messages.iter().rev() {
            let Some((key, eni, tagged)) = eni_groups(&m.text) else {
                continue;
            };
            if seen.contains(&eni) {
                continue;
            }
            seen.push(eni.clone());
            let (message, summary, commands, terraform) = if tagged.is_empty() {
                (
                    format!(
                        "no security group of {eni} is tagged {key}: the controller cannot open it to the ALB, so its targets stay unhealthy"
                    ),
                    format!("tag the node (or pod) security group of {eni} with {key}"),
                    vec![
                        format!(
                            "aws ec2 describe-network-interfaces --network-interface-ids {eni} --query 'NetworkInterfaces[].Groups'"
                        ),
                        format!(
                            "aws ec2 create-tags --resources <node-security-group-id> --tags Key={key},Value=owned"
                        ),
                    ],
                    None,
                )
            } else {
                let extra = tagged[1..].join(" ");
                (
                    format!(
                        "{eni} has {} security groups tagged {key} ({}), not exactly one: the controller cannot open it to the ALB, so its targets stay unhealthy",
                        tagged.len(),
                        tagged.join(", ")
                    ),
                    format!("keep {key} on exactly one security group of {eni}"),
                    vec![
                        format!("aws ec2 describe-security-groups --group-ids {} --query 'SecurityGroups[].[GroupId,GroupName,Description]' --output table", tagged.join(" ")),
                        format!("aws ec2 delete-tags --resources {extra} --tags Key={key}"),
                    ],
                    Some("module \"eks\" { # terraform-aws-modules/eks/aws\n  # the EKS cluster security group already carries the cluster tag\n  eks_managed_node_group_defaults = {\n    attach_cluster_primary_security_group = false\n  }\n}".into()),
                )
            };
            out.push(
                Finding::new(
                    &Self::META,
                    Subject::new("NetworkInterface", None, &eni),
                    message,
                )
                .evidence(m.evidence())
                .fix(summary, commands, terraform),
            );
        }
    }

    fn quota_commands(cx: &Context<'_>) -> Vec<String> {
        let region = cx.region();
        vec![
            format!(
                "aws service-quotas get-service-quota --region {region} --service-code vpc --quota-code {RULES_QUOTA}"
            ),
            format!(
                "aws service-quotas request-service-quota-increase --region {region} --service-code vpc --quota-code {RULES_QUOTA} --desired-value 120"
            ),
        ]
    }
}

impl_rule!(SecurityGroups);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_groups_out_of_each_wording() {
        let v29 =
            "couldn't find all security groups: requested ids [sg-0a1, sg-0b2] but found [sg-0a1]";
        assert_eq!(missing_groups(v29), ["sg-0b2"]);
        let v28 = "couldn't find all securityGroups, nameOrIDs: [sg-0a1 web-alb], found: [sg-0a1]";
        assert_eq!(missing_groups(v28), ["web-alb"]);
        let ec2 =
            "InvalidGroup.NotFound: The security group 'sg-0c3' does not exist\n\tstatus code: 400";
        assert_eq!(missing_groups(ec2), ["sg-0c3"]);
        let eni = "expected exactly one securityGroup tagged with kubernetes.io/cluster/kestrel for eni eni-0ba8, got: [sg-0254 sg-0dd4] (clusterName: kestrel)";
        assert_eq!(
            eni_groups(eni),
            Some((
                "kubernetes.io/cluster/kestrel".into(),
                "eni-0ba8".into(),
                vec!["sg-0254".into(), "sg-0dd4".into()]
            ))
        );
        let none = "expect exactly one securityGroup tagged with kubernetes.io/cluster/kestrel for eni eni-0ba8, got: []";
        assert_eq!(eni_groups(none).map(|e| e.2), Some(vec![]));
    }
}
