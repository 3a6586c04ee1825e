//! Kubernetes objects as `kubectl get -o json|yaml` prints them, reduced to the fields rules read.

use super::Timestamp;
use super::time::lenient;
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;

/// Labels and annotations: a small map kept as a list sorted by key. A `BTreeMap` takes over
/// 500 bytes for even one entry; objects carry a handful, and a large bundle has 100,000s.
/// Iteration is in key order, as a `BTreeMap`'s would be.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Labels(Vec<(String, String)>);

impl Labels {
    pub fn new() -> Labels {
        Labels(Vec::new())
    }
    /// From entries in any order; for a repeated key the last value wins.
    fn from_entries(mut entries: Vec<(String, String)>) -> Labels {
        entries.reverse();
        entries.sort_by(|a, b| a.0.cmp(&b.0)); // stable: the last value of a key comes first
        entries.dedup_by(|later, first| later.0 == first.0);
        entries.shrink_to_fit();
        Labels(entries)
    }
    pub fn get(&self, key: &str) -> Option<&String> {
        self.0
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| &self.0[i].1)
    }
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
    /// Sets a value, returning the previous one.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        match self.0.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(k, _)| k)
    }
    pub fn values(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(_, v)| v)
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<(String, String)> for Labels {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Labels {
        Labels::from_entries(iter.into_iter().collect())
    }
}

impl<'a> IntoIterator for &'a Labels {
    type Item = (&'a String, &'a String);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, String)>,
        fn(&'a (String, String)) -> (&'a String, &'a String),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl<'de> Deserialize<'de> for Labels {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Labels;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of strings")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Labels, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, String>()? {
                    entries.push(entry);
                }
                Ok(Labels::from_entries(entries))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ObjectMeta {
    pub name: String,
    pub namespace: Option<String>,
    pub uid: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub creation_timestamp: Option<Timestamp>,
    #[serde(deserialize_with = "lenient")]
    pub deletion_timestamp: Option<Timestamp>,
    #[serde(deserialize_with = "null_as_default")]
    pub labels: Labels,
    #[serde(deserialize_with = "annotations")]
    pub annotations: Labels,
    #[serde(deserialize_with = "null_as_default")]
    pub owner_references: Vec<OwnerReference>,
}

