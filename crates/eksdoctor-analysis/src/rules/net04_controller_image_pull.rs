use crate::context::{Context, Controller, event_message};
use crate::finding::{Evidence, EvidenceSource, Finding, Key};
use crate::fixes::{helm_release_terraform, helm_set};
use crate::model::k8s::Pod;
use crate::rules::{Outcome, impl_rule};
use eksdoctor_rule::{Severity, declare_rule};

declare_rule! {
    /// ## What it does
    /// Finds load balancer controller pods whose image cannot be pulled (`ErrImagePull`,
    /// `ImagePullBackOff`), and says why from the kubelet's message: no network path to
    /// `public.ecr.aws` (an isolated cluster), a tag that does not exist, or a registry that
    /// refuses the node's credentials.
    ///
    /// ## Why it matters
    /// Without running pods there is no controller: no ALB is made and, with the webhooks
    /// failing closed, Ingresses and Services cannot even be applied. The chart's default image
    /// is on public ECR, which has no VPC endpoint, so a cluster without internet egress never
    /// pulls it.
    ///
    /// ## Evidence
    /// Pod events `Failed to pull image "public.ecr.aws/eks/aws-load-balancer-controller:v…":
    /// … dial tcp …:443: i/o timeout` (or `not found`, `403 Forbidden`), `Back-off pulling
    /// image`; container `state.waiting.reason` `ImagePullBackOff`/`ErrImagePull`.
    ///
    /// ## Example
    /// Private subnets with endpoints for ecr.api, ecr.dkr and s3 only; the controller
    /// installed with the default `image.repository`.
    ///
    /// ## Fix
    /// Serve the image from the account's private ECR (a pull-through cache rule for
    /// `public.ecr.aws`, or a copy) and set Helm `image.repository`; or fix the tag; or give the
    /// node role `AmazonEC2ContainerRegistryReadOnly`.
    ///
    /// ## References
    /// - EKS private clusters: <https://docs.aws.amazon.com/eks/latest/userguide/private-clusters.html>
    /// - ECR pull-through cache: <https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html>
    pub ControllerImagePull {
        id: "NET-04",
        name: "controller-image-pull",
        summary: "the controller's image cannot be pulled",
        severity: Error,
    }
}

const PULL_FAILURES: &[&str] = &["ImagePullBackOff", "ErrImagePull", "ErrImageNeverPull"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Why {
    Unreachable,
    NoSuchTag,
    Refused,
    Unknown,
}

fn why(text: &str) -> Why {
    let has = |tokens: &[&str]| tokens.iter().any(|t| text.contains(t));
    if has(&["not found", "manifest unknown", "NotFound"]) {
        Why::NoSuchTag
    } else if has(&[
        "403 Forbidden",
        "401 Unauthorized",
        "unauthorized",
        "no basic auth credentials",
        "denied",
    ]) {
        Why::Refused
    } else if has(&[
        "i/o timeout",
        "dial tcp",
        "deadline exceeded",
        "context canceled",
        "no such host",
        "TLS handshake timeout",
    ]) {
        Why::Unreachable
    } else {
        Why::Unknown
    }
}

fn pull_failing(p: &Pod) -> bool {
    p.status.container_statuses.iter().any(|c| {
        c.state
            .waiting
            .as_ref()
            .and_then(|w| w.reason.as_deref())
            .is_some_and(|r| PULL_FAILURES.contains(&r))
    })
}

/// The account of the controller's IRSA role, for the private ECR host.
fn account(lbc: &Controller<'_>) -> String {
    lbc.pods
        .iter()
        .flat_map(|p| p.spec.containers.iter().flat_map(|c| &c.env))
        .find(|e| e.name == "AWS_ROLE_ARN")
        .and_then(|e| e.value.as_deref()?.split(':').nth(4).map(str::to_owned))
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| "<account-id>".into())
}

