//! AWS collection: the EKS cluster, its VPC, load balancers and the LBC's IAM role, written as
//! the aws CLI prints them. Read-only calls only (see `actions`); a refusal becomes a note.

mod actions;
mod shape;

use std::future::Future;
use std::time::Duration;

use actions::Action;
use aws_config::SdkConfig;
use aws_sdk_ec2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::types::Filter;
use aws_sdk_eks::operation::describe_cluster::DescribeClusterOutput;
use futures::StreamExt;
use futures::future::join_all;
use serde_json::Value;

use eksdoctor_analysis::snapshot::Input;

use crate::bundle::{BundleFile, NotCollected, to_json};
use crate::progress::Progress;
use crate::redact;

/// A file the collector writes: its bundle path, the top-level key that identifies it, and the
/// evidence it is to the analysis (the name notes use).
#[derive(Debug, Clone, Copy)]
pub(crate) struct AwsFile {
    pub path: &'static str,
    pub key: &'static str,
    pub input: Input,
}

const fn f(path: &'static str, key: &'static str, input: Input) -> AwsFile {
    AwsFile { path, key, input }
}

const CLUSTER: AwsFile = f("aws/eks-describe-cluster.json", "cluster", Input::Cluster);
const FARGATE_PROFILE: AwsFile = f(
    "aws/eks-describe-fargate-profile.json",
    "fargateProfile",
    Input::FargateProfiles,
);
const ADDON: AwsFile = f("aws/eks-describe-addon.json", "addon", Input::Addons);
const VPCS: AwsFile = f("aws/ec2-describe-vpcs.json", "Vpcs", Input::Vpcs);
const SUBNETS: AwsFile = f("aws/ec2-describe-subnets.json", "Subnets", Input::Subnets);
const ROUTE_TABLES: AwsFile = f(
    "aws/ec2-describe-route-tables.json",
    "RouteTables",
    Input::RouteTables,
);
const NAT_GATEWAYS: AwsFile = f(
    "aws/ec2-describe-nat-gateways.json",
    "NatGateways",
    Input::NatGateways,
);
const INTERNET_GATEWAYS: AwsFile = f(
    "aws/ec2-describe-internet-gateways.json",
    "InternetGateways",
    Input::InternetGateways,
);
const VPC_ENDPOINTS: AwsFile = f(
    "aws/ec2-describe-vpc-endpoints.json",
    "VpcEndpoints",
    Input::VpcEndpoints,
);
const SECURITY_GROUPS: AwsFile = f(
    "aws/ec2-describe-security-groups.json",
    "SecurityGroups",
    Input::SecurityGroups,
);
const LOAD_BALANCERS: AwsFile = f(
    "aws/elbv2-describe-load-balancers.json",
    "LoadBalancers",
    Input::LoadBalancers,
);
const TARGET_GROUPS: AwsFile = f(
    "aws/elbv2-describe-target-groups.json",
    "TargetGroups",
    Input::TargetGroups,
);
const TARGET_HEALTH: AwsFile = f(
    "aws/elbv2-describe-target-health.json",
    "TargetHealthDescriptions",
    Input::TargetHealth,
);
const ROLE: AwsFile = f("aws/iam-get-role.json", "Role", Input::Roles);
const OIDC_PROVIDERS: AwsFile = f(
    "aws/iam-list-open-id-connect-providers.json",
    "OpenIDConnectProviderList",
    Input::OidcProviders,
);

/// What depends on knowing the VPC.
const VPC_FILES: &[AwsFile] = &[
    VPCS,
    SUBNETS,
    ROUTE_TABLES,
    NAT_GATEWAYS,
    INTERNET_GATEWAYS,
    VPC_ENDPOINTS,
    SECURITY_GROUPS,
];