impl ObjectMeta {
    pub fn namespace(&self) -> &str {
        self.namespace.as_deref().unwrap_or("")
    }
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key).map(String::as_str)
    }
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.get(key).map(String::as_str)
    }
    pub fn controller_owner(&self) -> Option<&OwnerReference> {
        self.owner_references
            .iter()
            .find(|o| o.controller)
            .or(self.owner_references.first())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OwnerReference {
    pub kind: String,
    pub name: String,
    pub controller: bool,
}

/// `null` in a field is the same as the field being absent (kubectl prints `labels: null` in places).
///
/// Lists are shrunk to their length: serde grows them by doubling (JSON gives no length up
/// front), which would leave up to half of every list of a 60,000-pod bundle unused.
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default + Shrink,
{
    let mut value = Option::<T>::deserialize(deserializer)?.unwrap_or_default();
    value.shrink();
    Ok(value)
}

/// A collection that can give back unused capacity.
pub(crate) trait Shrink {
    fn shrink(&mut self);
}

impl<T> Shrink for Vec<T> {
    fn shrink(&mut self) {
        self.shrink_to_fit();
    }
}

impl<K, V> Shrink for BTreeMap<K, V> {
    fn shrink(&mut self) {}
}

impl Shrink for Labels {
    fn shrink(&mut self) {}
}

/// Annotations without `kubectl.kubernetes.io/last-applied-configuration`: a full copy of the
/// object that no rule reads and that would double the memory of a large bundle.
fn annotations<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Labels, D::Error> {
    struct Visitor;
    impl<'de> serde::de::Visitor<'de> for Visitor {
        type Value = Labels;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a map of annotations")
        }
        fn visit_unit<E>(self) -> Result<Labels, E> {
            Ok(Labels::new())
        }
        fn visit_none<E>(self) -> Result<Labels, E> {
            Ok(Labels::new())
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Labels, D::Error> {
            d.deserialize_map(self)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Labels, A::Error> {
            let mut entries = Vec::new();
            while let Some(key) = map.next_key::<String>()? {
                if key == "kubectl.kubernetes.io/last-applied-configuration" {
                    map.next_value::<serde::de::IgnoredAny>()?;
                } else {
                    // Annotation values are strings, but hand-written YAML may carry numbers/bools.
                    let value: ScalarString = map.next_value()?;
                    entries.push((key, value.0));
                }
            }
            Ok(Labels::from_entries(entries))
        }
    }
    deserializer.deserialize_option(Visitor)
}

/// A scalar read as text: `"1"`, `1` and `true` all become strings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScalarString(pub String);

impl<'de> Deserialize<'de> for ScalarString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = ScalarString;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E>(self, v: &str) -> Result<ScalarString, E> {
                Ok(ScalarString(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<ScalarString, E> {
                Ok(ScalarString(v))
            }
            fn visit_bool<E>(self, v: bool) -> Result<ScalarString, E> {
                Ok(ScalarString(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<ScalarString, E> {
                Ok(ScalarString(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<ScalarString, E> {
                Ok(ScalarString(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<ScalarString, E> {
                Ok(ScalarString(v.to_string()))
            }
            fn visit_unit<E>(self) -> Result<ScalarString, E> {
                Ok(ScalarString(String::new()))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// An int-or-string port (`targetPort: 8080` or `targetPort: http`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum IntOrString {
    Int(i64),
    String(String),
}

impl std::fmt::Display for IntOrString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IntOrString::Int(i) => write!(f, "{i}"),
            IntOrString::String(s) => f.write_str(s),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Workloads

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Pod {
    pub metadata: ObjectMeta,
    pub spec: PodSpec,
    pub status: PodStatus,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodSpec {
    pub node_name: Option<String>,
    pub scheduler_name: Option<String>,
    pub service_account_name: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub node_selector: Labels,
    #[serde(deserialize_with = "null_as_default")]
    pub tolerations: Vec<Toleration>,
    #[serde(deserialize_with = "null_as_default")]
    pub containers: Vec<Container>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Toleration {
    pub key: Option<String>,
    pub operator: Option<String>,
    pub value: Option<String>,
    pub effect: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Container {
    pub name: String,
    pub image: String,
    #[serde(deserialize_with = "null_as_default")]
    pub args: Vec<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub command: Vec<String>,
    /// Only the `AWS_*` variables: rules read how a container gets AWS credentials and
    /// region, and the rest of a 60,000-pod bundle's environment would be most of its memory.
    #[serde(deserialize_with = "aws_env")]
    pub env: Vec<EnvVar>,
}

fn ready_and_scheduled<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<Condition>, D::Error> {
    let mut conditions: Vec<Condition> = null_as_default(deserializer)?;
    conditions.retain(|c| c.type_ == "Ready" || c.type_ == "PodScheduled");
    conditions.shrink_to_fit();
    Ok(conditions)
}

fn aws_env<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<EnvVar>, D::Error> {
    let mut env: Vec<EnvVar> = null_as_default(deserializer)?;
    env.retain(|e| e.name.starts_with("AWS_"));
    env.shrink_to_fit();
    Ok(env)
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EnvVar {
    pub name: String,
    pub value: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodStatus {
    pub phase: Option<String>,
    /// Only `Ready` and `PodScheduled`, the conditions rules read: the other three of every
    /// running pod would be a tenth of a large bundle's memory.
    #[serde(deserialize_with = "ready_and_scheduled")]
    pub conditions: Vec<Condition>,
    #[serde(deserialize_with = "null_as_default")]
    pub container_statuses: Vec<ContainerStatus>,
    #[serde(deserialize_with = "lenient")]
    pub start_time: Option<Timestamp>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Condition {
    #[serde(rename = "type")]
    pub type_: String,
    pub status: String,
    pub reason: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContainerStatus {
    pub name: String,
    pub ready: bool,
    pub restart_count: i64,
    pub image: Option<String>,
    pub state: ContainerState,
    pub last_state: ContainerState,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContainerState {
    pub waiting: Option<StateDetail>,
    pub terminated: Option<StateDetail>,
    pub running: Option<serde::de::IgnoredAny>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StateDetail {
    pub reason: Option<String>,
    pub message: Option<String>,
    pub exit_code: Option<i64>,
}

impl Pod {
    pub fn is_ready(&self) -> bool {
        self.status
            .conditions
            .iter()
            .any(|c| c.type_ == "Ready" && c.status == "True")
    }
    pub fn phase(&self) -> &str {
        self.status.phase.as_deref().unwrap_or("Unknown")
    }
    pub fn condition(&self, type_: &str) -> Option<&Condition> {
        self.status.conditions.iter().find(|c| c.type_ == type_)
    }
    pub fn scheduler_name(&self) -> &str {
        self.spec
            .scheduler_name
            .as_deref()
            .unwrap_or("default-scheduler")
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodTemplate {
    pub metadata: ObjectMeta,
    pub spec: PodSpec,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LabelSelector {
    #[serde(deserialize_with = "null_as_default")]
    pub match_labels: Labels,
}

/// Deployment, ReplicaSet and DaemonSet share the fields eksdoctor reads.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Workload {
    pub metadata: ObjectMeta,
    pub spec: WorkloadSpec,
    pub status: WorkloadStatus,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WorkloadSpec {
    pub replicas: Option<i64>,
    pub selector: LabelSelector,
    pub template: PodTemplate,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WorkloadStatus {
    pub replicas: Option<i64>,
    pub ready_replicas: Option<i64>,
    pub available_replicas: Option<i64>,
    pub number_ready: Option<i64>,
    pub desired_number_scheduled: Option<i64>,
    #[serde(deserialize_with = "null_as_default")]
    pub conditions: Vec<Condition>,
}

// ---------------------------------------------------------------------------------------------
// Nodes and namespaces

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Node {
    pub metadata: ObjectMeta,
    pub spec: NodeSpec,
    pub status: NodeStatus,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NodeSpec {
    #[serde(deserialize_with = "null_as_default")]
    pub taints: Vec<Taint>,
    pub unschedulable: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Taint {
    pub key: String,
    pub value: Option<String>,
    pub effect: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NodeStatus {
    #[serde(deserialize_with = "null_as_default")]
    pub conditions: Vec<Condition>,
    #[serde(deserialize_with = "null_as_default")]
    pub addresses: Vec<NodeAddress>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NodeAddress {
    #[serde(rename = "type")]
    pub type_: String,
    pub address: String,
}

impl Node {
    /// The node's address in the VPC.
    pub fn internal_ip(&self) -> Option<std::net::Ipv4Addr> {
        self.status
            .addresses
            .iter()
            .find(|a| a.type_ == "InternalIP")
            .and_then(|a| a.address.parse().ok())
    }
    pub fn is_fargate(&self) -> bool {
        self.metadata.label("eks.amazonaws.com/compute-type") == Some("fargate")
            || self.spec.taints.iter().any(|t| {
                t.key == "eks.amazonaws.com/compute-type" && t.value.as_deref() == Some("fargate")
            })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Namespace {
    pub metadata: ObjectMeta,
}

// ---------------------------------------------------------------------------------------------
// Services

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Service {
    pub metadata: ObjectMeta,
    pub spec: ServiceSpec,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceSpec {
    #[serde(rename = "type")]
    pub type_: Option<String>,
    #[serde(rename = "clusterIP")]
    pub cluster_ip: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub selector: Labels,
    #[serde(deserialize_with = "null_as_default")]
    pub ports: Vec<ServicePort>,
}

impl Service {
    pub fn service_type(&self) -> &str {
        self.spec.type_.as_deref().unwrap_or("ClusterIP")
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServicePort {
    pub name: Option<String>,
    pub port: i64,
    pub target_port: Option<IntOrString>,
    pub node_port: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Endpoints {
    pub metadata: ObjectMeta,
    #[serde(deserialize_with = "null_as_default")]
    pub subsets: Vec<EndpointSubset>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EndpointSubset {
    #[serde(deserialize_with = "null_as_default")]
    pub addresses: Vec<serde::de::IgnoredAny>,
    #[serde(deserialize_with = "null_as_default")]
    pub not_ready_addresses: Vec<serde::de::IgnoredAny>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EndpointSlice {
    pub metadata: ObjectMeta,
    #[serde(deserialize_with = "null_as_default")]
    pub endpoints: Vec<SliceEndpoint>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SliceEndpoint {
    pub conditions: SliceConditions,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SliceConditions {
    /// Absent means ready (the API's own default).
    pub ready: Option<bool>,
}

// ---------------------------------------------------------------------------------------------
// Ingress (v1; v1beta1 and extensions/v1beta1 are read as their v1 meaning)

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Ingress {
    pub metadata: ObjectMeta,
    pub spec: IngressSpec,
    pub status: IngressStatus,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IngressSpec {
    pub ingress_class_name: Option<String>,
    /// v1 `defaultBackend`; v1beta1 called it `backend`.
    #[serde(alias = "backend")]
    pub default_backend: Option<IngressBackend>,
    #[serde(deserialize_with = "null_as_default")]
    pub rules: Vec<IngressRule>,
    #[serde(deserialize_with = "null_as_default")]
    pub tls: Vec<IngressTls>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IngressRule {
    pub host: Option<String>,
    pub http: Option<HttpIngressRuleValue>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HttpIngressRuleValue {
    #[serde(deserialize_with = "null_as_default")]
    pub paths: Vec<HttpIngressPath>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HttpIngressPath {
    pub path: Option<String>,
    pub backend: IngressBackend,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IngressTls {
    #[serde(deserialize_with = "null_as_default")]
    pub hosts: Vec<String>,
}

/// A backend in either shape: v1 `service: {name, port: {number|name}}` or v1beta1
/// `serviceName`/`servicePort`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IngressBackend {
    pub service: Option<IngressServiceBackend>,
    pub service_name: Option<String>,
    pub service_port: Option<IntOrString>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IngressServiceBackend {
    pub name: String,
    pub port: ServiceBackendPort,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceBackendPort {
    pub number: Option<i64>,
    pub name: Option<String>,
}

impl IngressBackend {
    /// The backend's service name and port, whichever API version wrote it.
    pub fn service_ref(&self) -> Option<(&str, IntOrString)> {
        if let Some(svc) = &self.service {
            let port = match (&svc.port.number, &svc.port.name) {
                (Some(n), _) => IntOrString::Int(*n),
                (None, Some(name)) => IntOrString::String(name.clone()),
                (None, None) => IntOrString::Int(0),
            };
            return Some((svc.name.as_str(), port));
        }
        let name = self.service_name.as_deref()?;
        Some((
            name,
            self.service_port.clone().unwrap_or(IntOrString::Int(0)),
        ))
    }
}

impl Ingress {
    /// All backends: the default one and each rule path's.
    pub fn backends(&self) -> impl Iterator<Item = &IngressBackend> {
        self.spec.default_backend.iter().chain(
            self.spec
                .rules
                .iter()
                .filter_map(|r| r.http.as_ref())
                .flat_map(|h| h.paths.iter().map(|p| &p.backend)),
        )
    }
    pub fn hosts(&self) -> Vec<&str> {
        let mut hosts: Vec<&str> = self
            .spec
            .rules
            .iter()
            .filter_map(|r| r.host.as_deref())
            .chain(
                self.spec
                    .tls
                    .iter()
                    .flat_map(|t| t.hosts.iter().map(String::as_str)),
            )
            .collect();
        hosts.sort_unstable();
        hosts.dedup();
        hosts
    }
    pub fn address(&self) -> Option<&str> {
        self.status
            .load_balancer
            .ingress
            .iter()
            .find_map(|i| i.hostname.as_deref().or(i.ip.as_deref()))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IngressStatus {
    pub load_balancer: LoadBalancerStatus,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LoadBalancerStatus {
    #[serde(deserialize_with = "null_as_default")]
    pub ingress: Vec<LoadBalancerIngress>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LoadBalancerIngress {
    pub hostname: Option<String>,
    pub ip: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IngressClass {
    pub metadata: ObjectMeta,
    pub spec: IngressClassSpec,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IngressClassSpec {
    pub controller: Option<String>,
    pub parameters: Option<IngressClassParametersRef>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IngressClassParametersRef {
    pub kind: Option<String>,
    pub name: Option<String>,
}

impl IngressClass {
    pub fn is_default(&self) -> bool {
        self.metadata
            .annotation("ingressclass.kubernetes.io/is-default-class")
            == Some("true")
    }
}

/// The LBC's `IngressClassParams` (elbv2.k8s.aws).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IngressClassParams {
    pub metadata: ObjectMeta,
    pub spec: IngressClassParamsSpec,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IngressClassParamsSpec {
    pub scheme: Option<String>,
    pub subnets: Option<serde::de::IgnoredAny>,
}

// ---------------------------------------------------------------------------------------------
// Events: core/v1 and events.k8s.io/v1 normalised into one shape

#[derive(Debug, Clone, Default)]
pub struct Event {
    pub namespace: String,
    pub involved_kind: String,
    pub involved_namespace: String,
    pub involved_name: String,
    pub reason: String,
    pub message: String,
    pub type_: String,
    pub source: String,
    pub count: i64,
    pub first_seen: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct RawEvent {
    metadata: ObjectMeta,
    #[serde(alias = "regarding")]
    involved_object: RawObjectRef,
    reason: Option<String>,
    #[serde(alias = "note")]
    message: Option<String>,
    #[serde(rename = "type")]
    type_: Option<String>,
    source: RawEventSource,
    reporting_controller: Option<String>,
    reporting_component: Option<String>,
    #[serde(alias = "deprecatedCount")]
    count: Option<i64>,
    series: Option<RawSeries>,
    #[serde(deserialize_with = "lenient", alias = "deprecatedFirstTimestamp")]
    first_timestamp: Option<Timestamp>,
    #[serde(deserialize_with = "lenient", alias = "deprecatedLastTimestamp")]
    last_timestamp: Option<Timestamp>,
    #[serde(deserialize_with = "lenient")]
    event_time: Option<Timestamp>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct RawObjectRef {
    kind: String,
    namespace: Option<String>,
    name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct RawEventSource {
    component: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct RawSeries {
    count: Option<i64>,
    #[serde(deserialize_with = "lenient")]
    last_observed_time: Option<Timestamp>,
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = RawEvent::deserialize(deserializer)?;
        let last_seen = raw
            .series
            .as_ref()
            .and_then(|s| s.last_observed_time)
            .or(raw.last_timestamp)
            .or(raw.event_time)
            .or(raw.first_timestamp)
            .or(raw.metadata.creation_timestamp);
        let namespace = raw.metadata.namespace.unwrap_or_default();
        Ok(Event {
            involved_namespace: raw
                .involved_object
                .namespace
                .unwrap_or_else(|| namespace.clone()),
            namespace,
            involved_kind: raw.involved_object.kind,
            involved_name: raw.involved_object.name,
            reason: raw.reason.unwrap_or_default(),
            message: raw.message.unwrap_or_default(),
            type_: raw.type_.unwrap_or_else(|| "Normal".into()),
            source: raw
                .source
                .component
                .or(raw.reporting_controller)
                .or(raw.reporting_component)
                .unwrap_or_default(),
            count: raw.series.and_then(|s| s.count).or(raw.count).unwrap_or(1),
            first_seen: raw.first_timestamp.or(raw.event_time),
            last_seen,
        })
    }
}

impl Event {
    pub fn is_warning(&self) -> bool {
        self.type_ == "Warning"
    }
}

// ---------------------------------------------------------------------------------------------
// Service accounts, config maps, webhooks

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceAccount {
    pub metadata: ObjectMeta,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConfigMap {
    pub metadata: ObjectMeta,
    #[serde(deserialize_with = "null_as_default")]
    pub data: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WebhookConfiguration {
    pub metadata: ObjectMeta,
    #[serde(deserialize_with = "null_as_default")]
    pub webhooks: Vec<Webhook>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Webhook {
    pub name: String,
    pub client_config: WebhookClientConfig,
    pub failure_policy: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WebhookClientConfig {
    pub service: Option<WebhookService>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WebhookService {
    pub namespace: String,
    pub name: String,
}
