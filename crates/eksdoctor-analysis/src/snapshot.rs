//! The snapshot: everything a bundle holds, typed, with the indexes rules need, and a record of
//! which inputs were collected at all (absence is evidence only where presence was expected).

use crate::bundle::{BundleMeta, FileError, Kind, NotCollected};
use crate::logs::LogFile;
use crate::model::Timestamp;
use crate::model::aws;
use crate::model::k8s::{
    ConfigMap, EndpointSlice, Endpoints, Event, Ingress, IngressClass, IngressClassParams,
    Namespace, Node, Pod, Service, ServiceAccount, WebhookConfiguration, Workload,
};
use std::collections::{BTreeSet, HashMap};

/// One kind of input a rule can need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Input {
    Kube(Kind),
    Logs,
    Subnets,
    Vpcs,
    RouteTables,
    NatGateways,
    InternetGateways,
    VpcEndpoints,
    SecurityGroups,
    Cluster,
    FargateProfiles,
    Addons,
    LoadBalancers,
    TargetGroups,
    TargetHealth,
    Roles,
    OidcProviders,
}

impl Input {
    /// The name `collect` uses in `collect-notes.json` for this input.
    pub fn name(self) -> &'static str {
        match self {
            Input::Kube(kind) => match kind {
                Kind::Pod => "k8s/pods",
                Kind::Node => "k8s/nodes",
                Kind::Namespace => "k8s/namespaces",
                Kind::Deployment => "k8s/deployments",
                Kind::ReplicaSet => "k8s/replicasets",
                Kind::DaemonSet => "k8s/daemonsets",
                Kind::Service => "k8s/services",
                Kind::Endpoints => "k8s/endpoints",
                Kind::EndpointSlice => "k8s/endpointslices",
                Kind::Ingress => "k8s/ingresses",
                Kind::IngressClass => "k8s/ingressclasses",
                Kind::IngressClassParams => "k8s/ingressclassparams",
                Kind::Event => "k8s/events",
                Kind::ServiceAccount => "k8s/serviceaccounts",
                Kind::ConfigMap => "k8s/configmaps",
                Kind::ValidatingWebhookConfiguration => "k8s/validatingwebhookconfigurations",
                Kind::MutatingWebhookConfiguration => "k8s/mutatingwebhookconfigurations",
            },
            Input::Logs => "logs",
            Input::Subnets => "aws/subnets",
            Input::Vpcs => "aws/vpcs",
            Input::RouteTables => "aws/route-tables",
            Input::NatGateways => "aws/nat-gateways",
            Input::InternetGateways => "aws/internet-gateways",
            Input::VpcEndpoints => "aws/vpc-endpoints",
            Input::SecurityGroups => "aws/security-groups",
            Input::Cluster => "aws/cluster",
            Input::FargateProfiles => "aws/fargate-profiles",
            Input::Addons => "aws/addons",
            Input::LoadBalancers => "aws/load-balancers",
            Input::TargetGroups => "aws/target-groups",
            Input::TargetHealth => "aws/target-health",
            Input::Roles => "aws/iam-roles",
            Input::OidcProviders => "aws/oidc-providers",
        }
    }

    /// How a user collects this input by hand.
    pub fn how_to_collect(self) -> &'static str {
        match self {
            Input::Kube(Kind::Pod) => "kubectl get pods -A -o json",
            Input::Kube(Kind::Node) => "kubectl get nodes -o json",
            Input::Kube(Kind::Event) => "kubectl get events -A -o json",
            Input::Kube(Kind::Ingress) => "kubectl get ingress -A -o json",
            Input::Kube(Kind::IngressClass) => "kubectl get ingressclass -o json",
            Input::Kube(Kind::Service) => "kubectl get svc -A -o json",
            Input::Kube(Kind::Endpoints) => "kubectl get endpoints -A -o json",
            Input::Kube(Kind::Deployment) => "kubectl get deploy -A -o json",
            Input::Kube(Kind::ServiceAccount) => "kubectl get sa -A -o json",
            Input::Kube(_) => "kubectl get <kind> -A -o json",
            Input::Logs => {
                "kubectl logs -n <ns> <pod> -c <container> > logs/<ns>/<pod>/<container>.log"
            }
            Input::Subnets => "aws ec2 describe-subnets --output json",
            Input::Vpcs => "aws ec2 describe-vpcs --output json",
            Input::RouteTables => "aws ec2 describe-route-tables --output json",
            Input::NatGateways => "aws ec2 describe-nat-gateways --output json",
            Input::InternetGateways => "aws ec2 describe-internet-gateways --output json",
            Input::VpcEndpoints => "aws ec2 describe-vpc-endpoints --output json",
            Input::SecurityGroups => "aws ec2 describe-security-groups --output json",
            Input::Cluster => "aws eks describe-cluster --name <cluster> --output json",
            Input::FargateProfiles => {
                "aws eks describe-fargate-profile --cluster-name <cluster> --fargate-profile-name <name>"
            }
            Input::Addons => "aws eks describe-addon --cluster-name <cluster> --addon-name coredns",
            Input::LoadBalancers => "aws elbv2 describe-load-balancers --output json",
            Input::TargetGroups => "aws elbv2 describe-target-groups --output json",
            Input::TargetHealth => "aws elbv2 describe-target-health --target-group-arn <arn>",
            Input::Roles => "aws iam get-role --role-name <role>",
            Input::OidcProviders => "aws iam list-open-id-connect-providers",
        }
    }
}

