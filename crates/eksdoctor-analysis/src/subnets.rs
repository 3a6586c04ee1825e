//! Subnet auto-discovery as the load balancer controller does it (catalog §1), and the parsing
//! of its discovery errors across versions, shared by the SUB-* rules.

use crate::context::{CREDENTIAL_ERRORS, Context, IngressView, NETWORK_ERRORS};
use crate::model::aws::{Subnet, Tagged};
use std::collections::BTreeSet;

pub const ELB_TAG: &str = "kubernetes.io/role/elb";
pub const INTERNAL_ELB_TAG: &str = "kubernetes.io/role/internal-elb";
/// The controller skips subnets with fewer free addresses than this.
pub const MIN_FREE_IPS: i64 = 8;

/// What discovery would find for one scheme in the cluster's VPC.
#[derive(Debug, Default)]
pub struct Discovery<'s> {
    pub vpc: Option<String>,
    pub role_tag: &'static str,
    /// Subnets of the VPC (all of them).
    pub in_vpc: Vec<&'s Subnet>,
    /// Subnets whose role tag matches exactly with value `1` or empty.
    pub tagged: Vec<&'s Subnet>,
    /// Subnets with the role tag under another case or value: `(subnet, key, value)`.
    pub near_misses: Vec<(&'s Subnet, String, String)>,
    /// Tagged subnets excluded because they carry only another cluster's tag.
    pub other_cluster: Vec<&'s Subnet>,
    /// Tagged subnets excluded for fewer than 8 free addresses.
    pub low_ips: Vec<&'s Subnet>,
    /// Subnets the controller would use.
    pub eligible: Vec<&'s Subnet>,
    /// Public subnets (route to an internet gateway, or public IPs on launch).
    pub public: Vec<&'s Subnet>,
    pub private: Vec<&'s Subnet>,
    /// The controller (v2.0.0-v2.1.1) only takes subnets tagged `kubernetes.io/cluster/<name>`.
    pub cluster_tag_required: bool,
}

impl Discovery<'_> {
    pub fn eligible_azs(&self) -> BTreeSet<&str> {
        self.eligible
            .iter()
            .map(|s| s.availability_zone.as_str())
            .collect()
    }
}

/// The VPC the controller discovers subnets in.
pub fn cluster_vpc(cx: &Context<'_>) -> Option<String> {
    let from_args = cx
        .lbc
        .as_ref()
        .and_then(|l| l.arg("aws-vpc-id"))
        .map(str::to_owned);
    from_args
        .or_else(|| cx.snapshot.cluster_vpc_id().map(str::to_owned))
        .or_else(|| only(cx.snapshot.aws.subnets.iter().map(|s| s.vpc_id.as_str())))
        .or_else(|| only(vpcs_in_use(cx)))
}

/// `(controller VPC, cluster VPC)` when the controller's `--aws-vpc-id` is not the EKS
/// cluster's VPC (SUB-08).
pub fn controller_vpc_mismatch(cx: &Context<'_>) -> Option<(String, String)> {
    let controller = cx
        .lbc
        .as_ref()?
        .arg("aws-vpc-id")
        .filter(|v| !v.is_empty())?;
    let cluster = cx.snapshot.cluster_vpc_id()?;
    (controller != cluster).then(|| (controller.to_owned(), cluster.to_owned()))
}

/// The one value an iterator yields, however often; `None` for none or several.
fn only<'a>(values: impl Iterator<Item = &'a str>) -> Option<String> {
    let set: BTreeSet<&str> = values.collect();
    (set.len() == 1).then(|| set.into_iter().next().unwrap_or_default().to_owned())
}

/// VPCs the cluster visibly uses when describe-cluster was not collected and the subnets span
/// several VPCs: those of the Fargate profiles' subnets and of the subnets holding node IPs.
fn vpcs_in_use<'a>(cx: &'a Context<'_>) -> impl Iterator<Item = &'a str> {
    let subnets = &cx.snapshot.aws.subnets;
    let profile_subnets = cx
        .snapshot
        .aws
        .fargate_profiles
        .iter()
        .flat_map(|p| &p.subnets)
        .filter_map(|id| subnets.iter().find(|s| &s.subnet_id == id));
    let node_subnets = cx
        .snapshot
        .nodes
        .iter()
        .filter_map(|n| n.internal_ip())
        .filter_map(|ip| {
            subnets
                .iter()
                .find(|s| cidr_contains(s.cidr_block.as_deref(), ip))
        });
    profile_subnets
        .chain(node_subnets)
        .map(|s| s.vpc_id.as_str())
}

