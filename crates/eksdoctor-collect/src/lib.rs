//! eksdoctor's live mode: reads a cluster through the Kubernetes API and its AWS account through
//! the AWS SDK into a bundle (the layout of CONTRACT.md §1), read-only, secrets masked.
//!
//! Kubernetes: one paginated LIST per kind, all kinds at once, then bounded log tails of the LBC,
//! CoreDNS and failing pods. AWS: the EKS cluster, its VPC network, load balancers and the LBC's
//! IAM role. Whatever is refused or unreachable becomes a note in `collect-notes.json`, never a
//! crash; only a cluster that cannot be reached at all is an error.

mod aws;
mod bundle;
mod k8s;
mod progress;
mod redact;
mod target;

use std::path::PathBuf;

pub use aws_config::SdkConfig;
pub use bundle::{
    BundleFile, BundleMeta, Collected, META_FILE, NOTES_FILE, NotCollected, WriteError,
    check_output, write_bundle,
};
pub use k8s::K8sOptions;
pub use target::AwsHints;

use eksdoctor_analysis::snapshot::Input;
use progress::Progress;

/// What `eksdoctor collect` and `eksdoctor diagnose` without `--bundle` were asked to read.
#[derive(Debug, Clone, Default)]
pub struct LiveOptions {
    /// Kubeconfig file; default `$KUBECONFIG`, `~/.kube/config`, then the in-cluster account.
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context; default the current one.
    pub context: Option<String>,
    /// AWS profile; default what the context's exec config names, then the standard chain.
    pub profile: Option<String>,
    /// AWS region; default from the context (exec args, cluster ARN, server URL).
    pub region: Option<String>,
    /// EKS cluster name; default from the context, else the cluster whose endpoint matches.
    pub cluster: Option<String>,
    /// Kubernetes only.
    pub no_aws: bool,
    /// Draw progress on stderr (only when it is a terminal).
    pub progress: bool,
    pub k8s: K8sOptions,
}

#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("cannot load Kubernetes credentials: tried {tried}: {error}")]
    Kubeconfig { tried: String, error: String },
    #[error(
        "cannot reach the Kubernetes API server: context {context:?}, server {server}: {error}"
    )]
    Unreachable {
        context: String,
        server: String,
        error: String,
    },
    #[error(
        "cannot authenticate to the Kubernetes API server: context {context:?}, server {server}: \
         {error}"
    )]
    Unauthorized {
        context: String,
        server: String,
        error: String,
    },
    #[error(
        "the Kubernetes API server refused every list: context {context:?}, server {server}: \
         {error}; deploy/rbac.yaml grants what eksdoctor reads"
    )]
    Refused {
        context: String,
        server: String,
        error: String,
    },
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
}

/// Where the AWS evidence comes from.
pub enum AwsSource {
    /// Not collected, for this reason (it lands in every AWS note).
    Skip(String),
    /// The standard credential chain, with this profile and region if given. Resolved only once
    /// the cluster has answered: an unreachable cluster asks nothing of AWS.
    Chain {
        profile: Option<String>,
        region: Option<String>,
    },
    Config(Box<SdkConfig>),
}

/// A cluster to read, already connected.
pub struct Sources {
    pub kube: kube::Client,
    /// For messages: the kubeconfig context (or `in-cluster`) and the API server URL.
    pub context: String,
    pub server: String,
    /// The certificates (DER) the client trusts for the API server, to find the EKS cluster by
    /// its certificate authority when its name is unknown and `server` is not its endpoint.
    pub root_certs: Vec<Vec<u8>>,
    pub aws: AwsSource,
    /// EKS cluster name and region, if known.
    pub cluster: Option<String>,
    pub region: Option<String>,
}

/// The AWS config loader every live run starts from: standard credential chain, rustls on ring
/// (no second crypto library next to kube's), timeouts that fail fast.
pub fn aws_config_loader() -> aws_config::ConfigLoader {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(aws::http_client())
        .timeout_config(aws::timeouts())
}

/// Collects from the current (or given) kubeconfig context and the standard AWS credential
/// chain. Blocks; runs its own async runtime.
pub fn collect_live(opts: &LiveOptions) -> Result<Collected, CollectError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CollectError::Runtime)?;
    runtime.block_on(async {
        let target = target::resolve(opts.kubeconfig.as_deref(), opts.context.as_deref()).await?;
        let hints = &target.hints;
        let region = opts.region.clone().or_else(|| hints.region.clone());
        let aws = if opts.no_aws {
            AwsSource::Skip("skipped: --no-aws".to_owned())
        } else {
            AwsSource::Chain {
                profile: opts.profile.clone().or_else(|| hints.profile.clone()),
                region: region.clone(),
            }
        };
        let exec = target.exec.clone();
        let sources = Sources {
            cluster: opts.cluster.clone().or_else(|| hints.cluster.clone()),
            kube: target.client,
            context: target.context,
            server: target.server,
            root_certs: target.root_certs,
            aws,
            region,
        };
        collect(sources, &opts.k8s, opts.progress)
            .await
            .map_err(|err| match err {
                CollectError::Unauthorized {
                    context,
                    server,
                    error,
                } => CollectError::Unauthorized {
                    context,
                    server,
                    error: exec_hint(error, exec.as_deref()),
                },
                err => err,
            })
    })
}

/// Names the exec plugin when credentials failed: its own message rarely does.
pub(crate) fn exec_hint(error: String, exec: Option<&str>) -> String {
    match exec {
        Some(exec) => format!(
            "{error} (the context's user gets its token from `{exec}`: is that command \
             installed, on PATH, and able to get credentials?)"
        ),
        None => error,
    }
}

