use crate::context::Context;
use crate::finding::{Evidence, EvidenceSource, Finding, Key};
use crate::fixes::restart_controller;
use crate::rules::{Outcome, impl_rule};
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds the controller running without its own IAM role: errors that name the node's
    /// instance role or find no credentials at all, or a controller pod without the
    /// `AWS_ROLE_ARN`/`AWS_WEB_IDENTITY_TOKEN_FILE` environment that IRSA injects.
    ///
    /// ## Why it matters
    /// IRSA injects credentials only when a pod is created and only if its service account
    /// carries `eks.amazonaws.com/role-arn`. Annotating afterwards, or a Helm install with
    /// `serviceAccount.create=false` pointing at another account, leaves the controller on the
    /// node role (which lacks the ELB permissions) or, on Fargate, with nothing.
    ///
    /// ## Evidence
    /// `assumed-role/<NodeInstanceRole>/i-… is not authorized to perform: elasticloadbalancing:…`;
    /// `no EC2 IMDS role found`; `NoCredentialProviders: no valid providers in chain` (SDK v1);
    /// the service account's annotations and the pods' environment.
    ///
    /// ## Example
    /// Service account annotated at 10:05, controller pods created at 09:50 without `AWS_ROLE_ARN`.
    ///
    /// ## Fix
    /// Annotate the service account with the role ARN and restart the controller.
    ///
    /// ## References
    /// - IRSA: <https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html>
    pub IrsaNotInjected {
        id: "IAM-04",
        name: "irsa-not-injected",
        summary: "the controller has no IAM role of its own",
        severity: Error,
    }
}

const ROLE_ANNOTATION: &str = "eks.amazonaws.com/role-arn";

impl IrsaNotInjected {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        let surfaced: Vec<_> = cx
            .lbc_messages
            .iter()
            .filter(|m| {
                m.contains("no EC2 IMDS role found")
                    || m.contains("NoCredentialProviders")
                    || (m.contains("assumed-role/")
                        && m.contains("/i-")
                        && m.contains("is not authorized to perform"))
            })
            .collect();
        // Without the controller's Deployment there is no service account or pod to fix.
        let Some(lbc) = &cx.lbc else { return Ok(()) };
        let (ns, name) = (lbc.namespace(), lbc.name());
        let sa_name = lbc.service_account();
        let sa = cx
            .snapshot
            .service_accounts
            .iter()
            .find(|s| s.metadata.namespace() == ns && s.metadata.name == sa_name);
        let annotated = sa.and_then(|s| s.metadata.annotation(ROLE_ANNOTATION));
        let pod_identity =
            |p: &&crate::model::k8s::Pod| {
                p.spec.containers.iter().flat_map(|c| &c.env).any(|e| {
                    e.name == "AWS_ROLE_ARN" || e.name == "AWS_CONTAINER_CREDENTIALS_FULL_URI"
                })
            };
        let uninjected: Vec<_> = lbc.pods.iter().filter(|p| !pod_identity(p)).collect();
        // Without an Ingress waiting, a controller on another credential source is not a fault.
        let waiting = cx.alb_ingresses_without_address().next().is_some();
        let config_problem =
            sa.is_some() && !lbc.pods.is_empty() && uninjected.len() == lbc.pods.len() && waiting;
        if surfaced.is_empty() && !config_problem {
            return Ok(());
        }
        let (message, sa_seen) = match (sa, annotated) {
            (Some(_), Some(arn)) => (
                format!(
                    "deployment/{ns}/{name} pods lack AWS_ROLE_ARN although serviceaccount/{ns}/{sa_name} is annotated with {arn}: the pods predate the annotation"
                ),
                format!("{ROLE_ANNOTATION}: {arn}"),
            ),
            (Some(_), None) => (
                format!(
                    "serviceaccount/{ns}/{sa_name} has no {ROLE_ANNOTATION} annotation, so the controller has no IAM role of its own"
                ),
                format!("no {ROLE_ANNOTATION} annotation"),
            ),
            // Only the error speaks: whether the annotation is missing or came too late is unknown.
            (None, _) => (
                format!(
                    "deployment/{ns}/{name} has no IAM role of its own: its AWS calls fall back to the node's credentials (serviceaccount/{ns}/{sa_name} was not collected)"
                ),
                "not collected".to_owned(),
            ),
        };
        let mut f = Finding::new(&Self::META, cx.lbc_subject(), message)
            .evidence_all(surfaced.iter().rev().take(1).map(|m| m.evidence()))
            .evidence(Evidence::new(
                EvidenceSource::Object,
                format!("serviceaccounts/{ns}/{sa_name}"),
                sa_seen,
            ))
            .breaks(Key::AlbReconcile)
            .fix(
                "annotate the service account with the controller's IAM role, then restart the controller so IRSA injects it",
                vec![
                    format!("kubectl -n {ns} annotate serviceaccount {sa_name} {ROLE_ANNOTATION}={} --overwrite", annotated.unwrap_or("arn:aws:iam::<account-id>:role/<lbc-role>")),
                    restart_controller(ns, name),
                ],
                Some(format!("resource \"helm_release\" \"aws_load_balancer_controller\" {{\n  set {{\n    name  = \"serviceAccount.annotations.eks\\\\.amazonaws\\\\.com/role-arn\"\n    value = module.lbc_irsa.iam_role_arn\n  }}\n  set {{\n    name  = \"serviceAccount.name\"\n    value = \"{sa_name}\"\n  }}\n}}")),
            );
        if surfaced.is_empty() {
            f = f.latent();
        }
        out.push(f);
        Ok(())
    }
}

impl_rule!(IrsaNotInjected);