/// The AWS facts of a bundle.
#[derive(Debug, Default)]
pub struct AwsFacts {
    pub subnets: Vec<aws::Subnet>,
    pub vpcs: Vec<aws::Vpc>,
    pub route_tables: Vec<aws::RouteTable>,
    pub nat_gateways: Vec<aws::NatGateway>,
    pub internet_gateways: Vec<aws::InternetGateway>,
    pub vpc_endpoints: Vec<aws::VpcEndpoint>,
    pub security_groups: Vec<aws::SecurityGroup>,
    pub cluster: Option<aws::Cluster>,
    pub fargate_profiles: Vec<aws::FargateProfile>,
    pub addons: Vec<aws::Addon>,
    pub load_balancers: Vec<aws::LoadBalancer>,
    pub target_groups: Vec<aws::TargetGroup>,
    pub target_health: Vec<aws::TargetHealthDescription>,
    pub roles: Vec<aws::Role>,
    pub oidc_providers: Vec<aws::OidcProviderEntry>,
}

type ObjectKey = (String, String); // (namespace, name)

#[derive(Debug, Default)]
pub struct Snapshot {
    pub meta: BundleMeta,
    pub pods: Vec<Pod>,
    pub nodes: Vec<Node>,
    pub namespaces: Vec<Namespace>,
    pub deployments: Vec<Workload>,
    pub replica_sets: Vec<Workload>,
    pub daemon_sets: Vec<Workload>,
    pub services: Vec<Service>,
    pub endpoints: Vec<Endpoints>,
    pub endpoint_slices: Vec<EndpointSlice>,
    pub ingresses: Vec<Ingress>,
    pub ingress_classes: Vec<IngressClass>,
    pub ingress_class_params: Vec<IngressClassParams>,
    pub events: Vec<Event>,
    pub service_accounts: Vec<ServiceAccount>,
    pub config_maps: Vec<ConfigMap>,
    pub validating_webhooks: Vec<WebhookConfiguration>,
    pub mutating_webhooks: Vec<WebhookConfiguration>,
    pub aws: AwsFacts,
    pub logs: Vec<LogFile>,
    /// Inputs the bundle holds (an object of the kind, a typed list, or a file of it).
    pub collected: BTreeSet<Input>,
    /// Inputs `collect` tried and could not get.
    pub not_collected: Vec<NotCollected>,
    pub ignored_files: Vec<String>,
    pub file_errors: Vec<FileError>,
    /// "Now" for every age: `collected_at`, else the newest time in the bundle.
    pub now: Option<Timestamp>,
    index: Index,
}

