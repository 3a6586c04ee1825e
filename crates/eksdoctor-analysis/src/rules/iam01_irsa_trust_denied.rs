use crate::context::Context;
use crate::finding::{Evidence, EvidenceSource, Finding, Key};
use crate::fixes::restart_controller;
use crate::rules::{Outcome, impl_rule};
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds the controller refused by STS when it assumes its IAM role with its service-account
    /// token, and, when the role was collected, checks the trust policy's `sub` and `aud`
    /// conditions against the controller's service account.
    ///
    /// ## Why it matters
    /// A trust policy that names another namespace or service account, another cluster's OIDC
    /// provider, or the wrong audience denies every credential request: the controller can do
    /// nothing, and no Ingress gets an ALB.
    ///
    /// ## Evidence
    /// `Not authorized to perform sts:AssumeRoleWithWebIdentity` inside `WebIdentityErr` (SDK
    /// v1, controller up to v2.8) or `operation error STS: AssumeRoleWithWebIdentity, https
    /// response error StatusCode: 403` (SDK v2); `aws iam get-role` trust policy conditions.
    ///
    /// ## Example
    /// `StringEquals: {"oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub":
    /// "system:serviceaccount:default:aws-load-balancer-controller"}` while the controller runs
    /// in kube-system.
    ///
    /// ## Fix
    /// Make the trust policy's `sub` `system:serviceaccount:<namespace>:<service-account>` and
    /// `aud` `sts.amazonaws.com`, under this cluster's OIDC provider; restart the controller.
    ///
    /// ## References
    /// - IRSA trust policy: <https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html>
    pub IrsaTrustDenied {
        id: "IAM-01",
        name: "irsa-trust-denied",
        summary: "STS refuses the controller's role: the IRSA trust policy does not match",
        severity: Error,
    }
}

/// The `...:sub` values a trust policy document accepts.
fn trusted_subjects(doc: &serde_json::Value) -> Vec<String> {
    let mut subs = Vec::new();
    let statements = match doc.get("Statement") {
        Some(serde_json::Value::Array(a)) => a.clone(),
        Some(one) => vec![one.clone()],
        None => Vec::new(),
    };
    for st in statements {
        for (_, cond) in st
            .get("Condition")
            .and_then(|c| c.as_object())
            .into_iter()
            .flatten()
        {
            for (key, value) in cond.as_object().into_iter().flatten() {
                if key.ends_with(":sub") {
                    match value {
                        serde_json::Value::String(s) => subs.push(s.clone()),
                        serde_json::Value::Array(a) => {
                            subs.extend(a.iter().filter_map(|v| v.as_str().map(str::to_owned)))
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    subs
}

impl IrsaTrustDenied {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        let denied: Vec<_> = cx
            .lbc_messages
            .iter()
            .filter(|m| {
                m.text
                    .to_ascii_lowercase()
                    .contains("not authorized to perform sts:assumerolewithwebidentity")
            })
            .collect();
        let (ns, name) = cx.lbc_names();
        let sa = cx
            .lbc
            .as_ref()
            .map_or("aws-load-balancer-controller", |l| l.service_account())
            .to_owned();
        let expected = format!("system:serviceaccount:{ns}:{sa}");
        let role_arn = cx
            .snapshot
            .service_accounts
            .iter()
            .find(|s| s.metadata.namespace() == ns && s.metadata.name == sa)
            .and_then(|s| s.metadata.annotation("eks.amazonaws.com/role-arn"));
        let role = role_arn.and_then(|arn| cx.snapshot.aws.roles.iter().find(|r| r.arn == arn));
        let subs = role
            .and_then(|r| r.assume_role_policy_document.as_ref())
            .map(trusted_subjects);
        let mismatch = subs.as_ref().filter(|s| {
            !s.is_empty() && !s.iter().any(|v| crate::scheduling::wildcard(v, &expected))
        });
        if denied.is_empty() && mismatch.is_none() {
            return Ok(());
        }
        let mut f = Finding::new(
            &Self::META,
            cx.lbc_subject(),
            match mismatch {
                Some(s) => format!("the trust policy of {} allows {} but the controller runs as {expected}", role.map_or("the role", |r| r.role_name.as_str()), s.join(", ")),
                None => format!("STS refuses deployment/{ns}/{name} its role: the trust policy does not accept {expected}"),
            },
        )
        .evidence_all(denied.iter().rev().take(1).map(|m| m.evidence()))
        .breaks(Key::AlbReconcile);
        if let (Some(r), Some(s)) = (role, mismatch) {
            f = f.evidence(Evidence::new(
                EvidenceSource::Aws,
                format!("iam/roles/{}", r.role_name),
                format!("trusted sub: {}", s.join(", ")),
            ));
        }
        if denied.is_empty() {
            f = f.latent();
        }
        let role_name = role.map_or_else(|| "<role-name>".to_owned(), |r| r.role_name.clone());
        out.push(f.fix(
            format!("trust {expected} with audience sts.amazonaws.com under this cluster's OIDC provider"),
            vec![
                format!("aws iam get-role --role-name {role_name} --query Role.AssumeRolePolicyDocument"),
                format!("aws eks describe-cluster --name {} --query cluster.identity.oidc.issuer --output text", cx.cluster_name()),
                format!("aws iam update-assume-role-policy --role-name {role_name} --policy-document file://trust.json"),
                restart_controller(&ns, &name),
            ],
            Some(format!(
                "module \"lbc_irsa\" {{\n  source = \"terraform-aws-modules/iam/aws//modules/iam-role-for-service-accounts-eks\"\n  attach_load_balancer_controller_policy = true\n  oidc_providers = {{\n    main = {{\n      provider_arn               = module.eks.oidc_provider_arn\n      namespace_service_accounts = [\"{ns}:{sa}\"]\n    }}\n  }}\n}}"
            )),
        ));
        Ok(())
    }
}

impl_rule!(IrsaTrustDenied);

#[cfg(test)]
mod tests {
    use super::trusted_subjects;

    #[test]
    fn reads_sub_conditions_of_any_operator() {
        let doc = serde_json::json!({"Statement": [{"Condition": {
            "StringEquals": {"oidc.eks.eu-west-1.amazonaws.com/id/X:sub": "system:serviceaccount:kube-system:lbc"},
            "StringLike": {"oidc.eks.eu-west-1.amazonaws.com/id/X:aud": "sts.amazonaws.com"}}}]});
        assert_eq!(
            trusted_subjects(&doc),
            vec!["system:serviceaccount:kube-system:lbc".to_owned()]
        );
    }
}
