use crate::context::{Context, Message};
use crate::finding::{Evidence, EvidenceSource, Finding, Key};
use crate::fixes::restart_controller;
use crate::rules::{Outcome, impl_rule};
use crate::snapshot::Input;
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds the controller's web-identity token rejected because the account has no IAM OIDC
    /// provider for the cluster's issuer, because the provider's audience is not
    /// `sts.amazonaws.com`, or because its thumbprint is not that of the issuer's certificate
    /// authority; and, from the AWS data alone, a cluster issuer that no OIDC provider in the
    /// account names.
    ///
    /// ## Why it matters
    /// IRSA needs an IAM OIDC provider per cluster issuer. It is missing after a cluster is
    /// re-created (new issuer id), when the provider step was skipped, when the provider lists
    /// a regional STS host as its audience, or when its thumbprint was taken from a leaf
    /// certificate that has since rotated. Every credential request then fails.
    ///
    /// ## Evidence
    /// `InvalidIdentityToken: No OpenIDConnect provider found in your account for
    /// https://oidc.eks.<region>.amazonaws.com/id/<ID>`; `InvalidIdentityToken: Incorrect token
    /// audience`; `InvalidIdentityToken: OpenIDConnect provider's HTTPS certificate doesn't match
    /// configured thumbprint`; `aws iam list-open-id-connect-providers` without the issuer id
    /// from `aws eks describe-cluster`.
    ///
    /// ## Example
    /// Cluster issuer `…/id/8F3A…`, providers only for `…/id/11B2…` (the previous cluster).
    ///
    /// ## Fix
    /// Create the provider for the issuer with client id `sts.amazonaws.com`
    /// (`eksctl utils associate-iam-oidc-provider`, or `aws_iam_openid_connect_provider`); for a
    /// thumbprint mismatch, set the thumbprint of the issuer's root certificate authority.
    ///
    /// ## References
    /// - IAM OIDC provider for EKS: <https://docs.aws.amazon.com/eks/latest/userguide/enable-iam-roles-for-service-accounts.html>
    /// - kubernetes-sigs/aws-load-balancer-controller#1728
    /// - Invalid identity token: <https://repost.aws/knowledge-center/eks-error-invalid-identity-token>
    pub OidcProviderMissing {
        id: "IAM-02",
        name: "oidc-provider-missing",
        summary: "the cluster's IAM OIDC provider is missing, or has the wrong audience or thumbprint",
        severity: Error,
    }
}

/// Why STS rejected the controller's token, from the `InvalidIdentityToken` text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rejection {
    NoProvider,
    Audience,
    Thumbprint,
}

fn rejection(m: &Message) -> Option<Rejection> {
    if !m.contains("InvalidIdentityToken") {
        None
    } else if m.contains("No OpenIDConnect provider found") {
        Some(Rejection::NoProvider)
    } else if m.contains("Incorrect token audience") {
        Some(Rejection::Audience)
    } else if m.contains("doesn't match configured thumbprint") {
        Some(Rejection::Thumbprint)
    } else {
        None
    }
}

impl OidcProviderMissing {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        let rejected: Vec<(&Message, Rejection)> = cx
            .lbc_messages
            .iter()
            .filter_map(|m| rejection(m).map(|r| (m, r)))
            .collect();
        let issuer = cx
            .snapshot
            .aws
            .cluster
            .as_ref()
            .and_then(|c| c.oidc_issuer())
            .map(str::to_owned);
        let issuer_id = issuer
            .as_deref()
            .and_then(|i| i.rsplit('/').next())
            .map(str::to_owned);
        let missing_in_account = cx.has(Input::OidcProviders)
            && cx.lbc.is_some()
            && issuer_id.as_ref().is_some_and(|id| {
                !cx.snapshot
                    .aws
                    .oidc_providers
                    .iter()
                    .any(|p| p.arn.ends_with(id.as_str()))
            });
        if rejected.is_empty() && !missing_in_account {
            return Ok(());
        }
        // The newest rejection speaks for the provider as it is now.
        let why = rejected.last().map_or(Rejection::NoProvider, |(_, r)| *r);
        let cluster = cx.cluster_name();
        let issuer_text = issuer
            .clone()
            .unwrap_or_else(|| "the cluster's issuer".into());
        let (message, summary) = match why {
            Rejection::NoProvider => (
                format!(
                    "no IAM OIDC provider exists for {issuer_text}, so STS rejects the controller's token"
                ),
                "create the IAM OIDC provider for the cluster's issuer",
            ),
            Rejection::Audience => (
                format!(
                    "the IAM OIDC provider for {issuer_text} does not list sts.amazonaws.com as its audience, so STS rejects the controller's token"
                ),
                "set the provider's client id (audience) to sts.amazonaws.com",
            ),
            Rejection::Thumbprint => (
                format!(
                    "the thumbprint of the IAM OIDC provider for {issuer_text} is not that of the issuer's certificate authority, so STS rejects the controller's token"
                ),
                "set the provider's thumbprint to the SHA-1 fingerprint of the issuer's root certificate authority",
            ),
        };
        let provider_step = match why {
            Rejection::Thumbprint => "aws iam update-open-id-connect-provider-thumbprint --open-id-connect-provider-arn <provider-arn> --thumbprint-list <root-ca-sha1>".to_owned(),
            _ => format!("eksctl utils associate-iam-oidc-provider --cluster {cluster} --approve"),
        };
        let (ns, name) = cx.lbc_names();
        let mut f = Finding::new(&Self::META, cx.lbc_subject(), message)
            .evidence_all(rejected.iter().rev().take(1).map(|(m, _)| m.evidence()))
            .breaks(Key::AlbReconcile)
            .fix(
                summary,
                vec![
                    format!("aws eks describe-cluster --name {cluster} --query cluster.identity.oidc.issuer --output text"),
                    provider_step,
                    restart_controller(&ns, &name),
                ],
                Some("data \"tls_certificate\" \"eks\" {\n  url = aws_eks_cluster.this.identity[0].oidc[0].issuer\n}\n\nresource \"aws_iam_openid_connect_provider\" \"eks\" {\n  url             = aws_eks_cluster.this.identity[0].oidc[0].issuer\n  client_id_list  = [\"sts.amazonaws.com\"]\n  thumbprint_list = [data.tls_certificate.eks.certificates[0].sha1_fingerprint]\n}".into()),
            );
        if missing_in_account {
            f = f.evidence(Evidence::new(
                EvidenceSource::Aws,
                "iam/list-open-id-connect-providers",
                format!("no provider ends with {}", issuer_id.unwrap_or_default()),
            ));
        }
        if rejected.is_empty() {
            f = f.latent();
        }
        out.push(f);
        Ok(())
    }
}

impl_rule!(OidcProviderMissing);