/// Every file, for notes when AWS is skipped as a whole.
pub(crate) const FILES: &[AwsFile] = &[
    CLUSTER,
    FARGATE_PROFILE,
    ADDON,
    VPCS,
    SUBNETS,
    ROUTE_TABLES,
    NAT_GATEWAYS,
    INTERNET_GATEWAYS,
    VPC_ENDPOINTS,
    SECURITY_GROUPS,
    LOAD_BALANCERS,
    TARGET_GROUPS,
    TARGET_HEALTH,
    ROLE,
    OIDC_PROVIDERS,
];

/// Notes for every AWS file, all for the same reason (no credentials, `--no-aws`, no region).
pub(crate) fn skipped_all(reason: &str) -> Vec<NotCollected> {
    FILES
        .iter()
        .map(|f| NotCollected {
            what: f.input.name().to_owned(),
            reason: reason.to_owned(),
        })
        .collect()
}

/// An HTTPS client on rustls with ring: the same TLS stack kube uses, no second crypto library.
pub(crate) fn http_client() -> aws_sdk_ec2::config::SharedHttpClient {
    use aws_smithy_http_client::tls;
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

/// Timeouts so that an unreachable endpoint costs seconds, not minutes.
pub(crate) fn timeouts() -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .operation_attempt_timeout(Duration::from_secs(30))
        .build()
}

#[derive(Default)]
pub(crate) struct AwsOutcome {
    pub files: Vec<BundleFile>,
    pub notes: Vec<NotCollected>,
    pub cluster: Option<String>,
}

impl AwsOutcome {
    /// `{key: value}` at `path` (the file's own path, or one named after an item).
    fn file(&mut self, file: AwsFile, path: String, mut value: Value) {
        redact::object(&mut value);
        let mut top = serde_json::Map::new();
        top.insert(file.key.to_owned(), value);
        self.files.push(BundleFile {
            path,
            contents: to_json(&top),
        });
    }

    /// A note under the evidence name; an item's own file (one add-on, one target group) is
    /// named in the reason.
    fn note(&mut self, file: AwsFile, path: String, reason: impl Into<String>) {
        let reason = reason.into();
        self.notes.push(NotCollected {
            what: file.input.name().to_owned(),
            reason: if path == file.path {
                reason
            } else {
                format!("{path}: {reason}")
            },
        });
    }

    pub(crate) fn merge(&mut self, other: AwsOutcome) {
        self.files.extend(other.files);
        self.notes.extend(other.notes);
    }

    /// Records `result` in the file's own path, or a note why not.
    fn record(&mut self, file: AwsFile, result: Result<Value, String>) {
        self.record_at(file, file.path.to_owned(), result);
    }

    fn record_at(&mut self, file: AwsFile, path: String, result: Result<Value, String>) {
        match result {
            Ok(value) => self.file(file, path, value),
            Err(reason) => self.note(file, path, reason),
        }
    }
}

/// One call: progress, and the error turned into a reason that names the action.
async fn call<T, E, R>(
    action: Action,
    progress: &Progress,
    fut: impl Future<Output = Result<T, SdkError<E, R>>>,
) -> Result<T, String>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let name = action.iam_name();
    progress.start(name);
    let result = fut.await;
    progress.done(name);
    result.map_err(|err| {
        let code = err.code().unwrap_or_default();
        let message = err.message().unwrap_or_default();
        match code {
            "AccessDenied"
            | "AccessDeniedException"
            | "UnauthorizedOperation"
            | "UnauthorizedAccess" => format!("access denied ({name}): {code}: {message}"),
            "" => format!("{name} failed: {}", DisplayErrorContext(&err)),
            _ => format!("{name} failed: {code}: {message}"),
        }
    })
}