/// `10.0.0.0/19` contains `10.0.12.84`.
fn cidr_contains(cidr: Option<&str>, ip: std::net::Ipv4Addr) -> bool {
    let Some((base, bits)) = cidr.and_then(|c| c.split_once('/')) else {
        return false;
    };
    let (Ok(base), Ok(bits)) = (base.parse::<std::net::Ipv4Addr>(), bits.parse::<u32>()) else {
        return false;
    };
    let mask = u32::MAX.checked_shl(32 - bits.min(32)).unwrap_or(0);
    u32::from(base) & mask == u32::from(ip) & mask
}

/// The cluster name the controller filters `kubernetes.io/cluster/<name>` tags with.
pub fn controller_cluster_name(cx: &Context<'_>) -> Option<String> {
    cx.lbc
        .as_ref()
        .and_then(|l| l.arg("cluster-name"))
        .map(str::to_owned)
        .or_else(|| cx.snapshot.cluster_name().map(str::to_owned))
}

/// Whether a subnet routes to an internet gateway (explicit association, else the main table).
pub fn is_public(cx: &Context<'_>, subnet: &Subnet) -> bool {
    let tables = &cx.snapshot.aws.route_tables;
    let table = tables
        .iter()
        .find(|t| {
            t.associations
                .iter()
                .any(|a| a.subnet_id.as_deref() == Some(&subnet.subnet_id))
        })
        .or_else(|| {
            tables
                .iter()
                .find(|t| t.vpc_id == subnet.vpc_id && t.associations.iter().any(|a| a.main))
        });
    match table {
        Some(t) => t.routes.iter().any(|r| {
            r.gateway_id
                .as_deref()
                .is_some_and(|g| g.starts_with("igw-"))
        }),
        None => subnet.map_public_ip_on_launch.unwrap_or(false),
    }
}

pub fn discover<'s>(cx: &Context<'s>, role_tag: &'static str) -> Discovery<'s> {
    let vpc = cluster_vpc(cx);
    let cluster = controller_cluster_name(cx);
    let own_cluster_tag = cluster
        .as_ref()
        .map(|c| format!("kubernetes.io/cluster/{c}"));
    let mut d = Discovery {
        vpc: vpc.clone(),
        role_tag,
        cluster_tag_required: cx.lbc.as_ref().is_some_and(|l| l.requires_cluster_tag()),
        ..Discovery::default()
    };
    let mut subnets: Vec<&Subnet> = cx
        .snapshot
        .aws
        .subnets
        .iter()
        .filter(|s| vpc.as_deref().is_none_or(|v| s.vpc_id == v))
        .collect();
    subnets.sort_by(|a, b| a.subnet_id.cmp(&b.subnet_id));
    subnets.dedup_by(|a, b| a.subnet_id == b.subnet_id);
    for s in subnets {
        d.in_vpc.push(s);
        if is_public(cx, s) {
            d.public.push(s)
        } else {
            d.private.push(s)
        }
        let exact = s.tag(role_tag);
        match exact {
            Some("" | "1") => d.tagged.push(s),
            Some(other) => d
                .near_misses
                .push((s, role_tag.to_owned(), other.to_owned())),
            None => {
                let trimmed = role_tag.to_ascii_lowercase();
                if let Some(t) = s
                    .tags
                    .iter()
                    .find(|t| t.key != role_tag && t.key.trim().to_ascii_lowercase() == trimmed)
                {
                    d.near_misses.push((s, t.key.clone(), t.value.0.clone()));
                }
            }
        }
    }
    for s in d.tagged.clone() {
        let cluster_keys: Vec<&str> = s
            .tags
            .iter()
            .map(|t| t.key.as_str())
            .filter(|k| k.starts_with("kubernetes.io/cluster"))
            .collect();
        let other_only = !cluster_keys.is_empty()
            && own_cluster_tag
                .as_deref()
                .is_some_and(|own| !cluster_keys.contains(&own));
        let lacks_required = d.cluster_tag_required
            && own_cluster_tag
                .as_deref()
                .is_some_and(|own| !cluster_keys.contains(&own));
        if other_only || lacks_required {
            d.other_cluster.push(s);
        } else if s
            .available_ip_address_count
            .is_some_and(|n| n < MIN_FREE_IPS)
        {
            d.low_ips.push(s);
        } else {
            d.eligible.push(s);
        }
    }
    d
}

