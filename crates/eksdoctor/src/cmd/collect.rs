use super::fail;
use eksdoctor_collect::{Collected, K8sOptions, LiveOptions};
use std::path::PathBuf;
use std::process::ExitCode;

/// Where live evidence comes from: a kubeconfig context and the AWS credential chain.
/// Shared by `collect` and `diagnose` without `--bundle`.
#[derive(Debug, Clone, clap::Args)]
pub struct LiveArgs {
    /// Kubeconfig file [default: $KUBECONFIG, ~/.kube/config, then the in-cluster service account]
    #[arg(long, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context [default: the current context]
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// AWS profile [default: the one the context's `aws eks get-token` uses, then AWS_PROFILE]
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// AWS region [default: from the context (exec args, cluster ARN, API server URL), then the AWS config]
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// EKS cluster name [default: from the context, else the cluster whose endpoint or certificate authority the context uses]
    #[arg(long, value_name = "NAME")]
    pub cluster: Option<String>,
    /// Lines kept from the end of each container log
    #[arg(long, value_name = "N", default_value_t = K8sOptions::default().log_lines)]
    pub log_lines: u32,
    /// Kubernetes only: do not call AWS
    #[arg(long)]
    pub no_aws: bool,
}

impl LiveArgs {
    fn options(&self) -> LiveOptions {
        LiveOptions {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            profile: self.profile.clone(),
            region: self.region.clone(),
            cluster: self.cluster.clone(),
            no_aws: self.no_aws,
            progress: true,
            k8s: K8sOptions {
                log_lines: self.log_lines,
                ..K8sOptions::default()
            },
        }
    }

    /// Collects, then prints what was collected and what was not to stderr. Exit code 2 when
    /// the cluster cannot be reached.
    pub fn collect(&self) -> Result<Collected, ExitCode> {
        let collected = eksdoctor_collect::collect_live(&self.options()).map_err(fail)?;
        eprint!("{}", collected.summary());
        Ok(collected)
    }
}

/// Read the cluster and its AWS account into a bundle that `diagnose --bundle` reads offline.
///
/// Kubernetes: one paginated LIST per kind (nodes, namespaces, pods, events, services, endpoints,
/// endpointslices, deployments, replicasets, daemonsets, ingresses, ingressclasses,
/// serviceaccounts, webhook configurations, IngressClassParams, kube-system ConfigMaps; never
/// Secrets) and the last lines of the logs of the load balancer controller, CoreDNS and failing
/// pods. AWS (standard credential chain): the EKS cluster, Fargate profiles, add-ons, the
/// cluster VPC's subnets, route tables, gateways, endpoints and security groups, load balancers
/// and target health, the controller's IAM role and the OIDC providers.
///
/// Everything is read-only: deploy/rbac.yaml and deploy/iam-policy.json grant exactly what is
/// needed. What is refused is recorded in the bundle as not collected, and the rules that need
/// it are reported as skipped. Passwords, tokens, keys and JWTs are masked before anything is
/// written; the bundle appears only once complete.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit codes: 0 bundle written, 2 the cluster could not be read (unreachable, credentials not accepted, every list refused) or the bundle not written.\n\nExamples:\n  eksdoctor collect -o bundle.tar.gz\n  eksdoctor collect -o ./bundle --context prod --profile prod-readonly\n  eksdoctor collect -o bundle.tar.gz --no-aws\n  eksdoctor diagnose --bundle bundle.tar.gz"
)]
pub struct CollectArgs {
    /// Where to write the bundle: a .tar.gz/.tgz file, or else a new (or empty) directory
    #[arg(long, short, value_name = "PATH")]
    pub output: PathBuf,
    #[command(flatten)]
    pub live: LiveArgs,
}

pub fn run(args: CollectArgs) -> ExitCode {
    // A bundle that cannot be written is known before minutes of collecting.
    if let Err(e) = eksdoctor_collect::check_output(&args.output) {
        return fail(e);
    }
    let collected = match args.live.collect() {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Err(e) = eksdoctor_collect::write_bundle(&collected, &args.output) {
        return fail(e);
    }
    eprintln!("wrote {}", args.output.display());
    ExitCode::SUCCESS
}