#[derive(Debug, Default)]
struct Index {
    events_by_object: SortedIndex,
    pods_by_owner: HashMap<(String, String), Vec<usize>>,
    replica_sets_by_owner: HashMap<(String, String), Vec<usize>>,
    replica_sets: SortedIndex,
    deployments: SortedIndex,
    services: HashMap<ObjectKey, usize>,
    endpoints: HashMap<ObjectKey, usize>,
    slices_by_service: HashMap<ObjectKey, Vec<usize>>,
    logs_by_pod: HashMap<ObjectKey, Vec<usize>>,
}

impl Snapshot {
    /// Builds the indexes and decides "now"; called once after loading.
    pub(crate) fn finish(&mut self) {
        let mut index = Index {
            events_by_object: SortedIndex::build(&self.events, event_key),
            replica_sets: SortedIndex::build(&self.replica_sets, workload_key),
            deployments: SortedIndex::build(&self.deployments, workload_key),
            ..Index::default()
        };
        for (i, p) in self.pods.iter().enumerate() {
            if let Some(owner) = p.metadata.controller_owner() {
                index
                    .pods_by_owner
                    .entry((p.metadata.namespace().to_owned(), owner.name.clone()))
                    .or_default()
                    .push(i);
            }
        }
        for (i, rs) in self.replica_sets.iter().enumerate() {
            if let Some(owner) = rs.metadata.controller_owner() {
                index
                    .replica_sets_by_owner
                    .entry((rs.metadata.namespace().to_owned(), owner.name.clone()))
                    .or_default()
                    .push(i);
            }
        }
        for (i, s) in self.services.iter().enumerate() {
            index.services.insert(key(&s.metadata), i);
        }
        for (i, e) in self.endpoints.iter().enumerate() {
            index.endpoints.insert(key(&e.metadata), i);
        }
        for (i, s) in self.endpoint_slices.iter().enumerate() {
            if let Some(svc) = s.metadata.label("kubernetes.io/service-name") {
                index
                    .slices_by_service
                    .entry((s.metadata.namespace().to_owned(), svc.to_owned()))
                    .or_default()
                    .push(i);
            }
        }
        for (i, l) in self.logs.iter().enumerate() {
            index
                .logs_by_pod
                .entry((l.namespace.clone(), l.pod.clone()))
                .or_default()
                .push(i);
        }
        self.index = index;
        self.now = self
            .meta
            .collected_at
            .as_deref()
            .and_then(Timestamp::parse)
            .or_else(|| self.newest_time());
    }

    fn newest_time(&self) -> Option<Timestamp> {
        let events = self.events.iter().filter_map(|e| e.last_seen);
        let objects = self
            .pods
            .iter()
            .map(|p| &p.metadata)
            .chain(self.ingresses.iter().map(|i| &i.metadata))
            .chain(self.deployments.iter().map(|d| &d.metadata))
            .filter_map(|m| m.creation_timestamp);
        let logs = self.logs.iter().filter_map(|l| l.last_time);
        events.chain(objects).chain(logs).max()
    }

    pub fn has(&self, input: Input) -> bool {
        self.collected.contains(&input)
    }

    /// Why an input is missing: the collector's reason if it recorded one.
    pub fn missing_reason(&self, input: Input) -> String {
        let name = input.name();
        match self.not_collected.iter().find(|n| n.what == name) {
            Some(note) => format!("{name} not collected: {}", note.reason),
            None => format!("no {name} in bundle (`{}`)", input.how_to_collect()),
        }
    }

    /// Age in seconds of something created at `t`, relative to the bundle's "now".
    pub fn age(&self, t: Option<Timestamp>) -> Option<i64> {
        Some(self.now?.0 - t?.0)
    }