/// Discovery for an Ingress's scheme; `None` when it names its subnets explicitly.
pub fn discover_for<'s>(cx: &Context<'s>, ing: &IngressView<'_>) -> Option<Discovery<'s>> {
    if ing.annotation(crate::context::SUBNETS_ANNOTATION).is_some() {
        return None;
    }
    Some(discover(cx, ing.role_tag()))
}

/// A subnet-discovery failure as the controller words it, in any version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiscoveryError {
    /// The role tag key named in the message (v2.7-v2.12).
    pub tag_key: Option<String>,
    /// `Evaluated N subnets` (v2.13+).
    pub evaluated: Option<u32>,
    pub other_cluster: Option<u32>,
    pub insufficient_ips: Option<u32>,
    /// `subnets count less than minimal required count`.
    pub too_few: bool,
}

impl DiscoveryError {
    /// The wording of v2.0-v2.5 (and the legacy v1 controller) says only that nothing was
    /// found: the subnet data has to tell why.
    pub fn is_generic(&self) -> bool {
        self.tag_key.is_none()
            && self.evaluated.is_none()
            && self.other_cluster.is_none()
            && self.insufficient_ips.is_none()
            && !self.too_few
    }

    /// No subnet matched the role tag at all (as opposed to matching and being excluded).
    pub fn none_matched(&self) -> bool {
        !self.too_few
            && self.evaluated.unwrap_or(0) == 0
            && self.other_cluster.unwrap_or(0) == 0
            && self.insufficient_ips.unwrap_or(0) == 0
    }
}

/// Parses a discovery error from its stable tokens; `None` if the text is something else.
pub fn parse_discovery_error(text: &str) -> Option<DiscoveryError> {
    let discovery = [
        "couldn't auto-discover subnets",
        "unable to resolve at least one subnet",
        "unable to discover at least one subnet",
        "cannot find at least two subnets",
        "qualified subnet",
    ];
    let too_few = text.contains("subnets count less than minimal required count");
    if !too_few && !discovery.iter().any(|t| text.contains(t)) {
        return None;
    }
    // Listing failures are API errors (permissions, credentials, network), not discovery
    // results: the subnets were never looked at.
    if text.contains("failed to list subnets")
        || text.contains("UnauthorizedOperation")
        || text.contains("is not authorized")
        || CREDENTIAL_ERRORS
            .iter()
            .chain(NETWORK_ERRORS)
            .any(|t| text.contains(t))
    {
        return None;
    }
    let number_before = |marker: &str| -> Option<u32> {
        let at = text.find(marker)?;
        let digits: String = text[..at]
            .trim_end()
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        digits.chars().rev().collect::<String>().parse().ok()
    };
    let number_after = |marker: &str| -> Option<u32> {
        let at = text.find(marker)? + marker.len();
        let digits: String = text[at..]
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        digits.parse().ok()
    };
    let tag_key = text.find("tags: [").map(|at| {
        let rest = &text[at + "tags: [".len()..];
        rest[..rest.find(']').unwrap_or(rest.len())]
            .trim()
            .to_owned()
    });
    Some(DiscoveryError {
        tag_key,
        evaluated: number_after("Evaluated"),
        other_cluster: number_before("are tagged for other clusters")
            .or_else(|| number_before("tagged for other cluster")),
        insufficient_ips: number_before("have insufficient available IP addresses")
            .or_else(|| number_before("have fewer than 8 free IPs")),
        too_few,
    })
}

/// What a SUB-* rule concludes for one Ingress.
pub struct SubnetVerdict {
    pub message: String,
    pub fix_summary: String,
    pub commands: Vec<String>,
    pub terraform: Option<String>,
}

/// A SUB-* rule's judgement: given an Ingress, the discovery error the controller reported for
/// it (`None` when nothing has surfaced yet) and what discovery finds in the AWS data (`None`
/// when subnets were not collected), say whether this rule's problem is there.
pub type SubnetJudge = fn(
    &Context<'_>,
    &IngressView<'_>,
    Option<&DiscoveryError>,
    Option<&Discovery<'_>>,
) -> Option<SubnetVerdict>;

