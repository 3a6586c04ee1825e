//! Which cluster to read: the kubeconfig context (or in-cluster config), and what it tells about
//! the AWS side (cluster name, region, profile) without asking anyone.

use std::path::Path;
use std::sync::LazyLock;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig, NamedAuthInfo};
use regex::Regex;

use crate::CollectError;

/// What the kubeconfig says about the EKS cluster behind it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsHints {
    pub cluster: Option<String>,
    pub region: Option<String>,
    pub profile: Option<String>,
}

pub(crate) struct KubeTarget {
    pub client: kube::Client,
    /// Context name, or `in-cluster`: for messages.
    pub context: String,
    pub server: String,
    /// The certificates (DER) trusted for the API server.
    pub root_certs: Vec<Vec<u8>>,
    pub hints: AwsHints,
    /// The exec plugin that gets the token (`aws eks get-token …`), for messages.
    pub exec: Option<String>,
}

pub(crate) async fn resolve(
    kubeconfig: Option<&Path>,
    context: Option<&str>,
) -> Result<KubeTarget, CollectError> {
    let mut exec = None;
    let loaded = match kubeconfig {
        Some(path) => Some(
            Kubeconfig::read_from(path).map_err(|e| CollectError::Kubeconfig {
                tried: format!("kubeconfig {}", path.display()),
                error: crate::k8s::error_chain(&e),
            })?,
        ),
        // No kubeconfig on a pod: fall back to the in-cluster service account.
        None => match Kubeconfig::read() {
            Ok(kc) => Some(kc),
            Err(_) if context.is_none() && kube::Config::incluster().is_ok() => None,
            Err(e) => {
                return Err(CollectError::Kubeconfig {
                    tried: "$KUBECONFIG, ~/.kube/config and the in-cluster service account".into(),
                    error: crate::k8s::error_chain(&e),
                });
            }
        },
    };
    let (mut config, context_name, hints) = match loaded {
        Some(kc) => {
            let name = context
                .map(str::to_owned)
                .or_else(|| kc.current_context.clone())
                .unwrap_or_default();
            let hints = hints_from_kubeconfig(&kc, &name);
            exec = exec_command(&kc, &name);
            let options = KubeConfigOptions {
                context: context.map(str::to_owned),
                ..KubeConfigOptions::default()
            };
            let config = kube::Config::from_custom_kubeconfig(kc, &options)
                .await
                .map_err(|e| CollectError::Kubeconfig {
                    tried: format!(
                        "context {:?} of {}",
                        name,
                        kubeconfig.map_or("the default kubeconfig".to_owned(), |p| p
                            .display()
                            .to_string())
                    ),
                    error: crate::k8s::error_chain(&e),
                })?;
            (config, name, hints)
        }
        None => {
            let config = kube::Config::incluster().map_err(|e| CollectError::Kubeconfig {
                tried: "the in-cluster service account".into(),
                error: crate::k8s::error_chain(&e),
            })?;
            (config, "in-cluster".to_owned(), AwsHints::default())
        }
    };
    // A dead endpoint should fail in seconds, not after the default five minutes.
    config.connect_timeout = Some(Duration::from_secs(10));
    config.read_timeout = Some(Duration::from_secs(60));
    let server = config.cluster_url.to_string();
    let root_certs = config.root_cert.clone().unwrap_or_default();
    let mut hints = hints;
    if hints.region.is_none() {
        hints.region = region_from_server(&server);
    }
    // Building the client runs the exec plugin (`aws eks get-token`) for the first token.
    let client = kube::Client::try_from(config).map_err(|e| match e {
        kube::Error::Auth(_) => CollectError::Unauthorized {
            context: context_name.clone(),
            server: server.clone(),
            error: crate::exec_hint(crate::k8s::error_chain(&e), exec.as_deref()),
        },
        e => CollectError::Kubeconfig {
            tried: format!("context {context_name:?} (server {server})"),
            error: crate::k8s::error_chain(&e),
        },
    })?;
    Ok(KubeTarget {
        client,
        context: context_name,
        server,
        root_certs,
        hints,
        exec,
    })
}

/// Reads the cluster name, region and profile from the places `aws eks update-kubeconfig`,
/// eksctl and aws-iam-authenticator put them.
pub(crate) fn hints_from_kubeconfig(kc: &Kubeconfig, context: &str) -> AwsHints {
    let mut hints = AwsHints::default();
    let Some(ctx) = kc
        .contexts
        .iter()
        .find(|c| c.name == context)
        .and_then(|c| c.context.as_ref())
    else {
        return hints;
    };
    let user = ctx
        .user
        .as_ref()
        .and_then(|u| kc.auth_infos.iter().find(|a| &a.name == u));
    if let Some(user) = user {
        hints = hints_from_exec(user);
    }
    // `aws eks update-kubeconfig` names contexts and clusters by the cluster ARN;
    // eksctl as `user@<cluster>.<region>.eksctl.io`.
    for name in [context, ctx.cluster.as_str()] {
        if let Some((region, cluster)) = from_arn(name).or_else(|| from_eksctl(name)) {
            hints.region.get_or_insert(region);
            hints.cluster.get_or_insert(cluster);
        }
    }
    if hints.region.is_none() {
        hints.region = kc
            .clusters
            .iter()
            .find(|c| c.name == ctx.cluster)
            .and_then(|c| c.cluster.as_ref()?.server.as_deref())
            .and_then(region_from_server);
    }
    hints
}