fn file_name_part(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// One file per item: `aws/eks-describe-addon-coredns.json`.
fn with_name(file: AwsFile, name: &str) -> String {
    let stem = file.path.trim_end_matches(".json");
    format!("{stem}-{}.json", file_name_part(name))
}

pub(crate) struct AwsClients {
    eks: aws_sdk_eks::Client,
    ec2: aws_sdk_ec2::Client,
    elb: aws_sdk_elasticloadbalancingv2::Client,
    iam: aws_sdk_iam::Client,
}

impl AwsClients {
    pub(crate) fn new(config: &SdkConfig) -> Self {
        Self {
            eks: aws_sdk_eks::Client::new(config),
            ec2: aws_sdk_ec2::Client::new(config),
            elb: aws_sdk_elasticloadbalancingv2::Client::new(config),
            iam: aws_sdk_iam::Client::new(config),
        }
    }
}

/// Everything but the LBC's role, on the shortest path: calls that need nothing start at once
/// (load balancers, target groups, OIDC providers; Fargate profiles and add-ons when the
/// cluster name is known); the VPC's network starts as soon as `describe-cluster` names the
/// VPC; target health waits only for the VPC, to ask about its own target groups only.
pub(crate) async fn cluster_and_network(
    clients: &AwsClients,
    identity: &Identity<'_>,
    progress: &Progress,
) -> AwsOutcome {
    let (vpc_tx, vpc_rx) = tokio::sync::oneshot::channel::<Option<String>>();
    let cluster_side = async move {
        let mut out = AwsOutcome::default();
        let (name, found) = match identity.name {
            Some(c) => (Some(c.to_owned()), None),
            None => match find_cluster(clients, identity, progress, &mut out).await {
                Some((name, described)) => (Some(name), Some(described)),
                None => (None, None),
            },
        };
        out.cluster = name.clone();
        let Some(name) = name else {
            let _ = vpc_tx.send(None);
            // find_cluster noted why when it could not ask.
            let reason = format!(
                "EKS cluster name unknown (no cluster of the region has the API endpoint {} or \
                 its certificate authority): pass --cluster",
                identity.server
            );
            for file in [CLUSTER, FARGATE_PROFILE, ADDON].iter().chain(VPC_FILES) {
                if !out.notes.iter().any(|n| n.what == file.input.name()) {
                    out.note(*file, file.path.to_owned(), reason.clone());
                }
            }
            return out;
        };
        let (network, fargate, addons) = tokio::join!(
            async {
                let described = match found {
                    Some(d) => Ok(d),
                    None => {
                        call(
                            Action::EksDescribeCluster,
                            progress,
                            clients.eks.describe_cluster().name(&name).send(),
                        )
                        .await
                    }
                };
                let mut out = AwsOutcome::default();
                let vpc = match record_cluster(&mut out, described) {
                    Some(VpcRef::Id(id)) => Some(id),
                    Some(VpcRef::OfSubnets(subnets)) => {
                        vpc_of_subnets(clients, subnets, progress).await
                    }
                    None => None,
                };
                let _ = vpc_tx.send(vpc.clone());
                match &vpc {
                    Some(vpc) => out.merge(vpc_network(clients, vpc, progress).await),
                    None => {
                        for file in VPC_FILES {
                            out.note(
                                *file,
                                file.path.to_owned(),
                                "cluster VPC unknown: eks describe-cluster failed",
                            );
                        }
                    }
                }
                out
            },
            fargate_profiles(&clients.eks, &name, progress),
            addons(&clients.eks, &name, progress),
        );
        out.merge(network);
        out.merge(fargate);
        out.merge(addons);
        out
    };
    let (mut out, elb, oidc) = tokio::join!(
        cluster_side,
        // A dropped sender (no VPC known) reads as "every load balancer of the region".
        elbv2(clients, async { vpc_rx.await.ok().flatten() }, progress),
        oidc_providers(clients, progress),
    );
    out.merge(elb);
    out.merge(oidc);
    out
}

/// What tells the EKS cluster behind the kubeconfig context apart from the account's others.
pub(crate) struct Identity<'a> {
    /// Its name, when the context or `--cluster` says it.
    pub name: Option<&'a str>,
    /// The API server URL the client talks to.
    pub server: &'a str,
    /// The certificates (DER) the client trusts for the API server: the kubeconfig's
    /// `certificate-authority-data` or the in-cluster service account's `ca.crt`. They find the
    /// cluster where the URL is not its EKS endpoint (in-cluster `kubernetes.default.svc`, an
    /// alias or a tunnel).
    pub root_certs: &'a [Vec<u8>],
}

