//! AWS facts as `aws <service> <command> --output json` prints them, reduced to what rules read.
//! EC2, ELBv2 and IAM use PascalCase; EKS uses camelCase.

use super::Timestamp;
use super::k8s::{ScalarString, null_as_default};
use super::time::lenient;
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Tag {
    pub key: String,
    pub value: ScalarString,
}

/// Tag lookup shared by every EC2 resource.
pub trait Tagged {
    fn tags(&self) -> &[Tag];
    fn tag(&self, key: &str) -> Option<&str> {
        self.tags()
            .iter()
            .find(|t| t.key == key)
            .map(|t| t.value.0.as_str())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Subnet {
    pub subnet_id: String,
    pub vpc_id: String,
    pub availability_zone: String,
    pub availability_zone_id: Option<String>,
    pub available_ip_address_count: Option<i64>,
    pub cidr_block: Option<String>,
    pub map_public_ip_on_launch: Option<bool>,
    #[serde(deserialize_with = "null_as_default")]
    pub tags: Vec<Tag>,
}

impl Tagged for Subnet {
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}

impl Subnet {
    pub fn name(&self) -> Option<&str> {
        self.tag("Name")
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Vpc {
    pub vpc_id: String,
    pub cidr_block: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RouteTable {
    pub route_table_id: String,
    pub vpc_id: String,
    #[serde(deserialize_with = "null_as_default")]
    pub associations: Vec<RouteTableAssociation>,
    #[serde(deserialize_with = "null_as_default")]
    pub routes: Vec<Route>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RouteTableAssociation {
    pub subnet_id: Option<String>,
    pub main: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Route {
    pub destination_cidr_block: Option<String>,
    pub gateway_id: Option<String>,
    pub nat_gateway_id: Option<String>,
    pub transit_gateway_id: Option<String>,
    pub state: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NatGateway {
    pub nat_gateway_id: String,
    pub subnet_id: Option<String>,
    pub vpc_id: Option<String>,
    pub state: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct InternetGateway {
    pub internet_gateway_id: String,
    #[serde(deserialize_with = "null_as_default")]
    pub attachments: Vec<IgwAttachment>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct IgwAttachment {
    pub vpc_id: String,
    pub state: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VpcEndpoint {
    pub vpc_endpoint_id: String,
    pub vpc_endpoint_type: Option<String>,
    pub vpc_id: String,
    pub service_name: String,
    pub state: Option<String>,
    pub private_dns_enabled: Option<bool>,
}

impl VpcEndpoint {
    /// The short service name: `sts` for `com.amazonaws.eu-west-1.sts`.
    pub fn short_service(&self) -> &str {
        self.service_name
            .rsplit_once('.')
            .map(|(_, s)| s)
            .unwrap_or(&self.service_name)
    }
    pub fn is_available(&self) -> bool {
        self.state
            .as_deref()
            .is_none_or(|s| s.eq_ignore_ascii_case("available"))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct SecurityGroup {
    pub group_id: String,
    pub group_name: Option<String>,
    pub vpc_id: Option<String>,
}

// ---- EKS (camelCase) ----

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Cluster {
    pub name: String,
    pub arn: Option<String>,
    pub version: Option<String>,
    pub status: Option<String>,
    pub resources_vpc_config: ResourcesVpcConfig,
    pub identity: Option<ClusterIdentity>,
    pub kubernetes_network_config: Option<KubernetesNetworkConfig>,
    pub compute_config: Option<ComputeConfig>,
}

impl Cluster {
    pub fn oidc_issuer(&self) -> Option<&str> {
        self.identity.as_ref()?.oidc.as_ref()?.issuer.as_deref()
    }
    /// EKS Auto Mode: AWS runs the load balancer controller and CoreDNS itself.
    pub fn is_auto_mode(&self) -> bool {
        self.compute_config
            .as_ref()
            .and_then(|c| c.enabled)
            .unwrap_or(false)
    }
    pub fn region(&self) -> Option<&str> {
        // arn:aws:eks:<region>:<account>:cluster/<name>
        self.arn.as_deref()?.split(':').nth(3)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResourcesVpcConfig {
    pub vpc_id: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub subnet_ids: Vec<String>,
    pub cluster_security_group_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ClusterIdentity {
    pub oidc: Option<Oidc>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Oidc {
    pub issuer: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KubernetesNetworkConfig {
    pub service_ipv4_cidr: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ComputeConfig {
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FargateProfile {
    pub fargate_profile_name: String,
    pub cluster_name: Option<String>,
    pub pod_execution_role_arn: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub subnets: Vec<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub selectors: Vec<FargateSelector>,
    pub status: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub created_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FargateSelector {
    pub namespace: String,
    #[serde(deserialize_with = "null_as_default")]
    pub labels: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Addon {
    pub addon_name: String,
    pub addon_version: Option<String>,
    pub status: Option<String>,
    pub health: Option<AddonHealth>,
    pub configuration_values: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AddonHealth {
    #[serde(deserialize_with = "null_as_default")]
    pub issues: Vec<AddonIssue>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AddonIssue {
    pub code: Option<String>,
    pub message: Option<String>,
}

// ---- ELBv2 ----

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct LoadBalancer {
    pub load_balancer_arn: String,
    #[serde(rename = "DNSName")]
    pub dns_name: Option<String>,
    pub load_balancer_name: Option<String>,
    pub scheme: Option<String>,
    pub state: Option<LoadBalancerState>,
    #[serde(rename = "Type")]
    pub type_: Option<String>,
    pub vpc_id: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub created_time: Option<Timestamp>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct LoadBalancerState {
    pub code: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TargetGroup {
    pub target_group_arn: String,
    pub target_group_name: Option<String>,
    pub target_type: Option<String>,
    pub port: Option<i64>,
    #[serde(deserialize_with = "null_as_default")]
    pub load_balancer_arns: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TargetHealthDescription {
    pub target: Option<TargetDescription>,
    pub target_health: Option<TargetHealth>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TargetDescription {
    pub id: Option<String>,
    pub port: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TargetHealth {
    pub state: Option<String>,
    pub reason: Option<String>,
    pub description: Option<String>,
}

// ---- IAM ----

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Role {
    pub role_name: String,
    pub arn: String,
    /// The CLI prints the decoded JSON document; a URL-encoded string (raw API) is decoded too.
    pub assume_role_policy_document: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct OidcProviderEntry {
    pub arn: String,
}
