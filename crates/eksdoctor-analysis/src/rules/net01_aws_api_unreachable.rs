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
    /// VPC, or add a NAT gateway route.
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
        let timeouts: Vec<&Message> = failures
            .iter()
            .filter(|(m, svc, _)| {
                (svc == "ec2" || svc == "elasticloadbalancing") && !m.contains(":53")
            })
            .map(|(m, _, _)| *m)
            .collect();
        let config = match Self::missing_egress(cx) {
            Ok(config) => config,
            // Without the VPC data, surfaced timeouts are still evidence enough.
            Err(skip) if timeouts.is_empty() => return Err(skip),
            Err(_) => None,
        };
        if timeouts.is_empty() && config.is_none() {
            return Ok(());
        }
        let sts_network_failure = cx.lbc_messages.iter().any(|m| {
            m.contains("sts.")
                && (m.contains("i/o timeout") || m.contains("dial tcp"))
                && !m.contains(":53")
        });
        let (missing, detail) = config
            .clone()
            .unwrap_or_else(|| (NEEDED.iter().map(|s| s.to_string()).collect(), Vec::new()));
        let vpc = cluster_vpc(cx).unwrap_or_else(|| "<vpc-id>".into());
        let (ns, name) = cx.lbc_names();
        let mut f = Finding::new(
            &Self::META,
            crate::finding::Subject::new("Vpc", None, &vpc),
            format!("the private subnets of {vpc} have no NAT route and no interface endpoint for {}: the controller cannot reach those AWS APIs", missing.join(", ")),
        )
        .evidence_all(timeouts.iter().rev().take(1).map(|m| m.evidence()))
        .evidence_all(detail)
        .breaks_all(missing.iter().map(|s| Key::AwsApi(s.clone())))
        .breaks(Key::AlbReconcile)
        .fix(
            format!("create interface endpoints with private DNS for {} (or add a NAT route)", missing.join(", ")),
            missing
                .iter()
                .map(|s| format!("aws ec2 create-vpc-endpoint --vpc-endpoint-type Interface --vpc-id {vpc} --service-name com.amazonaws.{region}.{s} --subnet-ids <private-subnet-ids> --security-group-ids <sg-allowing-443> --private-dns-enabled"))
                .chain([restart_controller(&ns, &name)])
                .collect(),
            Some(format!(
                "resource \"aws_vpc_endpoint\" \"lbc\" {{\n  for_each            = toset([{}])\n  vpc_id              = var.vpc_id\n  service_name        = \"com.amazonaws.{region}.${{each.key}}\"\n  vpc_endpoint_type   = \"Interface\"\n  subnet_ids          = var.private_subnet_ids\n  security_group_ids  = [aws_security_group.vpce.id]\n  private_dns_enabled = true\n}}",
                missing.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", ")
            )),
        );
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