/// Runs a SUB-* rule over every ALB Ingress: surfaced errors make active findings, AWS data
/// alone makes latent ones (next blockers) for Ingresses still without an address.
pub fn run_subnet_rule(
    cx: &Context<'_>,
    meta: &'static eksdoctor_rule::RuleMeta,
    judge: SubnetJudge,
    out: &mut Vec<crate::finding::Finding>,
) -> crate::rules::Outcome {
    use crate::finding::{Finding, Key, Subject};
    // The controller searches another VPC than the cluster's: SUB-08 says so, and judging
    // that VPC's subnets would only mislead.
    if controller_vpc_mismatch(cx).is_some() {
        return Ok(());
    }
    let have_subnets = cx.has(crate::snapshot::Input::Subnets);
    let errors: Vec<(&crate::context::Message, DiscoveryError)> = cx
        .lbc_messages
        .iter()
        .filter_map(|m| parse_discovery_error(&m.text).map(|e| (m, e)))
        .collect();
    if !have_subnets && errors.is_empty() {
        return Err(crate::rules::Skip(
            cx.snapshot.missing_reason(crate::snapshot::Input::Subnets),
        ));
    }
    for ing in cx.ingresses.iter().filter(|i| i.is_alb) {
        let surfaced: Vec<&(&crate::context::Message, DiscoveryError)> = errors
            .iter()
            .filter(|(m, _)| {
                cx.ingresses_of(m)
                    .iter()
                    .any(|i| i.namespace() == ing.namespace() && i.name() == ing.name())
            })
            .collect();
        let discovery = if have_subnets {
            discover_for(cx, ing)
        } else {
            None
        };
        let (ns, name) = (ing.namespace(), ing.name());
        let subject = Subject::new("Ingress", Some(ns), name);
        let key = Key::IngressAddress(ns.to_owned(), name.to_owned());
        // The newest surfaced error speaks for the current state.
        if let Some((message, error)) = surfaced.last() {
            if let Some(v) = judge(cx, ing, Some(error), discovery.as_ref()) {
                out.push(
                    Finding::new(meta, subject, v.message)
                        .evidence(message.evidence())
                        .evidence_all(discovery.as_ref().map(|d| subnet_evidence(d)))
                        .breaks(key)
                        .fix(v.fix_summary, v.commands, v.terraform),
                );
            }
        } else if ing.ingress.address().is_none()
            && let Some(d) = &discovery
            && let Some(v) = judge(cx, ing, None, Some(d))
        {
            out.push(
                Finding::new(meta, subject, v.message)
                    .evidence(subnet_evidence(d))
                    .breaks(key)
                    .latent()
                    .fix(v.fix_summary, v.commands, v.terraform),
            );
        }
    }
    Ok(())
}

