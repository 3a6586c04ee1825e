use crate::context::{Context, Message, NETWORK_ERRORS, aws_api_hosts, is_region};
use crate::finding::{Evidence, EvidenceSource, Finding, Key};
use crate::fixes::{helm_release_terraform, helm_set, restart_controller};
use crate::rules::{Outcome, impl_rule};
use crate::snapshot::Input;
use crate::subnets::{cluster_vpc, is_public};
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds a cluster whose private subnets have neither a NAT route nor the interface VPC
    /// endpoints the load balancer controller needs (`sts`, `ec2`, `elasticloadbalancing`), and
    /// controller timeouts to those AWS API hosts.
    ///
    /// ## Why it matters
    /// In a private or isolated VPC the controller reaches AWS only through endpoints. Without
    /// them every reconcile times out after long retries; with an endpoint but no private DNS,
    /// the host still resolves to public IPs and times out the same way.
    ///
    /// ## Evidence
    /// `dial tcp <ip>:443: i/o timeout` to `ec2.<region>.amazonaws.com` or
    /// `elasticloadbalancing.<region>.amazonaws.com`; route tables of the pod subnets without a
    /// `0.0.0.0/0` route to a NAT gateway; `aws ec2 describe-vpc-endpoints` without the three
    /// services (or with `PrivateDnsEnabled: false`).
    ///
    /// ## Example
    /// Fargate pods in private subnets, a single `s3` gateway endpoint, no NAT gateway.
    ///
    /// ## Fix
    /// Create the interface endpoints with private DNS and a security group allowing 443 from the
    /// VPC, or add a NAT gateway route. When the VPC data shows a way out and the calls still
    /// time out, a security group or network ACL drops them: open 443 there. Without the VPC
    /// data, the finding names only the APIs the timeouts show.
    ///
    /// ## References
    /// - EKS private clusters: <https://docs.aws.amazon.com/eks/latest/userguide/private-clusters.html>
    pub AwsApiUnreachable {
        id: "NET-01",
        name: "aws-api-unreachable",
        summary: "pods have no path to the AWS APIs the controller needs",
        severity: Error,
    }
}

/// The AWS services without an endpoint, and the evidence of it.
type MissingEgress = (Vec<String>, Vec<Evidence>);

/// What the VPC data says about the pods' way to the AWS APIs.
enum Egress {
    /// No NAT route and no endpoint for these services.
    Missing(MissingEgress),
    /// A NAT route, an internet gateway or the endpoints are there.
    Open,
    /// Not collected.
    Unknown,
}

fn endpoint_fix_summary(services: &[String]) -> String {
    format!(
        "create interface endpoints with private DNS for {} (or add a NAT route)",
        services.join(", ")
    )
}

fn endpoint_commands(services: &[String], vpc: &str, region: &str, restart: &str) -> Vec<String> {
    services
        .iter()
        .map(|s| format!("aws ec2 create-vpc-endpoint --vpc-endpoint-type Interface --vpc-id {vpc} --service-name com.amazonaws.{region}.{s} --subnet-ids <private-subnet-ids> --security-group-ids <sg-allowing-443> --private-dns-enabled"))
        .chain([restart.to_owned()])
        .collect()
}

