use crate::bundle::Kind;
use crate::context::{Context, Message, NETWORK_ERRORS};
use crate::finding::{Evidence, EvidenceSource, Finding, Key};
use crate::fixes::{helm_release_terraform, restart_controller};
use crate::model::k8s::Pod;
use crate::rules::{Outcome, impl_rule};
use crate::scheduling::fargate_only;
use crate::snapshot::Input;
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds the load balancer controller failing to get credentials from EKS Pod Identity:
    /// calls to the Pod Identity agent at `169.254.170.23` that time out or are refused. It
    /// tells apart a controller on Fargate, where Pod Identity is not supported, from a cluster
    /// where the `eks-pod-identity-agent` add-on is missing or not running on the controller's
    /// node.
    ///
    /// ## Why it matters
    /// With a Pod Identity association the controller's SDK asks the node-local agent for
    /// credentials; without an agent every AWS call fails and no ALB is built. Fargate nodes
    /// never run the agent's DaemonSet, so there IRSA is the only way.
    ///
    /// ## Evidence
    /// `failed to refresh cached credentials, failed to load credentials, … Get
    /// "http://169.254.170.23/v1/credentials": dial tcp 169.254.170.23:80: i/o timeout` (or
    /// `connect: connection refused`); the controller pods' `AWS_CONTAINER_CREDENTIALS_FULL_URI`
    /// environment, their nodes, and the `eks-pod-identity-agent` DaemonSet and its pods.
    ///
    /// ## Example
    /// A Fargate-only cluster whose Terraform created an `aws_eks_pod_identity_association` for
    /// the controller instead of an IRSA role.
    ///
    /// ## Fix
    /// On Fargate: use IRSA (annotate the service account with a role whose trust policy names
    /// the cluster's OIDC provider) and delete the association. Elsewhere: install the
    /// `eks-pod-identity-agent` add-on and make sure its pods run on the controller's nodes.
    /// Then restart the controller.
    ///
    /// ## References
    /// - EKS Pod Identity: <https://docs.aws.amazon.com/eks/latest/userguide/pod-identities.html>
    /// - kubernetes-sigs/aws-load-balancer-controller#4027
    pub PodIdentityUnavailable {
        id: "IAM-06",
        name: "pod-identity-unavailable",
        summary: "the controller cannot get credentials from EKS Pod Identity",
        severity: Error,
    }
}

const AGENT: &str = "eks-pod-identity-agent";
const CREDENTIALS_URI: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";

/// A failed call to the Pod Identity agent (IPv4 or IPv6 address).
fn agent_failure(m: &Message) -> bool {
    (m.contains("169.254.170.23") || m.contains("fd00:ec2::23"))
        && (NETWORK_ERRORS.iter().any(|t| m.contains(t))
            || m.contains("failed to load credentials")
            || m.contains("CredentialsEndpointError"))
}

fn on_fargate(p: &Pod) -> bool {
    p.metadata
        .label("eks.amazonaws.com/fargate-profile")
        .is_some()
        || p.scheduler_name() == "fargate-scheduler"
        || p.spec
            .node_name
            .as_deref()
            .is_some_and(|n| n.starts_with("fargate-"))
}

fn uses_pod_identity(p: &Pod) -> bool {
    p.spec.containers.iter().flat_map(|c| &c.env).any(|e| {
        e.name == CREDENTIALS_URI
            && e.value
                .as_deref()
                .is_some_and(|v| v.contains("169.254.170.23") || v.contains("fd00:ec2::23"))
    })
}

/// Why the agent does not answer.
enum Cause {
    Fargate,
    /// No agent DaemonSet (DaemonSets were collected).
    NoAgent,
    /// The DaemonSet exists, but no ready agent pod runs on these nodes.
    NotOnNodes(Vec<String>),
    /// Not known from the bundle.
    Unknown,
}