/// The credential chain, checked: a config with a region and credentials, or why not.
async fn load_aws(profile: Option<String>, region: Option<String>) -> Result<SdkConfig, String> {
    use aws_sdk_eks::config::ProvideCredentials;
    let mut loader = aws_config_loader();
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = region {
        loader = loader.region(aws_config::Region::new(region));
    }
    let config = loader.load().await;
    if config.region().is_none() {
        return Err(
            "AWS region unknown (not in the kubeconfig context or the AWS config): pass --region; \
             Kubernetes-only diagnosis"
                .to_owned(),
        );
    }
    let Some(provider) = config.credentials_provider() else {
        return Err("no AWS credentials configured; Kubernetes-only diagnosis".into());
    };
    match provider.provide_credentials().await {
        Ok(_) => Ok(config),
        Err(e) => Err(format!(
            "no AWS credentials found ({}); Kubernetes-only diagnosis",
            k8s::error_chain(&e)
        )),
    }
}

/// Collects from connected sources: every Kubernetes list at once; AWS as soon as the cluster
/// has answered one request (an unreachable cluster asks nothing of AWS), alongside the rest of
/// the lists' pages; then the log tails and the LBC's IAM role, which need the lists.
pub async fn collect(
    sources: Sources,
    k8s_opts: &K8sOptions,
    show_progress: bool,
) -> Result<Collected, CollectError> {
    use futures::FutureExt;

    let progress = Progress::new(show_progress);
    // None while no list has answered; then whether the cluster answered at all.
    let (answered_tx, mut answered_rx) = tokio::sync::watch::channel(None::<bool>);
    let aws_source = sources.aws;
    let aws_config = async move {
        let answered = answered_rx
            .wait_for(Option::is_some)
            .await
            .ok()?
            .unwrap_or(false);
        if !answered {
            return None;
        }
        Some(match aws_source {
            AwsSource::Skip(reason) => Err(reason),
            AwsSource::Config(config) => Ok(*config),
            AwsSource::Chain { profile, region } => load_aws(profile, region).await,
        })
    }
    .shared();

    let kube = &sources.kube;
    let progress_ref = &progress;
    let kubernetes = {
        let aws_config = aws_config.clone();
        async move {
            let listed = k8s::list(kube, k8s_opts, progress_ref, &answered_tx).await;
            if listed.no_access.is_some() {
                return (listed, Vec::new(), Vec::new(), None);
            }
            let ((files, notes), role) =
                tokio::join!(k8s::logs(kube, &listed, k8s_opts, progress_ref), async {
                    match (aws_config.await, listed.lbc_role_arn.as_deref()) {
                        (Some(Ok(config)), Some(arn)) => Some(
                            aws::lbc_role(&aws::AwsClients::new(&config), arn, progress_ref).await,
                        ),
                        _ => None,
                    }
                });
            (listed, files, notes, role)
        }
    };
    let identity = aws::Identity {
        name: sources.cluster.as_deref(),
        server: &sources.server,
        root_certs: &sources.root_certs,
    };
    let aws = async {
        let config = aws_config.clone().await?;
        Some(match config {
            Ok(config) => {
                let clients = aws::AwsClients::new(&config);
                let out = aws::cluster_and_network(&clients, &identity, progress_ref).await;
                Ok((config, out))
            }
            Err(reason) => Err(reason),
        })
    };
    let ((listed, log_files, log_notes, role), aws) = tokio::join!(kubernetes, aws);
    progress.finish();
    if let Some(no_access) = listed.no_access {
        let (context, server) = (sources.context, sources.server);
        return Err(match no_access {
            k8s::NoAccess::Unreachable(error) => CollectError::Unreachable {
                context,
                server,
                error,
            },
            k8s::NoAccess::Unauthorized(error) => CollectError::Unauthorized {
                context,
                server,
                error,
            },
            k8s::NoAccess::Refused(error) => CollectError::Refused {
                context,
                server,
                error,
            },
        });
    }

    let mut collected = Collected {
        files: listed.files,
        notes: listed.notes,
        meta: BundleMeta {
            cluster: sources.cluster.clone(),
            region: sources.region.clone(),
            collected_at: Some(now_rfc3339()),
        },
    };
    collected.files.extend(log_files);
    collected.notes.extend(log_notes);
    match aws {
        Some(Ok((config, mut aws_out))) => {
            collected.meta.region = config
                .region()
                .map(|r| r.to_string())
                .or(collected.meta.region);
            collected.meta.cluster = aws_out.cluster.clone().or(collected.meta.cluster);
            if let Some(role) = role {
                aws_out.merge(role);
            }
            collected.files.extend(aws_out.files);
            collected.notes.extend(aws_out.notes);
            // No role annotation is evidence the service account shows; a missing list is not.
            let sa = Input::Kube(eksdoctor_analysis::bundle::Kind::ServiceAccount).name();
            if listed.lbc_role_arn.is_none() && collected.notes.iter().any(|n| n.what == sa) {
                collected.notes.push(NotCollected {
                    what: Input::Roles.name().to_owned(),
                    reason: "the LBC's role is unknown: service accounts not collected".into(),
                });
            }
        }
        Some(Err(reason)) => collected.notes.extend(aws::skipped_all(&reason)),
        // The cluster answered, so the AWS side ran; `None` only when it did not.
        None => {}
    }
    Ok(collected.finish())
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}