fn endpoint_terraform(services: &[String], region: &str) -> String {
    format!(
        "resource \"aws_vpc_endpoint\" \"lbc\" {{\n  for_each            = toset([{}])\n  vpc_id              = var.vpc_id\n  service_name        = \"com.amazonaws.{region}.${{each.key}}\"\n  vpc_endpoint_type   = \"Interface\"\n  subnet_ids          = var.private_subnet_ids\n  security_group_ids  = [aws_security_group.vpce.id]\n  private_dns_enabled = true\n}}",
        services
            .iter()
            .map(|s| format!("\"{s}\""))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

const NEEDED: &[&str] = &["sts", "ec2", "elasticloadbalancing"];

impl AwsApiUnreachable {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        let region = cx.region();
        let failures: Vec<(&Message, String, String)> = cx
            .lbc_messages
            .iter()
            .filter(|m| NETWORK_ERRORS.iter().any(|t| m.contains(t)))
            .flat_map(|m| {
                aws_api_hosts(&m.text)
                    .into_iter()
                    .map(move |(svc, r)| (m, svc, r))
            })
            .collect();
        // A region that is not one is itself the evidence: no network change will help.
        if let Some((m, _, bad)) = failures.iter().find(|(_, _, r)| !is_region(r)) {
            out.push(Self::wrong_region(cx, m, bad, &failures));
            return Ok(());
        }
        // Lookups failing against cluster DNS are DNS-01's; STS is IAM-03's.
        let timed_out: Vec<(&Message, &str)> = failures
            .iter()
            .filter(|(m, svc, _)| {
                (svc == "ec2" || svc == "elasticloadbalancing") && !m.contains(":53")
            })
            .map(|(m, svc, _)| (*m, svc.as_str()))
            .collect();
        let timeouts: Vec<&Message> = timed_out.iter().map(|(m, _)| *m).collect();
        let egress = match Self::missing_egress(cx) {
            Ok(Some(missing)) => Egress::Missing(missing),
            Ok(None) if cx.lbc.is_some() => Egress::Open,
            Ok(None) => Egress::Unknown,
            // Without the VPC data, surfaced timeouts are still evidence enough.
            Err(skip) if timeouts.is_empty() => return Err(skip),
            Err(_) => Egress::Unknown,
        };
        if timeouts.is_empty() && !matches!(egress, Egress::Missing(_)) {
            return Ok(());
        }
        let sts_network_failure = cx.lbc_messages.iter().any(|m| {
            m.contains("sts.")
                && (m.contains("i/o timeout") || m.contains("dial tcp"))
                && !m.contains(":53")
        });
        let vpc = cluster_vpc(cx);
        let (ns, name) = cx.lbc_names();
        let subject = match &vpc {
            Some(v) => crate::finding::Subject::new("Vpc", None, v),
            None => cx.lbc_subject(),
        };
        let vpc_text = vpc.as_deref().unwrap_or("the VPC").to_owned();
        let vpc = vpc.unwrap_or_else(|| "<vpc-id>".into());
        // The APIs the timeouts name, when the VPC data cannot say which endpoints are missing.
        let mut timed_out_apis: Vec<String> = Vec::new();
        let seen = sts_network_failure
            .then_some("sts")
            .into_iter()
            .chain(timed_out.iter().map(|(_, svc)| *svc));
        for svc in seen {
            if !timed_out_apis.iter().any(|m| m == svc) {
                timed_out_apis.push(svc.to_owned());
            }
        }
        let hosts = timed_out_apis
            .iter()
            .map(|s| format!("{s}.{region}.amazonaws.com"))
            .collect::<Vec<_>>()
            .join(", ");
        let restart = restart_controller(&ns, &name);
        let surfaced = || timeouts.iter().rev().take(1).map(|m| m.evidence());
        let f = match egress {
            Egress::Missing((missing, detail)) => Finding::new(
                &Self::META,
                subject,
                format!("the private subnets of {vpc_text} have no NAT route and no interface endpoint for {}: the controller cannot reach those AWS APIs", missing.join(", ")),
            )
            .evidence_all(surfaced())
            .evidence_all(detail)
            .breaks_all(missing.iter().map(|s| Key::AwsApi(s.clone())))
            .fix(endpoint_fix_summary(&missing), endpoint_commands(&missing, &vpc, &region, &restart), Some(endpoint_terraform(&missing, &region))),
            // Only the timeouts are known: name the APIs they show, not a VPC layout.
            Egress::Unknown => Finding::new(
                &Self::META,
                subject,
                format!("deployment/{ns}/{name} times out calling {hosts}: its pods have no network path to these AWS APIs (a NAT route, or interface endpoints with private DNS); the VPC's subnets, route tables and endpoints are not all in the bundle"),
            )
            .evidence_all(surfaced())
            .breaks_all(timed_out_apis.iter().map(|s| Key::AwsApi(s.clone())))
            .fix(endpoint_fix_summary(&timed_out_apis), endpoint_commands(&timed_out_apis, &vpc, &region, &restart), Some(endpoint_terraform(&timed_out_apis, &region))),
            // A route out exists, yet the calls time out: something drops them on the way.
            Egress::Open => Finding::new(
                &Self::META,
                subject,
                format!("deployment/{ns}/{name} times out calling {hosts} although the pod subnets of {vpc_text} have a way out (NAT route, internet gateway or endpoints): a security group or network ACL drops the traffic"),
            )
            .evidence_all(surfaced())
            .breaks_all(timed_out_apis.iter().map(|s| Key::AwsApi(s.clone())))
            .fix(
                "let the pods' HTTPS through: outbound 443 on the node and pod security groups, inbound 443 on the endpoints' security group, and both directions in the subnets' network ACLs",
                vec![
                    format!("aws ec2 describe-security-groups --filters Name=vpc-id,Values={vpc} --query 'SecurityGroups[].[GroupId,GroupName,IpPermissionsEgress]'"),
                    format!("aws ec2 describe-network-acls --filters Name=vpc-id,Values={vpc}"),
                    restart,
                ],
                None,
            ),
        };
        let mut f = f.breaks(Key::AlbReconcile);
        if timeouts.is_empty() && !sts_network_failure {
            f = f.latent();
        }
        out.push(f);
        Ok(())
    }

    fn wrong_region(
        cx: &Context<'_>,
        m: &Message,
        bad: &str,
        failures: &[(&Message, String, String)],
    ) -> Finding {
        let (ns, name) = cx.lbc_names();
        let right = cx
            .snapshot
            .region()
            .filter(|r| is_region(r))
            .unwrap_or("<region>");
        let services: Vec<Key> = failures
            .iter()
            .map(|(_, svc, _)| Key::AwsApi(svc.clone()))
            .collect();
        Finding::new(
            &Self::META,
            cx.lbc_subject(),
            format!("deployment/{ns}/{name} calls AWS APIs in region {bad:?}, which is not an AWS region: its region setting is wrong"),
        )
        .evidence(m.evidence())
        .breaks_all(services)
        .breaks(Key::AlbReconcile)
        .fix(
            format!("set the controller's region to {right}"),
            vec![helm_set(&ns, &name, &[("region", right)])],
            Some(helm_release_terraform(&[("region", &format!("\"{right}\""))])),
        )
    }

    /// Services without an endpoint when the pod subnets have no NAT route; `None` when there
    /// is a way out (or no controller to need one).
    fn missing_egress(cx: &Context<'_>) -> Result<Option<MissingEgress>, crate::rules::Skip> {
        if cx.lbc.is_none() {
            return Ok(None);
        }
        for input in [Input::Subnets, Input::RouteTables, Input::VpcEndpoints] {
            cx.require(input)?;
        }
        let snap = cx.snapshot;
        let pod_subnets: Vec<&str> = snap
            .aws
            .fargate_profiles
            .iter()
            .flat_map(|p| p.subnets.iter().map(String::as_str))
            .chain(
                snap.aws
                    .cluster
                    .iter()
                    .flat_map(|c| c.resources_vpc_config.subnet_ids.iter().map(String::as_str)),
            )
            .collect();
        let private: Vec<_> = snap
            .aws
            .subnets
            .iter()
            .filter(|s| pod_subnets.contains(&s.subnet_id.as_str()) && !is_public(cx, s))
            .collect();
        if private.is_empty() {
            return Ok(None);
        }
        let table_of = |id: &str| {
            snap.aws
                .route_tables
                .iter()
                .find(|t| {
                    t.associations
                        .iter()
                        .any(|a| a.subnet_id.as_deref() == Some(id))
                })
                .or_else(|| {
                    snap.aws
                        .route_tables
                        .iter()
                        .find(|t| t.associations.iter().any(|a| a.main))
                })
        };
        let has_nat = private.iter().all(|s| {
            table_of(&s.subnet_id).is_some_and(|t| {
                t.routes
                    .iter()
                    .any(|r| r.nat_gateway_id.is_some() || r.transit_gateway_id.is_some())
            })
        });
        if has_nat {
            return Ok(None);
        }
        let vpc = cluster_vpc(cx);
        let endpoints: Vec<_> = snap
            .aws
            .vpc_endpoints
            .iter()
            .filter(|e| vpc.as_deref().is_none_or(|v| e.vpc_id == v) && e.is_available())
            .collect();
        let missing: Vec<String> = NEEDED
            .iter()
            .filter(|svc| {
                !endpoints
                    .iter()
                    .any(|e| e.short_service() == **svc && e.private_dns_enabled != Some(false))
            })
            .map(|s| s.to_string())
            .collect();
        if missing.is_empty() {
            return Ok(None);
        }
        let present = endpoints
            .iter()
            .map(|e| e.service_name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        Ok(Some((
            missing,
            vec![Evidence::new(
                EvidenceSource::Aws,
                "ec2/describe-vpc-endpoints",
                format!(
                    "private subnets {} route without NAT; endpoints present: {}",
                    private
                        .iter()
                        .map(|s| s.subnet_id.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    if present.is_empty() {
                        "none".into()
                    } else {
                        present
                    }
                ),
            )],
        )))
    }
}

impl_rule!(AwsApiUnreachable);