    pub fn events_for(
        &self,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> impl Iterator<Item = &Event> {
        self.index
            .events_by_object
            .find(&self.events, event_key, (kind, namespace, name))
    }

    /// Pods a workload owns: directly (DaemonSet, ReplicaSet) or through its ReplicaSets
    /// (Deployment); by label selector when the bundle's pods carry no owner references.
    pub fn pods_of(&self, kind: &str, workload: &Workload) -> Vec<&Pod> {
        let ns = workload.metadata.namespace().to_owned();
        let name = workload.metadata.name.clone();
        let mut owners = vec![name.clone()];
        if kind == "Deployment" {
            owners.extend(
                self.index
                    .replica_sets_by_owner
                    .get(&(ns.clone(), name))
                    .into_iter()
                    .flatten()
                    .map(|&i| self.replica_sets[i].metadata.name.clone()),
            );
        }
        let mut pods: Vec<&Pod> = owners
            .into_iter()
            .flat_map(|o| {
                self.index
                    .pods_by_owner
                    .get(&(ns.clone(), o))
                    .into_iter()
                    .flatten()
            })
            .map(|&i| &self.pods[i])
            .collect();
        if pods.is_empty() && !workload.spec.selector.match_labels.is_empty() {
            pods = self
                .pods
                .iter()
                .filter(|p| {
                    p.metadata.namespace() == ns
                        && selects(&workload.spec.selector.match_labels, &p.metadata.labels)
                })
                .collect();
        }
        pods.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
        pods
    }

    /// The workload that owns a pod, as (kind, name): a Deployment through its ReplicaSet.
    pub fn owner_of(&self, pod: &Pod) -> Option<(&'static str, String)> {
        let owner = pod.metadata.controller_owner()?;
        match owner.kind.as_str() {
            "ReplicaSet" => {
                let rs = self
                    .index
                    .replica_sets
                    .find(
                        &self.replica_sets,
                        workload_key,
                        ("", pod.metadata.namespace(), &owner.name),
                    )
                    .next();
                match rs.and_then(|rs| rs.metadata.controller_owner()) {
                    Some(dep) if dep.kind == "Deployment" => Some(("Deployment", dep.name.clone())),
                    _ => match owner.name.rsplit_once('-') {
                        // Without the ReplicaSet, its name is `<deployment>-<pod-template-hash>`.
                        Some((dep, _)) if rs.is_none() => Some(("Deployment", dep.to_owned())),
                        _ => Some(("ReplicaSet", owner.name.clone())),
                    },
                }
            }
            "DaemonSet" => Some(("DaemonSet", owner.name.clone())),
            "StatefulSet" => Some(("StatefulSet", owner.name.clone())),
            "Job" => Some(("Job", owner.name.clone())),
            _ => None,
        }
    }

    pub fn service(&self, namespace: &str, name: &str) -> Option<&Service> {
        self.index
            .services
            .get(&(namespace.to_owned(), name.to_owned()))
            .map(|&i| &self.services[i])
    }

    /// Ready endpoint count of a service, from Endpoints or EndpointSlices; `None` if neither
    /// was collected.
    pub fn ready_endpoints(&self, namespace: &str, name: &str) -> Option<usize> {
        let key = (namespace.to_owned(), name.to_owned());
        if let Some(&i) = self.index.endpoints.get(&key) {
            return Some(
                self.endpoints[i]
                    .subsets
                    .iter()
                    .map(|s| s.addresses.len())
                    .sum(),
            );
        }
        if let Some(slices) = self.index.slices_by_service.get(&key) {
            return Some(
                slices
                    .iter()
                    .flat_map(|&i| &self.endpoint_slices[i].endpoints)
                    .filter(|e| e.conditions.ready.unwrap_or(true))
                    .count(),
            );
        }
        let endpoints_known =
            self.has(Input::Kube(Kind::Endpoints)) || self.has(Input::Kube(Kind::EndpointSlice));
        // Both kinds collected and none for this service: it has no endpoints at all.
        endpoints_known.then_some(0)
    }

    pub fn logs_of(&self, namespace: &str, pod: &str) -> impl Iterator<Item = &LogFile> {
        self.index
            .logs_by_pod
            .get(&(namespace.to_owned(), pod.to_owned()))
            .into_iter()
            .flatten()
            .map(|&i| &self.logs[i])
    }

    pub fn deployment(&self, namespace: &str, name: &str) -> Option<&Workload> {
        self.index
            .deployments
            .find(&self.deployments, workload_key, ("", namespace, name))
            .next()
    }

    /// Every node is a Fargate node (and there is at least one).
    pub fn all_nodes_fargate(&self) -> bool {
        !self.nodes.is_empty() && self.nodes.iter().all(Node::is_fargate)
    }

    /// The cluster's region: `bundle.json`, else the EKS cluster's ARN, else the nodes' region
    /// label (every EKS node carries it).
    pub fn region(&self) -> Option<&str> {
        self.meta
            .region
            .as_deref()
            .or_else(|| self.aws.cluster.as_ref().and_then(|c| c.region()))
            .or_else(|| {
                self.nodes
                    .iter()
                    .find_map(|n| n.metadata.label("topology.kubernetes.io/region"))
            })
    }

    /// The EKS cluster's VPC, from describe-cluster.
    pub fn cluster_vpc_id(&self) -> Option<&str> {
        self.aws
            .cluster
            .as_ref()?
            .resources_vpc_config
            .vpc_id
            .as_deref()
    }

    pub fn cluster_name(&self) -> Option<&str> {
        self.meta
            .cluster
            .as_deref()
            .or_else(|| self.aws.cluster.as_ref().map(|c| c.name.as_str()))
    }
}

/// A key borrowed from a list item: (kind, namespace, name), kind empty where the list has one.
type BorrowedKey<'a> = (&'a str, &'a str, &'a str);