/// The context user's exec plugin as a command line: `aws eks get-token --cluster-name demo`.
fn exec_command(kc: &Kubeconfig, context: &str) -> Option<String> {
    let user = kc
        .contexts
        .iter()
        .find(|c| c.name == context)?
        .context
        .as_ref()?
        .user
        .as_ref()?;
    let exec = kc
        .auth_infos
        .iter()
        .find(|a| &a.name == user)?
        .auth_info
        .as_ref()?
        .exec
        .as_ref()?;
    let mut words = vec![exec.command.clone()?];
    words.extend(exec.args.iter().flatten().cloned());
    Some(words.join(" "))
}

fn hints_from_exec(user: &NamedAuthInfo) -> AwsHints {
    let mut hints = AwsHints::default();
    let Some(exec) = user.auth_info.as_ref().and_then(|a| a.exec.as_ref()) else {
        return hints;
    };
    let args = exec.args.as_deref().unwrap_or_default();
    let flag = |names: &[&str]| {
        args.iter().enumerate().find_map(|(i, arg)| {
            names.iter().find_map(|name| {
                if arg == name {
                    args.get(i + 1).cloned()
                } else {
                    arg.strip_prefix(name)?.strip_prefix('=').map(str::to_owned)
                }
            })
        })
    };
    // aws eks get-token --cluster-name X --region R; aws-iam-authenticator token -i X.
    hints.cluster = flag(&["--cluster-name", "--cluster-id", "-i"]);
    hints.region = flag(&["--region"]);
    hints.profile = flag(&["--profile"]);
    for env in exec.env.iter().flatten() {
        let (Some(name), Some(value)) = (env.get("name"), env.get("value")) else {
            continue;
        };
        match name.as_str() {
            "AWS_PROFILE" => {
                hints.profile.get_or_insert_with(|| value.clone());
            }
            "AWS_REGION" | "AWS_DEFAULT_REGION" => {
                hints.region.get_or_insert_with(|| value.clone());
            }
            _ => {}
        }
    }
    hints
}

fn from_arn(name: &str) -> Option<(String, String)> {
    // arn:aws:eks:us-west-2:123456789012:cluster/demo
    let mut parts = name.splitn(6, ':');
    let (arn, _partition, service, region, _account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let cluster = resource.strip_prefix("cluster/")?;
    (arn == "arn" && service == "eks" && !region.is_empty() && !cluster.is_empty())
        .then(|| (region.to_owned(), cluster.to_owned()))
}

fn from_eksctl(name: &str) -> Option<(String, String)> {
    let host = name.rsplit_once('@').map_or(name, |(_, h)| h);
    let rest = host.strip_suffix(".eksctl.io")?;
    let (cluster, region) = rest.rsplit_once('.')?;
    (!cluster.is_empty() && !region.is_empty()).then(|| (region.to_owned(), cluster.to_owned()))
}

/// `https://ABC.gr7.us-west-2.eks.amazonaws.com` → `us-west-2`.
pub(crate) fn region_from_server(server: &str) -> Option<String> {
    static EKS_HOST: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\.([a-z]{2}(?:-[a-z]+)+-\d+)\.eks\.amazonaws\.com(?:\.cn)?(?::\d+)?(?:/|$)")
            .unwrap_or_else(|e| panic!("bad pattern: {e}"))
    });
    EKS_HOST.captures(server).map(|c| c[1].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_from_eks_endpoint() {
        assert_eq!(
            region_from_server("https://0123ABCD.gr7.us-west-2.eks.amazonaws.com").as_deref(),
            Some("us-west-2")
        );
        assert_eq!(
            region_from_server("https://X.yl4.cn-north-1.eks.amazonaws.com.cn/").as_deref(),
            Some("cn-north-1")
        );
        assert_eq!(region_from_server("https://127.0.0.1:6443"), None);
    }

    #[test]
    fn hints_from_aws_cli_kubeconfig() {
        let kc = Kubeconfig::from_yaml(
            r#"
apiVersion: v1
kind: Config
current-context: arn:aws:eks:eu-west-1:123456789012:cluster/shop
clusters:
- name: arn:aws:eks:eu-west-1:123456789012:cluster/shop
  cluster: {server: "https://AB.gr7.eu-west-1.eks.amazonaws.com"}
- name: other
  cluster: {server: "https://CD.gr7.ap-south-1.eks.amazonaws.com"}
contexts:
- name: arn:aws:eks:eu-west-1:123456789012:cluster/shop
  context: {cluster: "arn:aws:eks:eu-west-1:123456789012:cluster/shop", user: shop}
- name: plain
  context: {cluster: other, user: iam}
users:
- name: shop
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [--region, eu-west-1, eks, get-token, --cluster-name, shop, --output, json]
      env: [{name: AWS_PROFILE, value: prod}]
- name: iam
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws-iam-authenticator
      args: [token, -i, payments]
"#,
        )
        .unwrap();
        assert_eq!(
            hints_from_kubeconfig(&kc, "arn:aws:eks:eu-west-1:123456789012:cluster/shop"),
            AwsHints {
                cluster: Some("shop".into()),
                region: Some("eu-west-1".into()),
                profile: Some("prod".into()),
            }
        );
        assert_eq!(
            hints_from_kubeconfig(&kc, "plain"),
            AwsHints {
                cluster: Some("payments".into()),
                region: Some("ap-south-1".into()),
                profile: None,
            }
        );
        assert_eq!(
            from_eksctl("me@demo.us-east-2.eksctl.io"),
            Some(("us-east-2".into(), "demo".into()))
        );
    }
}