impl PodIdentityUnavailable {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        let surfaced: Vec<&Message> = cx
            .lbc_messages
            .iter()
            .filter(|m| agent_failure(m))
            .collect();
        let pods: Vec<&Pod> = cx.lbc.as_ref().map(|l| l.pods.clone()).unwrap_or_default();
        let configured = !pods.is_empty() && pods.iter().all(|p| uses_pod_identity(p));
        let fargate = (!pods.is_empty() && pods.iter().all(|p| on_fargate(p))) || fargate_only(cx);
        let cause = if fargate {
            Cause::Fargate
        } else {
            Self::agent_cause(cx, &pods)
        };
        // Without an error, only a certain misconfiguration is worth a (latent) finding.
        let certain = configured && matches!(cause, Cause::Fargate | Cause::NoAgent);
        if surfaced.is_empty() && !certain {
            return Ok(());
        }
        let (ns, name) = cx.lbc_names();
        let sa = cx
            .lbc
            .as_ref()
            .map_or("aws-load-balancer-controller", |l| l.service_account());
        let cluster = cx.cluster_name();
        let prefix =
            format!("deployment/{ns}/{name} cannot get AWS credentials from EKS Pod Identity");
        let list_associations = format!(
            "aws eks list-pod-identity-associations --cluster-name {cluster} --namespace {ns} --service-account {sa}"
        );
        let (message, summary, mut commands, terraform) = match &cause {
            Cause::Fargate => (
                format!("{prefix}: it runs on Fargate, where the Pod Identity agent does not run (Pod Identity is not supported on Fargate)"),
                "use IRSA on Fargate: annotate the service account with an IAM role trusted by the cluster's OIDC provider, and delete the Pod Identity association".to_owned(),
                vec![
                    list_associations,
                    format!("aws eks delete-pod-identity-association --cluster-name {cluster} --association-id <association-id>"),
                    format!("kubectl -n {ns} annotate serviceaccount {sa} eks.amazonaws.com/role-arn=arn:aws:iam::<account-id>:role/<lbc-irsa-role> --overwrite"),
                ],
                Some(helm_release_terraform(&[(
                    "serviceAccount.annotations.eks\\\\.amazonaws\\\\.com/role-arn",
                    "module.lbc_irsa.iam_role_arn",
                )])),
            ),
            Cause::NoAgent | Cause::Unknown => (
                if matches!(cause, Cause::NoAgent) {
                    format!("{prefix}: the {AGENT} add-on is not installed, so nothing answers at 169.254.170.23")
                } else {
                    format!("{prefix}: the agent at 169.254.170.23 does not answer")
                },
                format!("install the {AGENT} add-on (and keep the controller's Pod Identity association), then restart the controller"),
                vec![
                    format!("kubectl -n kube-system get daemonset {AGENT} -o wide"),
                    format!("aws eks create-addon --cluster-name {cluster} --addon-name {AGENT}"),
                    list_associations,
                ],
                Some(format!("resource \"aws_eks_addon\" \"pod_identity_agent\" {{\n  cluster_name = aws_eks_cluster.this.name\n  addon_name   = \"{AGENT}\"\n}}\n\nresource \"aws_eks_pod_identity_association\" \"lbc\" {{\n  cluster_name    = aws_eks_cluster.this.name\n  namespace       = \"{ns}\"\n  service_account = \"{sa}\"\n  role_arn        = aws_iam_role.lbc.arn\n}}")),
            ),
            Cause::NotOnNodes(nodes) => (
                format!("{prefix}: no ready {AGENT} pod runs on {}, where its pods run", nodes.join(", ")),
                format!("make the {AGENT} DaemonSet run on the controller's nodes (its tolerations and node selector), then restart the controller"),
                vec![
                    format!("kubectl -n kube-system get pods -l app.kubernetes.io/name={AGENT} -o wide"),
                    format!("kubectl -n kube-system describe daemonset {AGENT}"),
                    format!("kubectl describe node {}", nodes[0]),
                ],
                None,
            ),
        };
        commands.push(restart_controller(&ns, &name));
        let mut f = Finding::new(&Self::META, cx.lbc_subject(), message)
            .evidence_all(surfaced.iter().rev().take(1).map(|m| m.evidence()))
            .evidence_all(pods.iter().find(|p| uses_pod_identity(p)).map(|p| {
                Evidence::new(
                    EvidenceSource::Object,
                    format!("pods/{}/{}", p.metadata.namespace(), p.metadata.name),
                    format!(
                        "{CREDENTIALS_URI} set; node {}",
                        p.spec.node_name.as_deref().unwrap_or("none")
                    ),
                )
            }))
            .breaks(Key::AlbReconcile)
            .fix(summary, commands, terraform);
        if matches!(cause, Cause::NoAgent) {
            f = f.evidence(Evidence::new(
                EvidenceSource::Object,
                "daemonsets -n kube-system",
                format!("no {AGENT} DaemonSet"),
            ));
        }
        if surfaced.is_empty() {
            f = f.latent();
        }
        out.push(f);
        Ok(())
    }

    fn agent_cause(cx: &Context<'_>, pods: &[&Pod]) -> Cause {
        if !cx.has(Input::Kube(Kind::DaemonSet)) {
            return Cause::Unknown;
        }
        let snap = cx.snapshot;
        let Some(ds) = snap
            .daemon_sets
            .iter()
            .find(|d| d.metadata.namespace() == "kube-system" && d.metadata.name == AGENT)
        else {
            return Cause::NoAgent;
        };
        if !cx.has(Input::Kube(Kind::Pod)) {
            return Cause::Unknown;
        }
        let agents = snap.pods_of("DaemonSet", ds);
        let mut nodes: Vec<String> = pods
            .iter()
            .filter_map(|p| p.spec.node_name.clone())
            .filter(|n| {
                !agents
                    .iter()
                    .any(|a| a.spec.node_name.as_deref() == Some(n.as_str()) && a.is_ready())
            })
            .collect();
        nodes.sort();
        nodes.dedup();
        if nodes.is_empty() {
            Cause::Unknown
        } else {
            Cause::NotOnNodes(nodes)
        }
    }
}

impl_rule!(PodIdentityUnavailable);