impl ControllerImagePull {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        let Some(lbc) = &cx.lbc else { return Ok(()) };
        let snap = cx.snapshot;
        let mut evidence: Vec<Evidence> = Vec::new();
        let mut texts: Vec<String> = Vec::new();
        let mut failing = 0;
        for p in &lbc.pods {
            let (ns, name) = (p.metadata.namespace(), p.metadata.name.as_str());
            let events: Vec<_> = snap
                .events_for("Pod", ns, name)
                .filter(|e| {
                    e.is_warning()
                        && (e.message.contains("Failed to pull image")
                            || e.message.contains("Back-off pulling image"))
                })
                .collect();
            if !pull_failing(p) && events.is_empty() {
                continue;
            }
            failing += 1;
            // The pull error itself says why; the back-off event only that it is waiting.
            for e in events
                .iter()
                .filter(|e| e.message.contains("Failed to pull image"))
                .take(1)
            {
                let m = event_message(e);
                texts.push(m.text.clone());
                evidence.push(m.evidence());
            }
            for c in &p.status.container_statuses {
                if let Some(w) = c.state.waiting.as_ref().filter(|w| {
                    w.reason
                        .as_deref()
                        .is_some_and(|r| PULL_FAILURES.contains(&r))
                }) {
                    let text = format!(
                        "{}: {}",
                        w.reason.as_deref().unwrap_or(""),
                        w.message.as_deref().unwrap_or("")
                    );
                    texts.push(text.clone());
                    evidence.push(Evidence::new(
                        EvidenceSource::Object,
                        format!("pods/{ns}/{name}"),
                        format!("container {} waiting: {text}", c.name),
                    ));
                }
            }
        }
        if failing == 0 {
            return Ok(());
        }
        let cause = texts
            .iter()
            .map(|t| why(t))
            .find(|w| *w != Why::Unknown)
            .unwrap_or(Why::Unknown);
        let (ns, name) = (lbc.namespace(), lbc.name());
        let image = &lbc.image;
        let ready = lbc.pods.iter().filter(|p| p.is_ready()).count();
        let region = cx.region();
        let mirror = format!(
            "{}.dkr.ecr.{region}.amazonaws.com/ecr-public/eks/aws-load-balancer-controller",
            account(lbc)
        );
        let public_ecr = image.starts_with("public.ecr.aws/");
        let pods = format!(
            "{failing} of {} pods of deployment/{ns}/{name}",
            lbc.pods.len()
        );
        let (message, summary, commands, terraform) = match cause {
            Why::Unreachable if public_ecr => (
                format!("{pods} cannot pull {image}: the nodes have no path to public.ecr.aws, which has no VPC endpoint"),
                format!("serve the image from this account's ECR (a pull-through cache rule for public.ecr.aws; the nodes need the ecr.api, ecr.dkr and s3 endpoints) and set image.repository to {mirror}"),
                vec![
                    format!("aws ecr create-pull-through-cache-rule --region {region} --ecr-repository-prefix ecr-public --upstream-registry-url public.ecr.aws"),
                    helm_set(ns, name, &[("image.repository", &mirror)]),
                ],
                Some(format!("resource \"aws_ecr_pull_through_cache_rule\" \"ecr_public\" {{\n  ecr_repository_prefix = \"ecr-public\"\n  upstream_registry_url = \"public.ecr.aws\"\n}}\n\n{}", helm_release_terraform(&[(
                    "image.repository",
                    "\"${data.aws_caller_identity.current.account_id}.dkr.ecr.${var.region}.amazonaws.com/ecr-public/eks/aws-load-balancer-controller\"",
                )]))),
            ),
            Why::NoSuchTag => (
                format!("{pods} cannot pull {image}: the registry has no such image or tag"),
                "use an image tag that exists (the chart's default for its version), or push it to the repository".to_owned(),
                vec![
                    "helm search repo eks/aws-load-balancer-controller --versions".into(),
                    format!("helm upgrade {name} eks/aws-load-balancer-controller -n {ns} --reuse-values --version <chart-version> --set image.tag=<controller-tag>"),
                ],
                None,
            ),
            Why::Refused => (
                format!("{pods} cannot pull {image}: the registry refuses the node's credentials"),
                "let the nodes pull from the registry: attach AmazonEC2ContainerRegistryReadOnly to the node role (or the pull secret the registry needs)".into(),
                vec!["aws iam attach-role-policy --role-name <node-role> --policy-arn arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly".into()],
                None,
            ),
            Why::Unreachable | Why::Unknown => (
                format!("{pods} cannot pull {image}"),
                "make the image pullable from the nodes (registry reachable, tag present, credentials)".into(),
                vec![format!("kubectl -n {ns} describe pod -l app.kubernetes.io/name=aws-load-balancer-controller")],
                None,
            ),
        };
        let mut f = Finding::new(&Self::META, cx.lbc_subject(), message)
            .evidence_all(evidence.into_iter().take(2))
            .fix(summary, commands, terraform);
        // With one replica still running the controller works; without any it does not.
        f = if ready == 0 {
            f.breaks(Key::WorkloadUp(
                "Deployment".into(),
                ns.to_owned(),
                name.to_owned(),
            ))
        } else {
            f.severity(Severity::Warning)
        };
        out.push(f);
        Ok(())
    }
}

impl_rule!(ControllerImagePull);