fn subnet_evidence(d: &Discovery<'_>) -> crate::finding::Evidence {
    let list = |v: &[&Subnet]| {
        v.iter()
            .map(|s| format!("{} ({})", s.subnet_id, s.availability_zone))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let tags = |s: &Subnet| {
        let k8s: Vec<String> = s
            .tags
            .iter()
            .filter(|t| t.key.to_ascii_lowercase().starts_with("kubernetes.io"))
            .map(|t| format!("{}={}", t.key, t.value.0))
            .collect();
        if k8s.is_empty() {
            "no kubernetes.io tags".to_owned()
        } else {
            k8s.join(" ")
        }
    };
    let mut text = format!(
        "{} subnets in {}; {} with {}=1 or empty: [{}]",
        d.in_vpc.len(),
        d.vpc.as_deref().unwrap_or("the VPC"),
        d.tagged.len(),
        d.role_tag,
        list(&d.tagged)
    );
    for s in d.in_vpc.iter().take(8) {
        text.push_str(&format!("; {}: {}", s.subnet_id, tags(s)));
    }
    crate::finding::Evidence::new(
        crate::finding::EvidenceSource::Aws,
        "ec2/describe-subnets",
        text,
    )
}

/// `aws ec2 create-tags` for the subnets that should carry a role tag, and the Terraform form.
pub fn tag_fix(
    cx: &Context<'_>,
    d: Option<&Discovery<'_>>,
    role_tag: &str,
) -> (Vec<String>, Option<String>) {
    let region = cx
        .region
        .as_deref()
        .map(|r| format!(" --region {r}"))
        .unwrap_or_default();
    let public = role_tag == ELB_TAG;
    let ids: Vec<&str> = d
        .map(|d| if public { &d.public } else { &d.private })
        .into_iter()
        .flatten()
        .map(|s| s.subnet_id.as_str())
        .collect();
    let ids = if ids.is_empty() {
        "<subnet-ids>".to_owned()
    } else {
        ids.join(" ")
    };
    let kind = if public { "public" } else { "private" };
    let commands = vec![format!(
        "aws ec2 create-tags{region} --resources {ids} --tags Key={role_tag},Value=1"
    )];
    let terraform = format!(
        "# {kind} subnets: on each aws_subnet (tags = merge(local.tags, {{ \"{role_tag}\" = \"1\" }}))\n# or, with terraform-aws-modules/vpc/aws:\nmodule \"vpc\" {{\n  {kind}_subnet_tags = {{ \"{role_tag}\" = \"1\" }}\n}}"
    );
    (commands, Some(terraform))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs_contain_their_addresses() {
        let ip = |s: &str| s.parse::<std::net::Ipv4Addr>().unwrap();
        assert!(cidr_contains(Some("10.0.0.0/19"), ip("10.0.12.84")));
        assert!(!cidr_contains(Some("10.0.32.0/19"), ip("10.0.12.84")));
        assert!(cidr_contains(Some("0.0.0.0/0"), ip("192.168.1.1")));
        assert!(cidr_contains(Some("10.0.12.84/32"), ip("10.0.12.84")));
        assert!(!cidr_contains(Some("10.0.0.0"), ip("10.0.0.1")));
        assert!(!cidr_contains(None, ip("10.0.0.1")));
    }

    #[test]
    fn parses_every_version_wording() {
        let v213 = "Failed build model due to couldn't auto-discover subnets: unable to resolve at least one subnet. Evaluated 3 subnets: 3 are tagged for other clusters, and 0 have insufficient available IP addresses";
        let e = parse_discovery_error(v213).unwrap();
        assert_eq!(
            (e.evaluated, e.other_cluster, e.insufficient_ips),
            (Some(3), Some(3), Some(0))
        );
        assert!(!e.none_matched());

        let v27 = "couldn't auto-discover subnets: unable to resolve at least one subnet (0 match VPC and tags: [kubernetes.io/role/elb])";
        let e = parse_discovery_error(v27).unwrap();
        assert_eq!(e.tag_key.as_deref(), Some("kubernetes.io/role/elb"));
        assert!(e.none_matched());

        let v26 = "couldn't auto-discover subnets: unable to resolve at least one subnet (0 match VPC and tags, 2 have fewer than 8 free IPs)";
        assert_eq!(
            parse_discovery_error(v26).unwrap().insufficient_ips,
            Some(2)
        );

        let v21 = "Failed build model due to couldn't auto-discover subnets: unable to discover at least one subnet";
        assert!(parse_discovery_error(v21).unwrap().none_matched());

        let v20 = "cannot find at least two subnets from different Availability Zones, discovered subnetIDs: []";
        assert!(parse_discovery_error(v20).is_some());

        let v1 = "failed to build LoadBalancer configuration due to failed to resolve 2 qualified subnet with at least 8 free IP Addresses for ALB";
        assert!(parse_discovery_error(v1).is_some());

        assert!(
            parse_discovery_error("subnets count less than minimal required count: 1 < 2")
                .unwrap()
                .too_few
        );
        assert!(parse_discovery_error("couldn't auto-discover subnets: UnauthorizedOperation: You are not authorized to perform this operation.").is_none());
        assert!(parse_discovery_error("WebIdentityErr: failed to retrieve credentials").is_none());
        assert!(parse_discovery_error("couldn't auto-discover subnets: WebIdentityErr: failed to retrieve credentials\ncaused by: RequestError: send request failed\ncaused by: Post \"https://sts.us-west-2.amazonaws.com/\": dial tcp: lookup sts.us-west-2.amazonaws.com on 172.20.0.10:53: read: connection refused").is_none());
        assert!(parse_discovery_error("couldn't auto-discover subnets: operation error EC2: DescribeSubnets, exceeded maximum number of attempts, 3, https response error StatusCode: 0, RequestID: , request send failed, Post \"https://ec2.us-west-2.amazonaws.com/\": dial tcp 52.94.1.33:443: i/o timeout").is_none());
    }
}