/// The cluster whose API endpoint is the client's server, or whose certificate authority the
/// client trusts, with its description.
async fn find_cluster(
    clients: &AwsClients,
    identity: &Identity<'_>,
    progress: &Progress,
    out: &mut AwsOutcome,
) -> Option<(String, DescribeClusterOutput)> {
    let server = identity.server.trim_end_matches('/').to_ascii_lowercase();
    let names = call(
        Action::EksListClusters,
        progress,
        clients
            .eks
            .list_clusters()
            .into_paginator()
            .items()
            .send()
            .try_collect(),
    )
    .await;
    let names = match names {
        Ok(names) => names,
        Err(reason) => {
            out.note(
                CLUSTER,
                CLUSTER.path.to_owned(),
                format!("EKS cluster name unknown and not found: {reason}; pass --cluster"),
            );
            return None;
        }
    };
    let described = join_all(names.iter().map(|name| {
        call(
            Action::EksDescribeCluster,
            progress,
            clients.eks.describe_cluster().name(name).send(),
        )
    }))
    .await;
    described.into_iter().flatten().find_map(|d| {
        let c = d.cluster()?;
        let endpoint = c.endpoint().unwrap_or_default();
        let by_endpoint = endpoint.trim_end_matches('/').eq_ignore_ascii_case(&server);
        let ca = c.certificate_authority().and_then(|a| a.data());
        let name = c.name()?.to_owned();
        (by_endpoint || ca_matches(ca, identity.root_certs)).then_some((name, d))
    })
}

/// Whether EKS's `certificateAuthority.data` (base64 of a PEM bundle) holds one of `root_certs`.
fn ca_matches(data: Option<&str>, root_certs: &[Vec<u8>]) -> bool {
    let Some(pem) = data.filter(|_| !root_certs.is_empty()).and_then(base64) else {
        return false;
    };
    let pem = String::from_utf8_lossy(&pem);
    pem.split("-----BEGIN CERTIFICATE-----")
        .skip(1)
        .filter_map(|block| base64(block.split("-----END CERTIFICATE-----").next()?))
        .any(|der| root_certs.contains(&der))
}

/// Standard base64, line breaks allowed (the decoder k8s-openapi uses for `ByteString`).
fn base64(text: &str) -> Option<Vec<u8>> {
    let clean: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    serde_json::from_value::<k8s_openapi::ByteString>(Value::String(clean))
        .ok()
        .map(|b| b.0)
}

/// How to find the cluster's VPC: its id, or (when the answer omits it) the cluster's subnets.
enum VpcRef {
    Id(String),
    OfSubnets(Vec<String>),
}

async fn vpc_of_subnets(
    clients: &AwsClients,
    subnets: Vec<String>,
    progress: &Progress,
) -> Option<String> {
    let found = call(
        Action::Ec2DescribeSubnets,
        progress,
        clients
            .ec2
            .describe_subnets()
            .set_subnet_ids(Some(subnets))
            .send(),
    )
    .await
    .ok()?;
    found
        .subnets()
        .iter()
        .find_map(|s| s.vpc_id().map(str::to_owned))
}

