use crate::context::{Context, Message, NETWORK_ERRORS};
use crate::finding::{Finding, Key};
use crate::fixes::restart_controller;
use crate::rules::{Outcome, impl_rule};
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds load balancer controller errors saying it could not reach AWS STS to exchange its
    /// service-account token for credentials, and tells apart the two causes: cluster DNS that
    /// does not answer (`lookup sts.<region>.amazonaws.com on <kube-dns IP>:53`), or no network
    /// path to STS (no NAT, no `sts` interface endpoint, a security group dropping 443).
    ///
    /// ## Why it matters
    /// Every AWS call the controller makes needs those credentials, so no ALB is created or
    /// changed for any Ingress until this is fixed. The error names STS, but the fix is usually
    /// elsewhere: CoreDNS, or the VPC's egress.
    ///
    /// ## Evidence
    /// Stable tokens across controller versions: SDK v1 (up to v2.8) wraps it as
    /// `WebIdentityErr: failed to retrieve credentials\ncaused by: RequestError: send request failed`,
    /// SDK v2 (v2.9+) as `operation error STS: AssumeRoleWithWebIdentity, exceeded maximum number
    /// of attempts … request send failed`; both carry the STS host and a network error
    /// (`dial tcp`, `i/o timeout`, `no such host`, `connection refused`, `TLS handshake timeout`).
    ///
    /// ## Example
    /// ```text
    /// WebIdentityErr: failed to retrieve credentials
    /// caused by: RequestError: send request failed
    /// caused by: Post "https://sts.eu-west-1.amazonaws.com/": dial tcp: lookup
    /// sts.eu-west-1.amazonaws.com on 172.20.0.10:53: read: connection refused
    /// ```
    ///
    /// ## Fix
    /// DNS variant: make CoreDNS run (see DNS-01 and what explains it). Network variant: add a
    /// `com.amazonaws.<region>.sts` interface endpoint with private DNS, or a NAT route. Then
    /// restart the controller so it retries at once.
    ///
    /// ## References
    /// - kubernetes-sigs/aws-load-balancer-controller#2477, #2314
    /// - EKS private clusters: <https://docs.aws.amazon.com/eks/latest/userguide/private-clusters.html>
    pub StsUnreachable {
        id: "IAM-03",
        name: "sts-unreachable",
        summary: "the load balancer controller cannot reach AWS STS for credentials",
        severity: Error,
    }
}

/// The message is an STS network failure; returns whether it was a DNS lookup failure.
fn sts_failure(m: &Message) -> Option<bool> {
    let sts_host = m.contains("sts.") && m.contains("amazonaws.com");
    let credential_path = m.contains("WebIdentityErr")
        || m.contains("AssumeRoleWithWebIdentity")
        || m.contains("get credentials");
    if !(sts_host && credential_path && NETWORK_ERRORS.iter().any(|t| m.contains(t))) {
        return None;
    }
    Some(m.contains("lookup sts.") && (m.contains(":53") || m.contains("no such host")))
}

/// The STS host a message names: `sts.eu-west-1.amazonaws.com`, or the global `sts.amazonaws.com`
/// that the legacy controller's SDK calls by default.
fn sts_host(text: &str) -> Option<&str> {
    let is_host = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '-';
    text.match_indices("sts.").find_map(|(at, _)| {
        if text[..at].ends_with(is_host) {
            return None;
        }
        let len = text[at..]
            .find(|c: char| !is_host(c))
            .unwrap_or(text.len() - at);
        let host = text[at..at + len].trim_end_matches('.');
        host.ends_with(".amazonaws.com").then_some(host)
    })
}

impl StsUnreachable {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        let hits: Vec<(&Message, bool)> = cx
            .lbc_messages
            .iter()
            .filter_map(|m| sts_failure(m).map(|dns| (m, dns)))
            .collect();
        if hits.is_empty() {
            return Ok(());
        }
        let via_dns = hits.iter().any(|(_, dns)| *dns);
        let (ns, name) = cx.lbc_names();
        let region = cx.region();
        let host = hits
            .iter()
            .rev()
            .find_map(|(m, _)| sts_host(&m.text))
            .map_or_else(|| format!("sts.{region}.amazonaws.com"), str::to_owned);
        let message = if via_dns {
            format!(
                "deployment/{ns}/{name} cannot resolve {host}: cluster DNS does not answer, so it gets no AWS credentials"
            )
        } else {
            format!("deployment/{ns}/{name} cannot reach {host}, so it gets no AWS credentials")
        };
        // The global endpoint has no VPC endpoint: only a route out, or the regional endpoint.
        let global = if host == "sts.amazonaws.com" {
            "; the global endpoint sts.amazonaws.com has no VPC endpoint, so annotate the service account eks.amazonaws.com/sts-regional-endpoints=true to use the regional one"
        } else {
            ""
        };
        let mut f = Finding::new(&Self::META, cx.lbc_subject(), message)
            .evidence_all(hits.iter().rev().take(2).map(|(m, _)| m.evidence()))
            .breaks(Key::AlbReconcile);
        f = if via_dns {
            f.needs(Key::ClusterDns).fix(
                "make cluster DNS answer first (CoreDNS pods running and ready), then restart the controller",
                vec![
                    "kubectl -n kube-system get pods -l k8s-app=kube-dns -o wide".into(),
                    restart_controller(&ns, &name),
                ],
                None,
            )
        } else {
            f.needs(Key::AwsApi("sts".into())).fix(
                format!("give the controller a path to STS: an interface endpoint com.amazonaws.{region}.sts with private DNS, or a NAT route{global}"),
                vec![
                    format!("aws ec2 create-vpc-endpoint --vpc-endpoint-type Interface --vpc-id <vpc-id> --service-name com.amazonaws.{region}.sts --subnet-ids <private-subnet-ids> --security-group-ids <sg-allowing-443> --private-dns-enabled"),
                    restart_controller(&ns, &name),
                ],
                Some(format!(
                    "resource \"aws_vpc_endpoint\" \"sts\" {{\n  vpc_id              = var.vpc_id\n  service_name        = \"com.amazonaws.{region}.sts\"\n  vpc_endpoint_type   = \"Interface\"\n  subnet_ids          = var.private_subnet_ids\n  security_group_ids  = [aws_security_group.vpce.id]\n  private_dns_enabled = true\n}}"
                )),
            )
        };
        out.push(f);
        Ok(())
    }
}

impl_rule!(StsUnreachable);

#[cfg(test)]
mod tests {
    use super::sts_host;

    #[test]
    fn names_the_sts_host_of_either_endpoint() {
        let regional =
            r#"caused by: Post "https://sts.eu-west-1.amazonaws.com/": dial tcp: i/o timeout"#;
        assert_eq!(sts_host(regional), Some("sts.eu-west-1.amazonaws.com"));
        let global = "caused by: Post https://sts.amazonaws.com/: dial tcp: i/o timeout";
        assert_eq!(sts_host(global), Some("sts.amazonaws.com"));
        let lookup = "dial tcp: lookup sts.us-east-2.amazonaws.com on 10.100.0.10:53: no such host";
        assert_eq!(sts_host(lookup), Some("sts.us-east-2.amazonaws.com"));
        assert_eq!(sts_host("hosts.example.amazonaws.com"), None);
        assert_eq!(
            sts_host("operation error STS: AssumeRoleWithWebIdentity"),
            None
        );
    }
}