fn event_key(e: &Event) -> BorrowedKey<'_> {
    (&e.involved_kind, &e.involved_namespace, &e.involved_name)
}

fn workload_key(w: &Workload) -> BorrowedKey<'_> {
    ("", w.metadata.namespace(), &w.metadata.name)
}

/// A list's positions sorted by a key borrowed from its items: 4 bytes an item, where a map
/// would hold a copy of every key (200,000 events make that tens of megabytes). Items with the
/// same key keep their list order.
#[derive(Debug, Default)]
struct SortedIndex(Vec<u32>);

impl SortedIndex {
    fn build<T: Sync>(items: &[T], key: fn(&T) -> BorrowedKey<'_>) -> SortedIndex {
        use rayon::slice::ParallelSliceMut;
        let mut positions: Vec<u32> = (0..items.len() as u32).collect();
        positions.par_sort_by(|&a, &b| key(&items[a as usize]).cmp(&key(&items[b as usize])));
        SortedIndex(positions)
    }

    fn find<'s, T>(
        &'s self,
        items: &'s [T],
        key: fn(&T) -> BorrowedKey<'_>,
        wanted: BorrowedKey<'_>,
    ) -> impl Iterator<Item = &'s T> + use<'s, T> {
        let start = self
            .0
            .partition_point(|&i| key(&items[i as usize]) < wanted);
        let len = self.0[start..].partition_point(|&i| key(&items[i as usize]) == wanted);
        self.0[start..start + len]
            .iter()
            .map(move |&i| &items[i as usize])
    }
}

fn key(meta: &crate::model::k8s::ObjectMeta) -> ObjectKey {
    (meta.namespace().to_owned(), meta.name.clone())
}

/// A label selector's `matchLabels` selects these labels.
pub fn selects(selector: &crate::model::k8s::Labels, labels: &crate::model::k8s::Labels) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}