/// Writes `describe-cluster`'s answer (or a note why not); says where the VPC is.
fn record_cluster(
    out: &mut AwsOutcome,
    result: Result<DescribeClusterOutput, String>,
) -> Option<VpcRef> {
    match result {
        Ok(output) => match output.cluster() {
            Some(c) => {
                out.file(CLUSTER, CLUSTER.path.to_owned(), shape::cluster(c));
                c.resources_vpc_config().and_then(|v| match v.vpc_id() {
                    Some(id) => Some(VpcRef::Id(id.to_owned())),
                    None if !v.subnet_ids().is_empty() => {
                        Some(VpcRef::OfSubnets(v.subnet_ids().to_vec()))
                    }
                    None => None,
                })
            }
            None => {
                out.note(CLUSTER, CLUSTER.path.to_owned(), "empty answer");
                None
            }
        },
        Err(reason) => {
            out.note(CLUSTER, CLUSTER.path.to_owned(), reason);
            None
        }
    }
}

async fn fargate_profiles(
    eks: &aws_sdk_eks::Client,
    cluster: &str,
    progress: &Progress,
) -> AwsOutcome {
    let mut out = AwsOutcome::default();
    let names = call(
        Action::EksListFargateProfiles,
        progress,
        eks.list_fargate_profiles()
            .cluster_name(cluster)
            .into_paginator()
            .items()
            .send()
            .try_collect(),
    )
    .await;
    let names = match names {
        Ok(names) => names,
        Err(reason) => {
            out.note(FARGATE_PROFILE, FARGATE_PROFILE.path.to_owned(), reason);
            return out;
        }
    };
    let described = join_all(names.iter().map(|name| async move {
        let result = call(
            Action::EksDescribeFargateProfile,
            progress,
            eks.describe_fargate_profile()
                .cluster_name(cluster)
                .fargate_profile_name(name)
                .send(),
        )
        .await;
        (name, result)
    }))
    .await;
    for (name, result) in described {
        let result = result.and_then(|o| {
            o.fargate_profile()
                .map(shape::fargate_profile)
                .ok_or_else(|| "empty answer".to_owned())
        });
        out.record_at(FARGATE_PROFILE, with_name(FARGATE_PROFILE, name), result);
    }
    out
}

async fn addons(eks: &aws_sdk_eks::Client, cluster: &str, progress: &Progress) -> AwsOutcome {
    let mut out = AwsOutcome::default();
    let names = call(
        Action::EksListAddons,
        progress,
        eks.list_addons()
            .cluster_name(cluster)
            .into_paginator()
            .items()
            .send()
            .try_collect(),
    )
    .await;
    let names = match names {
        Ok(names) => names,
        Err(reason) => {
            out.note(ADDON, ADDON.path.to_owned(), reason);
            return out;
        }
    };
    let described = join_all(names.iter().map(|name| async move {
        let result = call(
            Action::EksDescribeAddon,
            progress,
            eks.describe_addon()
                .cluster_name(cluster)
                .addon_name(name)
                .send(),
        )
        .await;
        (name, result)
    }))
    .await;
    for (name, result) in described {
        let result = result.and_then(|o| {
            o.addon()
                .map(shape::addon)
                .ok_or_else(|| "empty answer".to_owned())
        });
        out.record_at(ADDON, with_name(ADDON, name), result);
    }
    out
}

/// The cluster VPC's network: seven calls at once, each filtered to the VPC.
async fn vpc_network(clients: &AwsClients, vpc: &str, progress: &Progress) -> AwsOutcome {
    let by_vpc = |name: &str| Filter::builder().name(name).values(vpc).build();
    let ec2 = &clients.ec2;
    let (vpcs, subnets, route_tables, nats, igws, endpoints, groups) = tokio::join!(
        call(
            Action::Ec2DescribeVpcs,
            progress,
            ec2.describe_vpcs()
                .vpc_ids(vpc)
                .into_paginator()
                .items()
                .send()
                .try_collect(),
        ),
        call(
            Action::Ec2DescribeSubnets,
            progress,
            ec2.describe_subnets()
                .filters(by_vpc("vpc-id"))
                .into_paginator()
                .items()
                .send()
                .try_collect(),
        ),
        call(
            Action::Ec2DescribeRouteTables,
            progress,
            ec2.describe_route_tables()
                .filters(by_vpc("vpc-id"))
                .into_paginator()
                .items()
                .send()
                .try_collect(),
        ),
        call(
            Action::Ec2DescribeNatGateways,
            progress,
            ec2.describe_nat_gateways()
                .filter(by_vpc("vpc-id"))
                .into_paginator()
                .items()
                .send()
                .try_collect(),
        ),
        call(
            Action::Ec2DescribeInternetGateways,
            progress,
            ec2.describe_internet_gateways()
                .filters(by_vpc("attachment.vpc-id"))
                .into_paginator()
                .items()
                .send()
                .try_collect(),
        ),
        call(
            Action::Ec2DescribeVpcEndpoints,
            progress,
            ec2.describe_vpc_endpoints()
                .filters(by_vpc("vpc-id"))
                .into_paginator()
                .items()
                .send()
                .try_collect(),
        ),
        call(
            Action::Ec2DescribeSecurityGroups,
            progress,
            ec2.describe_security_groups()
                .filters(by_vpc("vpc-id"))
                .into_paginator()
                .items()
                .send()
                .try_collect(),
        ),
    );
    let mut out = AwsOutcome::default();
    let arr = |items: Vec<Value>| Value::Array(items);
    out.record(VPCS, vpcs.map(|v| arr(v.iter().map(shape::vpc).collect())));
    out.record(
        SUBNETS,
        subnets.map(|v| arr(v.iter().map(shape::subnet).collect())),
    );
    out.record(
        ROUTE_TABLES,
        route_tables.map(|v| arr(v.iter().map(shape::route_table).collect())),
    );
    out.record(
        NAT_GATEWAYS,
        nats.map(|v| arr(v.iter().map(shape::nat_gateway).collect())),
    );
    out.record(
        INTERNET_GATEWAYS,
        igws.map(|v| arr(v.iter().map(shape::internet_gateway).collect())),
    );
    out.record(
        VPC_ENDPOINTS,
        endpoints.map(|v| arr(v.iter().map(shape::vpc_endpoint).collect())),
    );
    out.record(
        SECURITY_GROUPS,
        groups.map(|v| arr(v.iter().map(shape::security_group).collect())),
    );
    out
}

/// Load balancers and target groups of the VPC (all of the region when the VPC is unknown),
/// and the health of each target group's targets.
async fn elbv2(
    clients: &AwsClients,
    vpc: impl Future<Output = Option<String>>,
    progress: &Progress,
) -> AwsOutcome {
    let elb = &clients.elb;
    let (lbs, tgs) = tokio::join!(
        call(
            Action::Elbv2DescribeLoadBalancers,
            progress,
            elb.describe_load_balancers()
                .into_paginator()
                .items()
                .send()
                .try_collect(),
        ),
        call(
            Action::Elbv2DescribeTargetGroups,
            progress,
            elb.describe_target_groups()
                .into_paginator()
                .items()
                .send()
                .try_collect(),
        ),
    );
    let vpc = vpc.await;
    let in_vpc = |id: Option<&str>| vpc.is_none() || id == vpc.as_deref();
    let mut out = AwsOutcome::default();
    out.record(
        LOAD_BALANCERS,
        lbs.map(|lbs| {
            Value::Array(
                lbs.iter()
                    .filter(|lb| in_vpc(lb.vpc_id()))
                    .map(shape::load_balancer)
                    .collect(),
            )
        }),
    );
    let tgs = match tgs {
        Ok(tgs) => tgs,
        Err(reason) => {
            out.note(TARGET_GROUPS, TARGET_GROUPS.path.to_owned(), reason.clone());
            out.note(TARGET_HEALTH, TARGET_HEALTH.path.to_owned(), reason);
            return out;
        }
    };
    let tgs: Vec<_> = tgs.into_iter().filter(|tg| in_vpc(tg.vpc_id())).collect();
    out.file(
        TARGET_GROUPS,
        TARGET_GROUPS.path.to_owned(),
        Value::Array(tgs.iter().map(shape::target_group).collect()),
    );
    // One request per target group: bounded in flight, so a big account is not hammered.
    let health: Vec<_> = futures::stream::iter(tgs.iter().filter_map(|tg| {
        Some((
            tg.target_group_arn()?,
            tg.target_group_name().unwrap_or("unnamed"),
        ))
    }))
    .map(|(arn, name)| async move {
        let result = call(
            Action::Elbv2DescribeTargetHealth,
            progress,
            elb.describe_target_health().target_group_arn(arn).send(),
        )
        .await;
        (name, result)
    })
    .buffer_unordered(8)
    .collect()
    .await;
    for (name, result) in health {
        let result = result.map(|o| {
            Value::Array(
                o.target_health_descriptions()
                    .iter()
                    .map(shape::target_health)
                    .collect(),
            )
        });
        out.record_at(TARGET_HEALTH, with_name(TARGET_HEALTH, name), result);
    }
    out
}

async fn oidc_providers(clients: &AwsClients, progress: &Progress) -> AwsOutcome {
    let mut out = AwsOutcome::default();
    let result = call(
        Action::IamListOpenIdConnectProviders,
        progress,
        clients.iam.list_open_id_connect_providers().send(),
    )
    .await;
    out.record(
        OIDC_PROVIDERS,
        result.map(|o| {
            Value::Array(
                o.open_id_connect_provider_list()
                    .iter()
                    .map(shape::oidc_provider)
                    .collect(),
            )
        }),
    );
    out
}

/// The LBC's IAM role, by the ARN in its service account's annotation.
pub(crate) async fn lbc_role(
    clients: &AwsClients,
    role_arn: &str,
    progress: &Progress,
) -> AwsOutcome {
    let mut out = AwsOutcome::default();
    // arn:aws:iam::123456789012:role/path/name → name (get-role takes the name, not the path).
    let Some(name) = role_arn
        .split_once(":role/")
        .map(|(_, rest)| rest.rsplit('/').next().unwrap_or(rest))
        .filter(|n| !n.is_empty())
    else {
        out.note(
            ROLE,
            ROLE.path.to_owned(),
            format!("annotation eks.amazonaws.com/role-arn is not a role ARN: {role_arn}"),
        );
        return out;
    };
    let result = call(
        Action::IamGetRole,
        progress,
        clients.iam.get_role().role_name(name).send(),
    )
    .await;
    out.record(
        ROLE,
        result.and_then(|o| {
            o.role()
                .map(shape::role)
                .ok_or_else(|| "empty answer".to_owned())
        }),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_cluster_by_its_certificate_authority() {
        // `aws eks describe-cluster` gives base64(PEM); kube holds the DER of each certificate.
        let der_a = b"\x30\x82first certificate".to_vec();
        let der_b = b"\x30\x82second certificate".to_vec();
        let b64 = |bytes: &[u8]| {
            serde_json::to_value(k8s_openapi::ByteString(bytes.to_vec()))
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        };
        let pem = format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n\
             -----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            b64(&der_a),
            b64(&der_b)
        );
        let data = b64(pem.as_bytes());
        assert!(ca_matches(Some(&data), std::slice::from_ref(&der_b)));
        assert!(ca_matches(Some(&data), &[b"other".to_vec(), der_a]));
        assert!(!ca_matches(Some(&data), &[b"other".to_vec()]));
        assert!(!ca_matches(Some(&data), &[]));
        assert!(!ca_matches(
            Some("not base64!"),
            std::slice::from_ref(&der_b)
        ));
        assert!(!ca_matches(None, &[der_b]));
    }

    #[test]
    fn item_files_are_named_after_the_item() {
        assert_eq!(
            with_name(TARGET_HEALTH, "k8s-app/shop"),
            "aws/elbv2-describe-target-health-k8s-app_shop.json"
        );
    }
}
