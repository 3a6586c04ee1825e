//! A generator of large, realistic bundles with one planted failure chain.
//!
//! The cluster is a Fargate-only EKS cluster (`atlas-prod`, us-east-2): many namespaces of
//! Deployments (with their ReplicaSets, pods, Services, Endpoints and ALB Ingresses that all have
//! an address), events as `kubectl get events -o json` prints them, and controller and app logs
//! that are nearly all info noise. Hidden in it, the classic chain:
//!
//! - CoreDNS carries the pod-template annotation `eks.amazonaws.com/compute-type: ec2`, so its
//!   pods stay Pending with FailedScheduling events naming the Fargate taint (FG-02, SCH-01);
//! - the kube-dns Endpoints are empty (DNS-01);
//! - the load balancer controller's log has `WebIdentityErr … lookup sts.us-east-2.amazonaws.com
//!   on 172.20.0.10:53 … connection refused` for the IngressGroup `atlas-public` (IAM-03);
//! - the one Ingress of that group has no address (ING-00);
//! - no subnet carries a load balancer role tag (SUB-01, the next blocker): the healthy Ingresses
//!   name their subnets in an annotation.
//!
//! Why Fargate-only: FG-02 is the Fargate-only cause (on a cluster with EC2 nodes, CoreDNS with
//! that annotation would simply run on them), so every node is a Fargate node.
//!
//! Files are written as a user collects them: one `kubectl get <kind> -n <ns> -o json` file per
//! namespace and kind, cluster-scoped kinds in one file, `aws … --output json` files, and
//! `logs/<ns>/<pod>/<container>.log`. Each namespace has its own random stream derived from the
//! seed, so namespaces are generated in parallel and the bytes never depend on the thread count.

use rayon::prelude::*;
use serde_json::{Value, json};
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The shape of a bundle to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    pub nodes: usize,
    pub pods: usize,
    pub events: usize,
    /// Megabytes (10^6 bytes) of container logs, in total.
    pub log_mb: usize,
    pub seed: u64,
}

impl Spec {
    /// The "Large" size of the performance target, times `scale`.
    pub fn large(scale: f64, seed: u64) -> Spec {
        let n = |base: f64| ((base * scale).round() as usize).max(1);
        Spec {
            nodes: n(2_000.0),
            pods: n(60_000.0),
            events: n(200_000.0),
            log_mb: n(200.0),
            seed,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenStats {
    /// `.json`/`.yaml` files (Kubernetes and AWS documents, `bundle.json`), bundle-relative.
    pub json_files: Vec<PathBuf>,
    pub json_bytes: u64,
    pub log_files: Vec<PathBuf>,
    pub log_bytes: u64,
}

/// Names of the planted chain, for tests and the benchmark's check.
#[derive(Debug, Clone, Copy)]
pub struct ChainNames;

impl ChainNames {
    pub const CLUSTER: &'static str = "atlas-prod";
    pub const REGION: &'static str = "us-east-2";
    pub const INGRESS_NAMESPACE: &'static str = "edge";
    pub const INGRESS: &'static str = "public-gateway";
    pub const GROUP: &'static str = "atlas-public";
    /// The rules of the chain, symptom first.
    pub const RULES: [&'static str; 5] = ["ING-00", "IAM-03", "DNS-01", "SCH-01", "FG-02"];
}

const CLUSTER: &str = ChainNames::CLUSTER;
const REGION: &str = ChainNames::REGION;
const ACCOUNT: &str = "482913560172";
const VPC: &str = "vpc-0a7f3c91d2e4b5861";
const OIDC_ID: &str = "9C41D7E2B83F46A1A05E27C3D9B61F48";
/// 2026-05-12T14:00:00Z: the bundle's `collected_at`.
const NOW: i64 = 1_778_594_400;
const ZONES: [&str; 3] = ["us-east-2a", "us-east-2b", "us-east-2c"];
const PRIVATE_SUBNETS: [&str; 3] = [
    "subnet-07c1e9a3b5d2f4601",
    "subnet-07c1e9a3b5d2f4602",
    "subnet-07c1e9a3b5d2f4603",
];
const PUBLIC_SUBNETS: [&str; 3] = [
    "subnet-0e52b8d4f1a3c7901",
    "subnet-0e52b8d4f1a3c7902",
    "subnet-0e52b8d4f1a3c7903",
];
const TEAMS: [&str; 16] = [
    "payments",
    "checkout",
    "catalog",
    "search",
    "billing",
    "ledger",
    "identity",
    "notify",
    "media",
    "reports",
    "growth",
    "pricing",
    "orders",
    "inventory",
    "fraud",
    "support",
];
const APPS: [&str; 10] = [
    "api",
    "web",
    "worker",
    "gateway",
    "cache",
    "indexer",
    "scheduler",
    "consumer",
    "exporter",
    "frontend",
];
const PODS_PER_NAMESPACE: usize = 300;

/// SplitMix64: small, fast and good enough for synthetic data.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        let mut r = Rng(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.next_u64();
        r
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn uid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48) & 0x3fff,
            b & 0xffff_ffff_ffff
        )
    }
    /// Kubernetes name suffixes (`pod-template-hash`, pod suffixes) use consonants and digits.
    fn suffix(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        (0..len)
            .map(|_| ALPHABET[self.below(ALPHABET.len())] as char)
            .collect()
    }
    fn hex(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from_digit(self.below(16) as u32, 16).unwrap_or('0'))
            .collect()
    }
}

fn ts(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Writes JSON the way kubectl and the aws CLI do: 4-space indentation, a final newline.
fn write_json(root: &Path, rel: &str, value: &Value) -> io::Result<(PathBuf, u64)> {
    let path = root.join(rel);
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let mut out = BufWriter::with_capacity(1 << 20, File::create(&path)?);
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    serde::Serialize::serialize(value, &mut ser).map_err(io::Error::other)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok((PathBuf::from(rel), fs::metadata(&path)?.len()))
}

/// `kubectl get <kind> -o json`: a `List` of full objects.
fn list(items: Vec<Value>) -> Value {
    json!({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}})
}

/// Generates a bundle into `out` (created if missing; existing files are overwritten).
pub fn generate(spec: &Spec, out: &Path) -> io::Result<GenStats> {
    fs::create_dir_all(out)?;
    let namespaces = namespace_names(spec.pods);
    let node_names = node_names(spec);
    let mut stats = GenStats::default();
    let add = |stats: &mut GenStats, written: (PathBuf, u64)| {
        stats.json_bytes += written.1;
        stats.json_files.push(written.0);
    };

    add(
        &mut stats,
        write_json(
            out,
            "bundle.json",
            &json!({"cluster": CLUSTER, "region": REGION, "collected_at": ts(NOW)}),
        )?,
    );
    add(&mut stats, write_nodes(out, spec, &node_names)?);
    add(&mut stats, write_namespaces(out, &namespaces)?);
    for written in write_cluster_objects(out)? {
        add(&mut stats, written);
    }
    for written in write_aws(out, &namespaces)? {
        add(&mut stats, written);
    }

    // Events and log volume are shared out by pod count; kube-system gets its own share below.
    let per_ns: Vec<NamespaceOut> = namespaces
        .par_iter()
        .enumerate()
        .map(|(i, ns)| {
            let pods = spec.pods / namespaces.len() + usize::from(i < spec.pods % namespaces.len());
            let events =
                spec.events / namespaces.len() + usize::from(i < spec.events % namespaces.len());
            write_namespace(out, spec, i as u64, ns, pods, events, &node_names)
        })
        .collect::<io::Result<_>>()?;
    let app_pods: Vec<(String, String, String)> = per_ns
        .iter()
        .flat_map(|n| n.log_candidates.iter().cloned())
        .collect();
    for n in per_ns {
        for written in n.files {
            add(&mut stats, written);
        }
    }
    let system = write_kube_system(out, spec, &node_names)?;
    for written in system.files {
        add(&mut stats, written);
    }
    add(&mut stats, write_planted_ingress(out)?);

    for (rel, bytes) in write_logs(out, spec, &system.lbc_pods, &system.log_pods, &app_pods)? {
        stats.log_bytes += bytes;
        stats.log_files.push(rel);
    }
    stats.json_files.sort();
    stats.log_files.sort();
    Ok(stats)
}

fn namespace_names(pods: usize) -> Vec<String> {
    let count = pods.div_ceil(PODS_PER_NAMESPACE).max(1);
    (0..count)
        .map(|i| format!("{}-{}", TEAMS[i % TEAMS.len()], i / TEAMS.len() + 1))
        .collect()
}

fn node_ip(i: usize) -> (usize, String) {
    let zone = i % 3;
    let host = i / 3;
    (
        zone,
        format!("10.60.{}.{}", 32 + zone * 16 + host / 250, 4 + host % 250),
    )
}

fn node_names(spec: &Spec) -> Vec<String> {
    (0..spec.nodes)
        .map(|i| {
            let (_, ip) = node_ip(i);
            format!(
                "fargate-ip-{}.{REGION}.compute.internal",
                ip.replace('.', "-")
            )
        })
        .collect()
}

fn write_nodes(out: &Path, spec: &Spec, names: &[String]) -> io::Result<(PathBuf, u64)> {
    let mut rng = Rng::new(spec.seed, 1);
    let items = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let (zone, ip) = node_ip(i);
            let zone = ZONES[zone];
            let host = name.trim_start_matches("fargate-");
            let created = NOW - 3600 * 30 + rng.below(3600 * 24) as i64;
            json!({
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {
                    "annotations": {
                        "node.alpha.kubernetes.io/ttl": "0",
                        "volumes.kubernetes.io/controller-managed-attach-detach": "true"
                    },
                    "creationTimestamp": ts(created),
                    "labels": {
                        "beta.kubernetes.io/arch": "amd64",
                        "beta.kubernetes.io/os": "linux",
                        "eks.amazonaws.com/compute-type": "fargate",
                        "failure-domain.beta.kubernetes.io/region": REGION,
                        "failure-domain.beta.kubernetes.io/zone": zone,
                        "kubernetes.io/arch": "amd64",
                        "kubernetes.io/hostname": host,
                        "kubernetes.io/os": "linux",
                        "topology.kubernetes.io/region": REGION,
                        "topology.kubernetes.io/zone": zone
                    },
                    "name": name,
                    "resourceVersion": format!("{}", 1_000_000 + rng.below(9_000_000)),
                    "uid": rng.uid()
                },
                "spec": {
                    "providerID": format!("aws:///{zone}/{}/{name}", rng.hex(17)),
                    "taints": [{"effect": "NoSchedule", "key": "eks.amazonaws.com/compute-type", "value": "fargate"}]
                },
                "status": {
                    "addresses": [
                        {"address": ip, "type": "InternalIP"},
                        {"address": host, "type": "Hostname"}
                    ],
                    "allocatable": {"cpu": "2", "ephemeral-storage": "30830568Ki", "memory": "3955276Ki", "pods": "1"},
                    "capacity": {"cpu": "2", "ephemeral-storage": "30830568Ki", "memory": "4057676Ki", "pods": "1"},
                    "conditions": node_conditions(created),
                    "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                    "nodeInfo": {
                        "architecture": "amd64",
                        "bootID": rng.uid(),
                        "containerRuntimeVersion": "containerd://1.7.27",
                        "kernelVersion": "5.10.234-225.910.amzn2.x86_64",
                        "kubeProxyVersion": "v1.31.7-eks-4d4b4e9",
                        "kubeletVersion": "v1.31.7-eks-4d4b4e9",
                        "machineID": rng.hex(32),
                        "operatingSystem": "linux",
                        "osImage": "Amazon Linux 2",
                        "systemUUID": rng.uid()
                    }
                }
            })
        })
        .collect();
    write_json(out, "k8s/nodes.json", &list(items))
}

fn node_conditions(created: i64) -> Value {
    let beat = ts(NOW - 40);
    let since = ts(created + 20);
    let c = |type_: &str, status: &str, reason: &str, message: &str| json!({"lastHeartbeatTime": beat, "lastTransitionTime": since, "message": message, "reason": reason, "status": status, "type": type_});
    json!([
        c(
            "MemoryPressure",
            "False",
            "KubeletHasSufficientMemory",
            "kubelet has sufficient memory available"
        ),
        c(
            "DiskPressure",
            "False",
            "KubeletHasNoDiskPressure",
            "kubelet has no disk pressure"
        ),
        c(
            "PIDPressure",
            "False",
            "KubeletHasSufficientPID",
            "kubelet has sufficient PID available"
        ),
        c(
            "Ready",
            "True",
            "KubeletReady",
            "kubelet is posting ready status"
        )
    ])
}

fn write_namespaces(out: &Path, names: &[String]) -> io::Result<(PathBuf, u64)> {
    let mut rng = Rng::new(0, 2);
    let all = ["default", "kube-system", "kube-public", "kube-node-lease"]
        .iter()
        .map(|s| s.to_string())
        .chain(names.iter().cloned())
        .chain([ChainNames::INGRESS_NAMESPACE.to_owned()]);
    let items = all
        .map(|name| {
            json!({
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {
                    "creationTimestamp": ts(NOW - 86_400 * 40),
                    "labels": {"kubernetes.io/metadata.name": name},
                    "name": name,
                    "resourceVersion": "412",
                    "uid": rng.uid()
                },
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"}
            })
        })
        .collect();
    write_json(out, "k8s/namespaces.json", &list(items))
}

fn write_cluster_objects(out: &Path) -> io::Result<Vec<(PathBuf, u64)>> {
    let class = json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "IngressClass",
        "metadata": {
            "annotations": {"meta.helm.sh/release-name": "aws-load-balancer-controller", "meta.helm.sh/release-namespace": "kube-system"},
            "creationTimestamp": ts(NOW - 86_400 * 40),
            "labels": {"app.kubernetes.io/instance": "aws-load-balancer-controller", "app.kubernetes.io/name": "aws-load-balancer-controller"},
            "name": "alb",
            "resourceVersion": "1822",
            "uid": "5f0c2a8e-61d3-4b7f-9e2a-3c8d1b6f0a47"
        },
        "spec": {"controller": "ingress.k8s.aws/alb"}
    });
    let webhook = |name: &str, path: &str| {
        json!({
            "admissionReviewVersions": ["v1beta1"],
            "clientConfig": {"caBundle": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUMvakNDQWVhZ0F3SUJBZ0lCQURBTkJna3Foa2lHOXcwQkFRc0ZBREFWTVJNd0VRWURWUVFERXdwcmRXSmwKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=",
                "service": {"name": "aws-load-balancer-webhook-service", "namespace": "kube-system", "path": path, "port": 443}},
            "failurePolicy": "Fail",
            "matchPolicy": "Equivalent",
            "name": name,
            "namespaceSelector": {},
            "objectSelector": {},
            "rules": [{"apiGroups": ["networking.k8s.io"], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"], "resources": ["ingresses"], "scope": "*"}],
            "sideEffects": "None",
            "timeoutSeconds": 10
        })
    };
    let hooks = json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": {
            "creationTimestamp": ts(NOW - 86_400 * 40),
            "labels": {"app.kubernetes.io/instance": "aws-load-balancer-controller", "app.kubernetes.io/name": "aws-load-balancer-controller"},
            "name": "aws-load-balancer-webhook",
            "resourceVersion": "1830",
            "uid": "0b6e3f2c-94a1-4d7e-8c5b-2f1a9d3e7c60"
        },
        "webhooks": [
            webhook("vingress.elbv2.k8s.aws", "/validate-networking-v1-ingress"),
        ]
    });
    Ok(vec![
        write_json(out, "k8s/ingressclasses.json", &list(vec![class]))?,
        write_json(
            out,
            "k8s/validatingwebhookconfigurations.json",
            &list(vec![hooks]),
        )?,
    ])
}

fn tag(key: &str, value: &str) -> Value {
    json!({"Key": key, "Value": value})
}

fn write_aws(out: &Path, namespaces: &[String]) -> io::Result<Vec<(PathBuf, u64)>> {
    let mut written = Vec::new();
    // Subnets: none carries kubernetes.io/role/elb or internal-elb (the next blocker).
    let subnet = |id: &str, i: usize, public: bool| {
        let (kind, base) = if public {
            ("public", 0)
        } else {
            ("private", 32)
        };
        let cidr = if public {
            format!("10.60.{}.0/24", base + i)
        } else {
            format!("10.60.{}.0/20", base + i * 16)
        };
        json!({
            "AssignIpv6AddressOnCreation": false,
            "AvailabilityZone": ZONES[i],
            "AvailabilityZoneId": format!("use2-az{}", i + 1),
            "AvailableIpAddressCount": if public { 241 } else { 3300 + i * 17 },
            "CidrBlock": cidr,
            "DefaultForAz": false,
            "EnableDns64": false,
            "Ipv6CidrBlockAssociationSet": [],
            "Ipv6Native": false,
            "MapCustomerOwnedIpOnLaunch": false,
            "MapPublicIpOnLaunch": public,
            "OwnerId": ACCOUNT,
            "PrivateDnsNameOptionsOnLaunch": {"EnableResourceNameDnsAAAARecord": false, "EnableResourceNameDnsARecord": false, "HostnameType": "ip-name"},
            "State": "available",
            "SubnetArn": format!("arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/{id}"),
            "SubnetId": id,
            "Tags": [tag("Name", &format!("{CLUSTER}-{kind}-{}", &ZONES[i][ZONES[i].len() - 1..])), tag("Environment", "prod"), tag("kubernetes.io/cluster/atlas-prod", "shared")],
            "VpcId": VPC
        })
    };
    let subnets: Vec<Value> = PUBLIC_SUBNETS
        .iter()
        .enumerate()
        .map(|(i, id)| subnet(id, i, true))
        .chain(
            PRIVATE_SUBNETS
                .iter()
                .enumerate()
                .map(|(i, id)| subnet(id, i, false)),
        )
        .collect();
    written.push(write_json(
        out,
        "aws/ec2-describe-subnets.json",
        &json!({"Subnets": subnets}),
    )?);

    let assoc = |rtb: &str, subnet: &str, n: usize| json!({"AssociationState": {"State": "associated"}, "Main": false, "RouteTableAssociationId": format!("rtbassoc-0{n:016x}"), "RouteTableId": rtb, "SubnetId": subnet});
    let public_rtb = "rtb-0d4a7c2e9f1b30001";
    let mut tables = vec![json!({
        "Associations": PUBLIC_SUBNETS.iter().enumerate().map(|(i, s)| assoc(public_rtb, s, i)).collect::<Vec<_>>(),
        "OwnerId": ACCOUNT,
        "PropagatingVgws": [],
        "RouteTableId": public_rtb,
        "Routes": [
            {"DestinationCidrBlock": "10.60.0.0/16", "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active"},
            {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-05b3e8a1c7d2f9604", "Origin": "CreateRoute", "State": "active"}
        ],
        "Tags": [tag("Name", "atlas-prod-public")],
        "VpcId": VPC
    })];
    for (i, s) in PRIVATE_SUBNETS.iter().enumerate() {
        let rtb = format!("rtb-0d4a7c2e9f1b3001{i}");
        tables.push(json!({
            "Associations": [assoc(&rtb, s, 10 + i)],
            "OwnerId": ACCOUNT,
            "PropagatingVgws": [],
            "RouteTableId": rtb,
            "Routes": [
                {"DestinationCidrBlock": "10.60.0.0/16", "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active"},
                {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": format!("nat-0a1c3e5f7b9d2400{i}"), "Origin": "CreateRoute", "State": "active"}
            ],
            "Tags": [tag("Name", &format!("atlas-prod-private-{}", &ZONES[i][ZONES[i].len() - 1..]))],
            "VpcId": VPC
        }));
    }
    written.push(write_json(
        out,
        "aws/ec2-describe-route-tables.json",
        &json!({"RouteTables": tables}),
    )?);

    let nats: Vec<Value> = PUBLIC_SUBNETS
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({
                "ConnectivityType": "public",
                "CreateTime": "2026-04-01T08:12:40+00:00",
                "NatGatewayAddresses": [{"AllocationId": format!("eipalloc-0b2d4f6a8c1e3500{i}"), "IsPrimary": true, "NetworkInterfaceId": format!("eni-0c2e4a6b8d1f3700{i}"), "PrivateIp": format!("10.60.{i}.10"), "PublicIp": format!("3.14.{}.{}", 20 + i, 100 + i), "Status": "succeeded"}],
                "NatGatewayId": format!("nat-0a1c3e5f7b9d2400{i}"),
                "State": "available",
                "SubnetId": s,
                "Tags": [tag("Name", &format!("atlas-prod-nat-{i}"))],
                "VpcId": VPC
            })
        })
        .collect();
    written.push(write_json(
        out,
        "aws/ec2-describe-nat-gateways.json",
        &json!({"NatGateways": nats}),
    )?);

    // Interface endpoints for the private subnets (STS among them), and the S3 gateway.
    let endpoints: Vec<Value> = ["sts", "ecr.api", "ecr.dkr", "logs", "elasticloadbalancing", "ec2", "s3"]
        .iter()
        .enumerate()
        .map(|(i, service)| {
            let gateway = *service == "s3";
            json!({
                "CreationTimestamp": "2026-04-01T08:03:11.000Z",
                "DnsEntries": if gateway { json!([]) } else { json!([{"DnsName": format!("vpce-0{i:016x}-abcdefgh.{service}.{REGION}.vpce.amazonaws.com"), "HostedZoneId": "Z3LB3HFB8N5Q7E"}]) },
                "Groups": if gateway { json!([]) } else { json!([{"GroupId": "sg-0e1d2c3b4a5f60718", "GroupName": "atlas-prod-vpce"}]) },
                "IpAddressType": "ipv4",
                "NetworkInterfaceIds": if gateway { json!([]) } else { json!((0..3).map(|z| format!("eni-0{i}{z}aa0bb0000000")).collect::<Vec<_>>()) },
                "OwnerId": ACCOUNT,
                "PolicyDocument": "{\"Version\":\"2008-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"*\",\"Resource\":\"*\"}]}",
                "PrivateDnsEnabled": !gateway,
                "RequesterManaged": false,
                "RouteTableIds": if gateway { json!((0..3).map(|z| format!("rtb-0d4a7c2e9f1b3001{z}")).collect::<Vec<_>>()) } else { json!([]) },
                "ServiceName": format!("com.amazonaws.{REGION}.{service}"),
                "State": "available",
                "SubnetIds": if gateway { json!([]) } else { json!(PRIVATE_SUBNETS) },
                "Tags": [tag("Name", &format!("atlas-prod-{service}-endpoint"))],
                "VpcEndpointId": format!("vpce-0{i:016x}"),
                "VpcEndpointType": if gateway { "Gateway" } else { "Interface" },
                "VpcId": VPC
            })
        })
        .collect();
    written.push(write_json(
        out,
        "aws/ec2-describe-vpc-endpoints.json",
        &json!({"VpcEndpoints": endpoints}),
    )?);

    written.push(write_json(
        out,
        "aws/eks-describe-cluster.json",
        &json!({"cluster": {
            "accessConfig": {"authenticationMode": "API_AND_CONFIG_MAP"},
            "arn": format!("arn:aws:eks:{REGION}:{ACCOUNT}:cluster/{CLUSTER}"),
            "certificateAuthority": {"data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUMvakNDQWVhZ0F3SUJBZ0lCQURBTkJna3Foa2lHOXcwQkFRc0ZBREFWTVJNd0VRWURWUVFERXdwcmRXSmwKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="},
            "createdAt": "2026-04-01T08:02:11.840000+00:00",
            "endpoint": format!("https://{OIDC_ID}.gr7.{REGION}.eks.amazonaws.com"),
            "identity": {"oidc": {"issuer": format!("https://oidc.eks.{REGION}.amazonaws.com/id/{OIDC_ID}")}},
            "kubernetesNetworkConfig": {"elasticLoadBalancing": {"enabled": false}, "ipFamily": "ipv4", "serviceIpv4Cidr": "172.20.0.0/16"},
            "logging": {"clusterLogging": [{"enabled": false, "types": ["api", "audit", "authenticator", "controllerManager", "scheduler"]}]},
            "name": CLUSTER,
            "platformVersion": "eks.22",
            "resourcesVpcConfig": {
                "clusterSecurityGroupId": "sg-0f3a5c7e9b1d24680",
                "endpointPrivateAccess": true,
                "endpointPublicAccess": true,
                "publicAccessCidrs": ["0.0.0.0/0"],
                "securityGroupIds": [],
                "subnetIds": PRIVATE_SUBNETS.iter().chain(&PUBLIC_SUBNETS).collect::<Vec<_>>(),
                "vpcId": VPC
            },
            "roleArn": format!("arn:aws:iam::{ACCOUNT}:role/{CLUSTER}-cluster"),
            "status": "ACTIVE",
            "tags": {"Environment": "prod"},
            "upgradePolicy": {"supportType": "STANDARD"},
            "version": "1.31"
        }}),
    )?);

    // Fargate profiles: kube-system, and the team namespaces by wildcard (5 selectors each).
    let mut patterns: Vec<String> = TEAMS.iter().map(|t| format!("{t}-*")).collect();
    patterns.push(ChainNames::INGRESS_NAMESPACE.to_owned());
    let _ = namespaces;
    let profile = |name: &str, selectors: Vec<Value>| {
        json!({"fargateProfile": {
            "clusterName": CLUSTER,
            "createdAt": "2026-04-01T08:21:05.118000+00:00",
            "fargateProfileArn": format!("arn:aws:eks:{REGION}:{ACCOUNT}:fargateprofile/{CLUSTER}/{name}/7ac5e8f1-3b4d-6e7f-8a9b-0c1d2e3f4a5b"),
            "fargateProfileName": name,
            "podExecutionRoleArn": format!("arn:aws:iam::{ACCOUNT}:role/{CLUSTER}-fargate-pod-execution"),
            "selectors": selectors,
            "status": "ACTIVE",
            "subnets": PRIVATE_SUBNETS,
            "tags": {"Environment": "prod"}
        }})
    };
    written.push(write_json(
        out,
        "aws/eks-describe-fargate-profile-kube-system.json",
        &profile(
            "atlas-prod-kube-system",
            vec![json!({"labels": {}, "namespace": "kube-system"})],
        ),
    )?);
    for (i, chunk) in patterns.chunks(5).enumerate() {
        let name = format!("atlas-prod-apps-{}", i + 1);
        let selectors = chunk
            .iter()
            .map(|p| json!({"labels": {}, "namespace": p}))
            .collect();
        written.push(write_json(
            out,
            &format!("aws/eks-describe-fargate-profile-{name}.json"),
            &profile(&name, selectors),
        )?);
    }

    written.push(write_json(out, "aws/eks-describe-addon-coredns.json", &json!({"addon": {
        "addonArn": format!("arn:aws:eks:{REGION}:{ACCOUNT}:addon/{CLUSTER}/coredns/26c8a1d2-4e5f-6a7b-8c9d-0e1f2a3b4c5d"),
        "addonName": "coredns",
        "addonVersion": "v1.11.3-eksbuild.2",
        "clusterName": CLUSTER,
        "createdAt": "2026-04-01T08:19:02.331000+00:00",
        "health": {"issues": [{"code": "InsufficientNumberOfReplicas", "message": "The add-on is unhealthy because it doesn't have the desired number of replicas.", "resourceIds": []}]},
        "modifiedAt": "2026-05-12T13:11:51.902000+00:00",
        "status": "DEGRADED",
        "tags": {}
    }}))?);

    let issuer = format!("oidc.eks.{REGION}.amazonaws.com/id/{OIDC_ID}");
    written.push(write_json(out, "aws/iam-get-role-aws-lbc.json", &json!({"Role": {
        "Arn": format!("arn:aws:iam::{ACCOUNT}:role/{CLUSTER}-aws-lbc"),
        "AssumeRolePolicyDocument": {"Statement": [{
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {
                format!("{issuer}:aud"): "sts.amazonaws.com",
                format!("{issuer}:sub"): "system:serviceaccount:kube-system:aws-load-balancer-controller"
            }},
            "Effect": "Allow",
            "Principal": {"Federated": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{issuer}")}
        }], "Version": "2012-10-17"},
        "CreateDate": "2026-04-01T08:12:40+00:00",
        "MaxSessionDuration": 3600,
        "Path": "/",
        "RoleId": "AROAXC7TQ2NQ4EXAMPLE9",
        "RoleLastUsed": {},
        "RoleName": format!("{CLUSTER}-aws-lbc")
    }}))?);
    written.push(write_json(
        out,
        "aws/iam-list-open-id-connect-providers.json",
        &json!({"OpenIDConnectProviderList": [{"Arn": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{issuer}")}]}),
    )?);

    // One ALB per team IngressGroup (the healthy Ingresses), none for the planted group.
    let lbs: Vec<Value> = namespaces
        .iter()
        .enumerate()
        .map(|(i, ns)| {
            let name = format!("k8s-{}-{:010x}", ns.replace('-', ""), i * 7919 + 104_729);
            json!({
                "AvailabilityZones": PUBLIC_SUBNETS.iter().zip(ZONES).map(|(s, z)| json!({"LoadBalancerAddresses": [], "SubnetId": s, "ZoneName": z})).collect::<Vec<_>>(),
                "CanonicalHostedZoneId": "Z3AADJGX6KTTL2",
                "CreatedTime": "2026-04-02T10:11:12.130000+00:00",
                "DNSName": alb_hostname(ns, i),
                "IpAddressType": "ipv4",
                "LoadBalancerArn": format!("arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/{name}/{:016x}", i * 31 + 17),
                "LoadBalancerName": name,
                "Scheme": "internet-facing",
                "SecurityGroups": ["sg-0a2c4e6f8b1d35790"],
                "State": {"Code": "active"},
                "Type": "application",
                "VpcId": VPC
            })
        })
        .collect();
    written.push(write_json(
        out,
        "aws/elbv2-describe-load-balancers.json",
        &json!({"LoadBalancers": lbs}),
    )?);
    Ok(written)
}

fn alb_hostname(ns: &str, i: usize) -> String {
    format!(
        "k8s-{}-{:010x}-{}.{REGION}.elb.amazonaws.com",
        ns.replace('-', ""),
        i * 7919 + 104_729,
        1_000_000_000 + i * 7_654_321 % 900_000_000
    )
}

/// Files of one namespace, and the app pods whose logs may be collected.
struct NamespaceOut {
    files: Vec<(PathBuf, u64)>,
    log_candidates: Vec<(String, String, String)>,
}

struct PodRef {
    name: String,
    uid: String,
    node: String,
    container: String,
    created: i64,
}

#[allow(clippy::too_many_arguments)]
fn write_namespace(
    out: &Path,
    spec: &Spec,
    index: u64,
    ns: &str,
    pod_count: usize,
    event_count: usize,
    nodes: &[String],
) -> io::Result<NamespaceOut> {
    let mut rng = Rng::new(spec.seed, 1000 + index);
    let mut pods = Vec::new();
    let mut deployments = Vec::new();
    let mut replica_sets = Vec::new();
    let mut services = Vec::new();
    let mut endpoints = Vec::new();
    let mut ingresses = Vec::new();
    let mut refs: Vec<PodRef> = Vec::new();
    let mut workloads: Vec<(String, String, String)> = Vec::new(); // (deployment, rs, ingress?)
    let mut left = pod_count;
    let mut k = 0;
    while left > 0 {
        let app = format!("{}-{}", APPS[k % APPS.len()], k / APPS.len() + 1);
        k += 1;
        let replicas = rng.range(2, 10).min(left);
        left -= replicas;
        let w = Workload::new(&mut rng, ns, &app, replicas);
        let mut addresses = Vec::new();
        for _ in 0..replicas {
            let node_index = rng.below(nodes.len());
            let node = &nodes[node_index];
            let (_, ip) = node_ip(node_index);
            let pod = w.pod(&mut rng, node, &ip);
            addresses.push(json!({
                "ip": ip,
                "nodeName": node,
                "targetRef": {"kind": "Pod", "name": pod.1.name, "namespace": ns, "uid": pod.1.uid}
            }));
            pods.push(pod.0);
            refs.push(pod.1);
        }
        deployments.push(w.deployment(&mut rng));
        replica_sets.push(w.replica_set(&mut rng, &w.hash, replicas));
        if rng.chance(50) {
            let old = rng.suffix(10);
            replica_sets.push(w.replica_set(&mut rng, &old, 0));
        }
        services.push(w.service(&mut rng));
        endpoints.push(json!({
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {
                "annotations": {"endpoints.kubernetes.io/last-change-trigger-time": ts(w.created + 90)},
                "creationTimestamp": ts(w.created),
                "labels": {"app.kubernetes.io/name": app, "app.kubernetes.io/part-of": ns},
                "name": app,
                "namespace": ns,
                "resourceVersion": format!("{}", 2_000_000 + rng.below(9_000_000)),
                "uid": rng.uid()
            },
            "subsets": [{"addresses": addresses, "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}]
        }));
        let has_ingress = matches!(APPS[(k - 1) % APPS.len()], "web" | "gateway" | "frontend");
        if has_ingress {
            ingresses.push(w.ingress(&mut rng, index as usize));
        }
        workloads.push((
            app.clone(),
            format!("{app}-{}", w.hash),
            if has_ingress {
                app.clone()
            } else {
                String::new()
            },
        ));
    }

    let events = namespace_events(&mut rng, ns, event_count, &refs, &workloads);
    let dir = format!("k8s/{ns}");
    let mut files = vec![
        write_json(out, &format!("{dir}/pods.json"), &list(pods))?,
        write_json(out, &format!("{dir}/deployments.json"), &list(deployments))?,
        write_json(out, &format!("{dir}/replicasets.json"), &list(replica_sets))?,
        write_json(out, &format!("{dir}/services.json"), &list(services))?,
        write_json(out, &format!("{dir}/endpoints.json"), &list(endpoints))?,
        write_json(out, &format!("{dir}/events.json"), &list(events))?,
    ];
    if !ingresses.is_empty() {
        files.push(write_json(
            out,
            &format!("{dir}/ingresses.json"),
            &list(ingresses),
        )?);
    }
    let log_candidates = refs
        .iter()
        .take(2)
        .map(|r| (ns.to_owned(), r.name.clone(), r.container.clone()))
        .collect();
    Ok(NamespaceOut {
        files,
        log_candidates,
    })
}

/// One app Deployment and what it owns.
struct Workload {
    ns: String,
    app: String,
    hash: String,
    uid: String,
    rs_uid: String,
    image: String,
    replicas: usize,
    created: i64,
    sidecar: bool,
    applied: bool,
    env: Vec<(String, String)>,
}

impl Workload {
    fn new(rng: &mut Rng, ns: &str, app: &str, replicas: usize) -> Workload {
        let team = ns.split('-').next().unwrap_or(ns);
        let env = (0..rng.range(3, 9))
            .map(|i| {
                let (k, v) = match i {
                    0 => ("LOG_LEVEL".to_owned(), "info".to_owned()),
                    1 => ("SERVICE_NAME".to_owned(), format!("{team}-{app}")),
                    2 => (
                        "OTEL_EXPORTER_OTLP_ENDPOINT".to_owned(),
                        "http://otel-collector.observability:4317".to_owned(),
                    ),
                    3 => (
                        "DATABASE_HOST".to_owned(),
                        format!("{team}-db.cluster-c9x1.{REGION}.rds.amazonaws.com"),
                    ),
                    4 => ("AWS_REGION".to_owned(), REGION.to_owned()),
                    5 => (
                        "FEATURE_FLAGS".to_owned(),
                        "checkout-v2,search-rerank".to_owned(),
                    ),
                    6 => ("CACHE_TTL_SECONDS".to_owned(), "300".to_owned()),
                    _ => (format!("WORKER_POOL_{i}"), format!("{}", 4 + i)),
                };
                (k, v)
            })
            .collect();
        Workload {
            ns: ns.to_owned(),
            app: app.to_owned(),
            hash: rng.suffix(10),
            uid: rng.uid(),
            rs_uid: rng.uid(),
            image: format!(
                "{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{team}/{}:{}.{}.{}",
                app.rsplit_once('-').map_or(app, |(a, _)| a),
                rng.range(1, 4),
                rng.range(0, 30),
                rng.range(0, 12)
            ),
            replicas,
            created: NOW - 86_400 * rng.range(2, 30) as i64,
            sidecar: rng.chance(30),
            applied: rng.chance(60),
            env,
        }
    }

    fn labels(&self) -> Value {
        json!({"app.kubernetes.io/name": self.app, "app.kubernetes.io/part-of": self.ns})
    }

    fn containers(&self) -> Value {
        let env: Vec<Value> = self
            .env
            .iter()
            .map(|(k, v)| json!({"name": k, "value": v}))
            .collect();
        let mut containers = vec![json!({
            "env": env,
            "image": self.image,
            "imagePullPolicy": "IfNotPresent",
            "livenessProbe": {"failureThreshold": 3, "httpGet": {"path": "/livez", "port": 8080, "scheme": "HTTP"}, "periodSeconds": 10, "successThreshold": 1, "timeoutSeconds": 1},
            "name": "app",
            "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
            "readinessProbe": {"failureThreshold": 3, "httpGet": {"path": "/readyz", "port": 8080, "scheme": "HTTP"}, "periodSeconds": 5, "successThreshold": 1, "timeoutSeconds": 1},
            "resources": {"limits": {"memory": "512Mi"}, "requests": {"cpu": "250m", "memory": "256Mi"}},
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File",
            "volumeMounts": [{"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": "kube-api-access", "readOnly": true}]
        })];
        if self.sidecar {
            containers.push(json!({
                "args": ["--config=/etc/fluent-bit/fluent-bit.conf"],
                "image": "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.2",
                "imagePullPolicy": "IfNotPresent",
                "name": "log-router",
                "resources": {"limits": {"memory": "128Mi"}, "requests": {"cpu": "50m", "memory": "64Mi"}},
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
                "volumeMounts": [{"mountPath": "/etc/fluent-bit", "name": "fluent-bit-config"}]
            }));
        }
        Value::Array(containers)
    }

    fn template(&self, hash: Option<&str>) -> Value {
        let mut labels = self.labels();
        if let (Some(h), Some(map)) = (hash, labels.as_object_mut()) {
            map.insert("pod-template-hash".into(), json!(h));
        }
        json!({
            "metadata": {"annotations": {"prometheus.io/port": "8080", "prometheus.io/scrape": "true"}, "creationTimestamp": null, "labels": labels},
            "spec": {
                "containers": self.containers(),
                "dnsPolicy": "ClusterFirst",
                "restartPolicy": "Always",
                "schedulerName": "default-scheduler",
                "securityContext": {"fsGroup": 65534, "runAsNonRoot": true},
                "serviceAccount": self.app,
                "serviceAccountName": self.app,
                "terminationGracePeriodSeconds": 30,
                "topologySpreadConstraints": [{"labelSelector": {"matchLabels": self.labels()}, "maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway"}]
            }
        })
    }

    fn deployment(&self, rng: &mut Rng) -> Value {
        let mut annotations =
            json!({"deployment.kubernetes.io/revision": format!("{}", rng.range(1, 40))});
        if self.applied {
            let applied = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"annotations": {}, "labels": self.labels(), "name": self.app, "namespace": self.ns},
                "spec": {"replicas": self.replicas, "selector": {"matchLabels": self.labels()}, "template": self.template(None)}});
            annotations["kubectl.kubernetes.io/last-applied-configuration"] =
                json!(format!("{applied}\n"));
        }
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "annotations": annotations,
                "creationTimestamp": ts(self.created),
                "generation": rng.range(1, 40),
                "labels": self.labels(),
                "name": self.app,
                "namespace": self.ns,
                "resourceVersion": format!("{}", 3_000_000 + rng.below(9_000_000)),
                "uid": self.uid
            },
            "spec": {
                "progressDeadlineSeconds": 600,
                "replicas": self.replicas,
                "revisionHistoryLimit": 10,
                "selector": {"matchLabels": self.labels()},
                "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}, "type": "RollingUpdate"},
                "template": self.template(None)
            },
            "status": {
                "availableReplicas": self.replicas,
                "conditions": [
                    {"lastTransitionTime": ts(self.created + 60), "lastUpdateTime": ts(self.created + 60), "message": "Deployment has minimum availability.", "reason": "MinimumReplicasAvailable", "status": "True", "type": "Available"},
                    {"lastTransitionTime": ts(self.created), "lastUpdateTime": ts(self.created + 90), "message": format!("ReplicaSet \"{}-{}\" has successfully progressed.", self.app, self.hash), "reason": "NewReplicaSetAvailable", "status": "True", "type": "Progressing"}
                ],
                "observedGeneration": 1,
                "readyReplicas": self.replicas,
                "replicas": self.replicas,
                "updatedReplicas": self.replicas
            }
        })
    }

    fn replica_set(&self, rng: &mut Rng, hash: &str, replicas: usize) -> Value {
        let mut labels = self.labels();
        labels["pod-template-hash"] = json!(hash);
        let uid = if hash == self.hash {
            self.rs_uid.clone()
        } else {
            rng.uid()
        };
        json!({
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "annotations": {"deployment.kubernetes.io/desired-replicas": format!("{}", self.replicas), "deployment.kubernetes.io/max-replicas": format!("{}", self.replicas + 1), "deployment.kubernetes.io/revision": "1"},
                "creationTimestamp": ts(self.created),
                "generation": 1,
                "labels": labels,
                "name": format!("{}-{hash}", self.app),
                "namespace": self.ns,
                "ownerReferences": [{"apiVersion": "apps/v1", "blockOwnerDeletion": true, "controller": true, "kind": "Deployment", "name": self.app, "uid": self.uid}],
                "resourceVersion": format!("{}", 3_000_000 + rng.below(9_000_000)),
                "uid": uid
            },
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": labels},
                "template": self.template(Some(hash))
            },
            "status": {"availableReplicas": replicas, "fullyLabeledReplicas": replicas, "observedGeneration": 1, "readyReplicas": replicas, "replicas": replicas}
        })
    }

    fn pod(&self, rng: &mut Rng, node: &str, ip: &str) -> (Value, PodRef) {
        let name = format!("{}-{}-{}", self.app, self.hash, rng.suffix(5));
        let uid = rng.uid();
        let created = NOW - rng.range(3_600, 86_400 * 2) as i64;
        let started = ts(created + 35);
        let mut labels = self.labels();
        labels["pod-template-hash"] = json!(self.hash);
        labels["eks.amazonaws.com/fargate-profile"] = json!("atlas-prod-apps-1");
        let mut template = self.template(Some(&self.hash));
        let mut spec = template["spec"].take();
        spec["nodeName"] = json!(node);
        spec["schedulerName"] = json!("fargate-scheduler");
        spec["enableServiceLinks"] = json!(true);
        spec["preemptionPolicy"] = json!("PreemptLowerPriority");
        spec["priority"] = json!(2_000_001_000);
        spec["priorityClassName"] = json!("system-node-critical");
        spec["tolerations"] = json!([
            {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
            {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300}
        ]);
        spec["volumes"] = json!([{"name": "kube-api-access", "projected": {"defaultMode": 420, "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}},
            {"downwardAPI": {"items": [{"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}, "path": "namespace"}]}}
        ]}}]);
        let containers: Vec<(String, String)> = spec["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                (
                    c["name"].as_str().unwrap_or("").to_owned(),
                    c["image"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        let statuses: Vec<Value> = containers
            .iter()
            .map(|(n, image)| {
                let restarts = if rng.chance(5) { rng.range(1, 4) } else { 0 };
                json!({
                    "containerID": format!("containerd://{}", rng.hex(64)),
                    "image": image,
                    "imageID": format!("{}@sha256:{}", image.split(':').next().unwrap_or(image), rng.hex(64)),
                    "lastState": {},
                    "name": n,
                    "ready": true,
                    "restartCount": restarts,
                    "started": true,
                    "state": {"running": {"startedAt": started}}
                })
            })
            .collect();
        let cond = |t: &str, at: i64| json!({"lastProbeTime": null, "lastTransitionTime": ts(at), "status": "True", "type": t});
        let pod = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "annotations": {"CapacityProvisioned": "0.25vCPU 0.5GB", "Logging": "LoggingEnabled", "prometheus.io/port": "8080", "prometheus.io/scrape": "true"},
                "creationTimestamp": ts(created),
                "generateName": format!("{}-{}-", self.app, self.hash),
                "labels": labels,
                "name": name,
                "namespace": self.ns,
                "ownerReferences": [{"apiVersion": "apps/v1", "blockOwnerDeletion": true, "controller": true, "kind": "ReplicaSet", "name": format!("{}-{}", self.app, self.hash), "uid": self.rs_uid}],
                "resourceVersion": format!("{}", 4_000_000 + rng.below(9_000_000)),
                "uid": uid
            },
            "spec": spec,
            "status": {
                "conditions": [
                    cond("PodReadyToStartContainers", created + 30),
                    cond("Initialized", created + 30),
                    cond("Ready", created + 48),
                    cond("ContainersReady", created + 48),
                    cond("PodScheduled", created + 2)
                ],
                "containerStatuses": statuses,
                "hostIP": ip,
                "hostIPs": [{"ip": ip}],
                "phase": "Running",
                "podIP": ip,
                "podIPs": [{"ip": ip}],
                "qosClass": "Burstable",
                "startTime": ts(created + 30)
            }
        });
        (
            pod,
            PodRef {
                name,
                uid,
                node: node.to_owned(),
                container: "app".to_owned(),
                created,
            },
        )
    }

    fn service(&self, rng: &mut Rng) -> Value {
        let mut annotations = json!({});
        if self.applied {
            let applied = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"annotations": {}, "name": self.app, "namespace": self.ns},
                "spec": {"ports": [{"name": "http", "port": 80, "targetPort": "http"}], "selector": self.labels()}});
            annotations["kubectl.kubernetes.io/last-applied-configuration"] =
                json!(format!("{applied}\n"));
        }
        let ip = format!("172.20.{}.{}", rng.range(1, 254), rng.range(1, 254));
        json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "annotations": annotations,
                "creationTimestamp": ts(self.created),
                "labels": self.labels(),
                "name": self.app,
                "namespace": self.ns,
                "resourceVersion": format!("{}", 5_000_000 + rng.below(9_000_000)),
                "uid": rng.uid()
            },
            "spec": {
                "clusterIP": ip,
                "clusterIPs": [ip],
                "internalTrafficPolicy": "Cluster",
                "ipFamilies": ["IPv4"],
                "ipFamilyPolicy": "SingleStack",
                "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": "http"}],
                "selector": self.labels(),
                "sessionAffinity": "None",
                "type": "ClusterIP"
            },
            "status": {"loadBalancer": {}}
        })
    }

    fn ingress(&self, rng: &mut Rng, ns_index: usize) -> Value {
        let host = format!("{}.{}.atlas.example.com", self.app, self.ns);
        let annotations = json!({
            "alb.ingress.kubernetes.io/group.name": self.ns,
            "alb.ingress.kubernetes.io/healthcheck-path": "/readyz",
            "alb.ingress.kubernetes.io/listen-ports": "[{\"HTTPS\":443}]",
            "alb.ingress.kubernetes.io/scheme": "internet-facing",
            "alb.ingress.kubernetes.io/subnets": PUBLIC_SUBNETS.join(","),
            "alb.ingress.kubernetes.io/target-type": "ip",
            "alb.ingress.kubernetes.io/certificate-arn": format!("arn:aws:acm:{REGION}:{ACCOUNT}:certificate/{}", rng.uid())
        });
        json!({
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {
                "annotations": annotations,
                "creationTimestamp": ts(self.created + 120),
                "finalizers": [format!("group.ingress.k8s.aws/{}", self.ns)],
                "generation": 1,
                "labels": self.labels(),
                "name": self.app,
                "namespace": self.ns,
                "resourceVersion": format!("{}", 6_000_000 + rng.below(9_000_000)),
                "uid": rng.uid()
            },
            "spec": {
                "ingressClassName": "alb",
                "rules": [{"host": host, "http": {"paths": [{"backend": {"service": {"name": self.app, "port": {"number": 80}}}, "path": "/", "pathType": "Prefix"}]}}],
                "tls": [{"hosts": [host]}]
            },
            "status": {"loadBalancer": {"ingress": [{"hostname": alb_hostname(&self.ns, ns_index)}]}}
        })
    }
}

/// Event noise for one namespace, as the API server keeps it: the pods' lifecycle, rollouts,
/// probe warnings and the load balancer controller's successful reconciles.
fn namespace_events(
    rng: &mut Rng,
    ns: &str,
    count: usize,
    pods: &[PodRef],
    workloads: &[(String, String, String)],
) -> Vec<Value> {
    let mut events = Vec::with_capacity(count);
    for _ in 0..count {
        let roll = rng.below(100);
        let last = NOW - rng.below(3_600 * 3) as i64;
        let (kind, api, name, uid, reason, message, type_, component, host, count, field) = if roll
            < 75
        {
            let p = rng.pick(pods);
            let image = "app";
            let (reason, message, type_, count) = match rng.below(20) {
                0..=2 => (
                    "Scheduled",
                    format!("Successfully assigned {ns}/{} to {}", p.name, p.node),
                    "Normal",
                    1,
                ),
                3..=5 => (
                    "Pulling",
                    format!("Pulling image \"{}\"", image_of(ns, &p.name)),
                    "Normal",
                    1,
                ),
                6..=8 => (
                    "Pulled",
                    format!(
                        "Successfully pulled image \"{}\" in {}.{}s ({}.{}s including waiting). Image size: {} bytes.",
                        image_of(ns, &p.name),
                        rng.range(1, 20),
                        rng.range(100, 999),
                        rng.range(1, 20),
                        rng.range(100, 999),
                        rng.range(20_000_000, 400_000_000)
                    ),
                    "Normal",
                    1,
                ),
                9..=11 => ("Created", format!("Created container {image}"), "Normal", 1),
                12..=14 => ("Started", format!("Started container {image}"), "Normal", 1),
                15..=17 => (
                    "Unhealthy",
                    format!(
                        "Readiness probe failed: Get \"http://{}:8080/readyz\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)",
                        pod_ip(rng)
                    ),
                    "Warning",
                    rng.range(1, 40),
                ),
                18 => (
                    "Killing",
                    format!("Stopping container {image}"),
                    "Normal",
                    1,
                ),
                _ => (
                    "LoggingEnabled",
                    "Successfully enabled logging for pod".to_owned(),
                    "Normal",
                    1,
                ),
            };
            let component = match reason {
                "Scheduled" => "fargate-scheduler",
                "LoggingEnabled" => "fargate-scheduler",
                _ => "kubelet",
            };
            let field = (component == "kubelet").then(|| "spec.containers{app}".to_owned());
            let _ = p.created;
            (
                "Pod",
                "v1",
                p.name.clone(),
                p.uid.clone(),
                reason,
                message,
                type_,
                component,
                (component == "kubelet").then(|| p.node.clone()),
                count,
                field,
            )
        } else {
            let (dep, rs, ing) = rng.pick(workloads);
            if roll < 88 {
                (
                    "Deployment",
                    "apps/v1",
                    dep.clone(),
                    rng.uid(),
                    "ScalingReplicaSet",
                    format!("Scaled up replica set {rs} from 0 to {}", rng.range(2, 10)),
                    "Normal",
                    "deployment-controller",
                    None,
                    1,
                    None,
                )
            } else if roll < 96 || ing.is_empty() {
                (
                    "ReplicaSet",
                    "apps/v1",
                    rs.clone(),
                    rng.uid(),
                    "SuccessfulCreate",
                    format!("Created pod: {rs}-{}", rng.suffix(5)),
                    "Normal",
                    "replicaset-controller",
                    None,
                    1,
                    None,
                )
            } else {
                (
                    "Ingress",
                    "networking.k8s.io/v1",
                    ing.clone(),
                    rng.uid(),
                    "SuccessfullyReconciled",
                    "Successfully reconciled".to_owned(),
                    "Normal",
                    "ingress",
                    None,
                    rng.range(1, 30),
                    None,
                )
            }
        };
        let first = last - 60 * (count as i64 - 1);
        let mut involved = json!({"apiVersion": api, "kind": kind, "name": name, "namespace": ns, "resourceVersion": format!("{}", 4_000_000 + rng.below(9_000_000)), "uid": uid});
        if let Some(f) = field {
            involved["fieldPath"] = json!(f);
        }
        let mut source = json!({"component": component});
        if let Some(h) = &host {
            source["host"] = json!(h);
        }
        events.push(json!({
            "apiVersion": "v1",
            "count": count,
            "eventTime": null,
            "firstTimestamp": ts(first),
            "involvedObject": involved,
            "kind": "Event",
            "lastTimestamp": ts(last),
            "message": message,
            "metadata": {
                "creationTimestamp": ts(first),
                "name": format!("{name}.{}", rng.hex(16)),
                "namespace": ns,
                "resourceVersion": format!("{}", 7_000_000 + rng.below(9_000_000)),
                "uid": rng.uid()
            },
            "reason": reason,
            "reportingComponent": component,
            "reportingInstance": host.unwrap_or_default(),
            "source": source,
            "type": type_
        }));
    }
    events
}

fn image_of(ns: &str, pod: &str) -> String {
    let team = ns.split('-').next().unwrap_or(ns);
    let app = pod.split('-').next().unwrap_or(pod);
    format!("{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{team}/{app}")
}

fn pod_ip(rng: &mut Rng) -> String {
    format!("10.60.{}.{}", rng.range(32, 79), rng.range(4, 253))
}

/// kube-system: the planted CoreDNS and the load balancer controller, plus healthy add-ons.
struct SystemOut {
    files: Vec<(PathBuf, u64)>,
    lbc_pods: Vec<String>,
    /// Other controller pods with logs: (pod, container).
    log_pods: Vec<(String, String)>,
}

fn write_kube_system(out: &Path, spec: &Spec, nodes: &[String]) -> io::Result<SystemOut> {
    let mut rng = Rng::new(spec.seed, 3);
    let node_total = nodes.len();
    let ns = "kube-system";
    let taint_message = format!(
        "0/{node_total} nodes are available: {node_total} node(s) had untolerated taint {{eks.amazonaws.com/compute-type: fargate}}. preemption: 0/{node_total} nodes are available: {node_total} Preemption is not helpful for scheduling."
    );
    let dns_labels = json!({"eks.amazonaws.com/component": "coredns", "k8s-app": "kube-dns"});
    let dns_hash = "7d4c9b8f65";
    let dns_uid = rng.uid();
    let dns_rs_uid = rng.uid();
    let dns_created = NOW - 86_400 * 41;
    let dns_container = json!([{
        "args": ["-conf", "/etc/coredns/Corefile"],
        "image": format!("602401143452.dkr.ecr.{REGION}.amazonaws.com/eks/coredns:v1.11.3-eksbuild.2"),
        "imagePullPolicy": "IfNotPresent",
        "livenessProbe": {"failureThreshold": 5, "httpGet": {"path": "/health", "port": 8080, "scheme": "HTTP"}, "initialDelaySeconds": 60, "periodSeconds": 10, "successThreshold": 1, "timeoutSeconds": 5},
        "name": "coredns",
        "ports": [{"containerPort": 53, "name": "dns", "protocol": "UDP"}, {"containerPort": 53, "name": "dns-tcp", "protocol": "TCP"}, {"containerPort": 9153, "name": "metrics", "protocol": "TCP"}],
        "readinessProbe": {"failureThreshold": 3, "httpGet": {"path": "/ready", "port": 8181, "scheme": "HTTP"}, "periodSeconds": 10, "successThreshold": 1, "timeoutSeconds": 1},
        "resources": {"limits": {"memory": "170Mi"}, "requests": {"cpu": "100m", "memory": "70Mi"}},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "volumeMounts": [{"mountPath": "/etc/coredns", "name": "config-volume", "readOnly": true}]
    }]);
    let dns_template = json!({
        "metadata": {"annotations": {"eks.amazonaws.com/compute-type": "ec2"}, "creationTimestamp": null, "labels": dns_labels},
        "spec": {
            "containers": dns_container,
            "dnsPolicy": "Default",
            "priorityClassName": "system-cluster-critical",
            "restartPolicy": "Always",
            "schedulerName": "default-scheduler",
            "serviceAccount": "coredns",
            "serviceAccountName": "coredns",
            "terminationGracePeriodSeconds": 30,
            "tolerations": [{"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}, {"key": "CriticalAddonsOnly", "operator": "Exists"}],
            "volumes": [{"configMap": {"defaultMode": 420, "items": [{"key": "Corefile", "path": "Corefile"}], "name": "coredns"}, "name": "config-volume"}]
        }
    });
    let coredns = json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "annotations": {"deployment.kubernetes.io/revision": "2"},
            "creationTimestamp": ts(dns_created),
            "generation": 2,
            "labels": {"eks.amazonaws.com/component": "coredns", "k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS"},
            "name": "coredns",
            "namespace": ns,
            "resourceVersion": "9120331",
            "uid": dns_uid
        },
        "spec": {
            "progressDeadlineSeconds": 600,
            "replicas": 2,
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": dns_labels},
            "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}, "type": "RollingUpdate"},
            "template": dns_template
        },
        "status": {
            "conditions": [
                {"lastTransitionTime": ts(NOW - 2_900), "lastUpdateTime": ts(NOW - 2_900), "message": "Deployment does not have minimum availability.", "reason": "MinimumReplicasUnavailable", "status": "False", "type": "Available"}
            ],
            "observedGeneration": 2,
            "replicas": 2,
            "unavailableReplicas": 2,
            "updatedReplicas": 2
        }
    });
    let mut dns_rs_labels = dns_labels.clone();
    dns_rs_labels["pod-template-hash"] = json!(dns_hash);
    let mut dns_rs_template = dns_template.clone();
    dns_rs_template["metadata"]["labels"] = dns_rs_labels.clone();
    let dns_rs = json!({
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "annotations": {"deployment.kubernetes.io/desired-replicas": "2", "deployment.kubernetes.io/max-replicas": "3", "deployment.kubernetes.io/revision": "2"},
            "creationTimestamp": ts(NOW - 3_000),
            "generation": 1,
            "labels": dns_rs_labels,
            "name": format!("coredns-{dns_hash}"),
            "namespace": ns,
            "ownerReferences": [{"apiVersion": "apps/v1", "blockOwnerDeletion": true, "controller": true, "kind": "Deployment", "name": "coredns", "uid": dns_uid}],
            "resourceVersion": "9120330",
            "uid": dns_rs_uid
        },
        "spec": {"replicas": 2, "selector": {"matchLabels": dns_rs_labels}, "template": dns_rs_template},
        "status": {"fullyLabeledReplicas": 2, "observedGeneration": 1, "replicas": 2}
    });
    let mut pods = Vec::new();
    let mut events = Vec::new();
    for suffix in ["x7k2q", "m4w9p"] {
        let name = format!("coredns-{dns_hash}-{suffix}");
        let uid = rng.uid();
        let mut spec_ = dns_rs_template["spec"].clone();
        spec_["enableServiceLinks"] = json!(true);
        spec_["preemptionPolicy"] = json!("PreemptLowerPriority");
        spec_["priority"] = json!(2_000_000_000);
        pods.push(json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "annotations": {"eks.amazonaws.com/compute-type": "ec2"},
                "creationTimestamp": ts(NOW - 2_950),
                "generateName": format!("coredns-{dns_hash}-"),
                "labels": dns_rs_labels,
                "name": name,
                "namespace": ns,
                "ownerReferences": [{"apiVersion": "apps/v1", "blockOwnerDeletion": true, "controller": true, "kind": "ReplicaSet", "name": format!("coredns-{dns_hash}"), "uid": dns_rs_uid}],
                "resourceVersion": "9120342",
                "uid": uid
            },
            "spec": spec_,
            "status": {
                "conditions": [{"lastProbeTime": null, "lastTransitionTime": ts(NOW - 2_950), "message": taint_message, "reason": "Unschedulable", "status": "False", "type": "PodScheduled"}],
                "phase": "Pending",
                "qosClass": "Burstable"
            }
        }));
        events.push(json!({
            "apiVersion": "v1",
            "count": 47,
            "eventTime": null,
            "firstTimestamp": ts(NOW - 2_950),
            "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": name, "namespace": ns, "resourceVersion": "9120342", "uid": uid},
            "kind": "Event",
            "lastTimestamp": ts(NOW - 95),
            "message": taint_message,
            "metadata": {"creationTimestamp": ts(NOW - 2_950), "name": format!("{name}.18b2f0c4d7e9a135"), "namespace": ns, "resourceVersion": "9120500", "uid": rng.uid()},
            "reason": "FailedScheduling",
            "reportingComponent": "default-scheduler",
            "reportingInstance": "",
            "source": {"component": "default-scheduler"},
            "type": "Warning"
        }));
    }

    // Healthy controllers on Fargate: the load balancer controller, external-dns, metrics-server.
    let mut deployments = vec![coredns];
    let mut replica_sets = vec![dns_rs];
    let mut lbc_pods = Vec::new();
    let mut log_pods = Vec::new();
    let mut endpoints = Vec::new();
    let controllers: [(&str, &str, Vec<&str>); 3] = [
        (
            "aws-load-balancer-controller",
            "public.ecr.aws/eks/aws-load-balancer-controller:v2.8.1",
            vec![
                "--cluster-name=atlas-prod",
                "--ingress-class=alb",
                "--aws-region=us-east-2",
                "--aws-vpc-id=vpc-0a7f3c91d2e4b5861",
            ],
        ),
        (
            "external-dns",
            "registry.k8s.io/external-dns/external-dns:v0.14.2",
            vec![
                "--source=ingress",
                "--provider=aws",
                "--domain-filter=atlas.example.com",
                "--registry=txt",
                "--txt-owner-id=atlas-prod",
            ],
        ),
        (
            "metrics-server",
            "registry.k8s.io/metrics-server/metrics-server:v0.7.2",
            vec![
                "--cert-dir=/tmp",
                "--secure-port=10251",
                "--kubelet-preferred-address-types=InternalIP",
                "--metric-resolution=15s",
            ],
        ),
    ];
    for (name, image, args) in controllers {
        let labels = json!({"app.kubernetes.io/instance": name, "app.kubernetes.io/name": name});
        let hash = rng.suffix(10);
        let dep_uid = rng.uid();
        let rs_uid = rng.uid();
        let created = NOW - 86_400 * 12;
        let env = if name == "aws-load-balancer-controller" {
            json!([
                {"name": "AWS_STS_REGIONAL_ENDPOINTS", "value": "regional"},
                {"name": "AWS_DEFAULT_REGION", "value": REGION},
                {"name": "AWS_REGION", "value": REGION},
                {"name": "AWS_ROLE_ARN", "value": format!("arn:aws:iam::{ACCOUNT}:role/{CLUSTER}-aws-lbc")},
                {"name": "AWS_WEB_IDENTITY_TOKEN_FILE", "value": "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"}
            ])
        } else {
            json!([])
        };
        let template = json!({
            "metadata": {"creationTimestamp": null, "labels": labels},
            "spec": {
                "containers": [{"args": args, "env": env, "image": image, "imagePullPolicy": "IfNotPresent", "name": name,
                    "ports": [{"containerPort": 9443, "name": "webhook-server", "protocol": "TCP"}, {"containerPort": 8080, "name": "metrics-server", "protocol": "TCP"}],
                    "resources": {"limits": {"memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
                    "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}],
                "dnsPolicy": "ClusterFirst",
                "restartPolicy": "Always",
                "schedulerName": "default-scheduler",
                "serviceAccount": name,
                "serviceAccountName": name,
                "terminationGracePeriodSeconds": 10
            }
        });
        deployments.push(json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "annotations": {"deployment.kubernetes.io/revision": "1", "meta.helm.sh/release-name": name, "meta.helm.sh/release-namespace": ns},
                "creationTimestamp": ts(created),
                "generation": 1,
                "labels": {"app.kubernetes.io/instance": name, "app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/name": name},
                "name": name,
                "namespace": ns,
                "resourceVersion": "812233",
                "uid": dep_uid
            },
            "spec": {"progressDeadlineSeconds": 600, "replicas": 2, "revisionHistoryLimit": 10, "selector": {"matchLabels": labels},
                "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}, "type": "RollingUpdate"}, "template": template},
            "status": {"availableReplicas": 2, "conditions": [{"lastTransitionTime": ts(created + 60), "lastUpdateTime": ts(created + 60), "message": "Deployment has minimum availability.", "reason": "MinimumReplicasAvailable", "status": "True", "type": "Available"}],
                "observedGeneration": 1, "readyReplicas": 2, "replicas": 2, "updatedReplicas": 2}
        }));
        let mut rs_labels = labels.clone();
        rs_labels["pod-template-hash"] = json!(hash);
        let rs_name = format!("{name}-{hash}");
        replica_sets.push(json!({
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {"creationTimestamp": ts(created), "generation": 1, "labels": rs_labels, "name": rs_name, "namespace": ns,
                "ownerReferences": [{"apiVersion": "apps/v1", "blockOwnerDeletion": true, "controller": true, "kind": "Deployment", "name": name, "uid": dep_uid}],
                "resourceVersion": "812230", "uid": rs_uid},
            "spec": {"replicas": 2, "selector": {"matchLabels": rs_labels}, "template": template},
            "status": {"availableReplicas": 2, "fullyLabeledReplicas": 2, "observedGeneration": 1, "readyReplicas": 2, "replicas": 2}
        }));
        let mut addresses = Vec::new();
        for _ in 0..2 {
            let pod_name = format!("{rs_name}-{}", rng.suffix(5));
            let node_index = rng.below(node_total);
            let (_, ip) = node_ip(node_index);
            let mut pod_labels = rs_labels.clone();
            pod_labels["eks.amazonaws.com/fargate-profile"] = json!("atlas-prod-kube-system");
            let mut spec_ = template["spec"].clone();
            spec_["nodeName"] = json!(nodes[node_index]);
            spec_["schedulerName"] = json!("fargate-scheduler");
            let started = ts(created + 40);
            let pod_uid = rng.uid();
            pods.push(json!({
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"annotations": {"CapacityProvisioned": "0.25vCPU 0.5GB", "Logging": "LoggingEnabled"}, "creationTimestamp": ts(created), "generateName": format!("{rs_name}-"), "labels": pod_labels, "name": pod_name, "namespace": ns,
                    "ownerReferences": [{"apiVersion": "apps/v1", "blockOwnerDeletion": true, "controller": true, "kind": "ReplicaSet", "name": rs_name, "uid": rs_uid}],
                    "resourceVersion": "812300", "uid": pod_uid},
                "spec": spec_,
                "status": {
                    "conditions": [
                        {"lastProbeTime": null, "lastTransitionTime": ts(created + 30), "status": "True", "type": "Initialized"},
                        {"lastProbeTime": null, "lastTransitionTime": ts(created + 40), "status": "True", "type": "Ready"},
                        {"lastProbeTime": null, "lastTransitionTime": ts(created + 40), "status": "True", "type": "ContainersReady"},
                        {"lastProbeTime": null, "lastTransitionTime": ts(created + 2), "status": "True", "type": "PodScheduled"}
                    ],
                    "containerStatuses": [{"containerID": format!("containerd://{}", rng.hex(64)), "image": image, "imageID": format!("{image}@sha256:{}", rng.hex(64)), "lastState": {}, "name": name, "ready": true, "restartCount": 0, "started": true, "state": {"running": {"startedAt": started}}}],
                    "hostIP": ip, "hostIPs": [{"ip": ip}], "phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}], "qosClass": "Burstable", "startTime": ts(created + 30)
                }
            }));
            addresses.push(json!({"ip": ip, "nodeName": nodes[node_index], "targetRef": {"kind": "Pod", "name": pod_name, "namespace": ns, "uid": pod_uid}}));
            if name == "aws-load-balancer-controller" {
                lbc_pods.push(pod_name);
            } else {
                log_pods.push((pod_name, name.to_owned()));
            }
        }
        if name == "aws-load-balancer-controller" {
            endpoints.push(json!({
                "apiVersion": "v1", "kind": "Endpoints",
                "metadata": {"creationTimestamp": ts(created), "labels": labels, "name": "aws-load-balancer-webhook-service", "namespace": ns, "resourceVersion": "812400", "uid": rng.uid()},
                "subsets": [{"addresses": addresses, "ports": [{"name": "webhook-server", "port": 9443, "protocol": "TCP"}]}]
            }));
        }
    }
    // kube-dns: the Service exists, its Endpoints have no subsets at all.
    endpoints.push(json!({
        "apiVersion": "v1", "kind": "Endpoints",
        "metadata": {"annotations": {"endpoints.kubernetes.io/last-change-trigger-time": ts(NOW - 2_950)}, "creationTimestamp": ts(dns_created),
            "labels": {"eks.amazonaws.com/component": "kube-dns", "k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS"},
            "name": "kube-dns", "namespace": ns, "resourceVersion": "9120345", "uid": rng.uid()}
    }));
    let services = vec![
        json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"annotations": {"prometheus.io/port": "9153", "prometheus.io/scrape": "true"}, "creationTimestamp": ts(dns_created),
                "labels": {"eks.amazonaws.com/component": "kube-dns", "k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS"},
                "name": "kube-dns", "namespace": ns, "resourceVersion": "240", "uid": rng.uid()},
            "spec": {"clusterIP": "172.20.0.10", "clusterIPs": ["172.20.0.10"], "internalTrafficPolicy": "Cluster", "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                "ports": [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53}, {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53}, {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153}],
                "selector": {"k8s-app": "kube-dns"}, "sessionAffinity": "None", "type": "ClusterIP"},
            "status": {"loadBalancer": {}}
        }),
        json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"creationTimestamp": ts(NOW - 86_400 * 12), "labels": {"app.kubernetes.io/instance": "aws-load-balancer-controller", "app.kubernetes.io/name": "aws-load-balancer-controller"},
                "name": "aws-load-balancer-webhook-service", "namespace": ns, "resourceVersion": "812210", "uid": rng.uid()},
            "spec": {"clusterIP": "172.20.118.41", "clusterIPs": ["172.20.118.41"], "ports": [{"name": "webhook-server", "port": 443, "protocol": "TCP", "targetPort": "webhook-server"}],
                "selector": {"app.kubernetes.io/instance": "aws-load-balancer-controller", "app.kubernetes.io/name": "aws-load-balancer-controller"}, "type": "ClusterIP"},
            "status": {"loadBalancer": {}}
        }),
    ];
    let accounts: Vec<Value> = [
        ("aws-load-balancer-controller", true),
        ("coredns", false),
        ("external-dns", false),
        ("metrics-server", false),
    ]
    .iter()
    .map(|(name, irsa)| {
        let mut annotations = json!({});
        if *irsa {
            annotations["eks.amazonaws.com/role-arn"] =
                json!(format!("arn:aws:iam::{ACCOUNT}:role/{CLUSTER}-aws-lbc"));
        }
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"annotations": annotations, "creationTimestamp": ts(NOW - 86_400 * 12), "labels": {"app.kubernetes.io/name": name}, "name": name, "namespace": ns, "resourceVersion": "812200", "uid": rng.uid()}})
    })
    .collect();
    let dir = "k8s/kube-system";
    Ok(SystemOut {
        files: vec![
            write_json(out, &format!("{dir}/pods.json"), &list(pods))?,
            write_json(out, &format!("{dir}/deployments.json"), &list(deployments))?,
            write_json(out, &format!("{dir}/replicasets.json"), &list(replica_sets))?,
            write_json(out, &format!("{dir}/services.json"), &list(services))?,
            write_json(out, &format!("{dir}/endpoints.json"), &list(endpoints))?,
            write_json(out, &format!("{dir}/events.json"), &list(events))?,
            write_json(out, &format!("{dir}/serviceaccounts.json"), &list(accounts))?,
        ],
        lbc_pods,
        log_pods,
    })
}

/// The symptom: one ALB Ingress of the group `atlas-public`, with no address.
fn write_planted_ingress(out: &Path) -> io::Result<(PathBuf, u64)> {
    let ns = ChainNames::INGRESS_NAMESPACE;
    let name = ChainNames::INGRESS;
    let created = NOW - 1_260;
    let annotations = json!({
        "alb.ingress.kubernetes.io/group.name": ChainNames::GROUP,
        "alb.ingress.kubernetes.io/healthcheck-path": "/healthz",
        "alb.ingress.kubernetes.io/scheme": "internet-facing",
        "alb.ingress.kubernetes.io/target-type": "ip",
        "kubectl.kubernetes.io/last-applied-configuration": format!("{}\n", json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"annotations": {"alb.ingress.kubernetes.io/group.name": ChainNames::GROUP, "alb.ingress.kubernetes.io/scheme": "internet-facing", "alb.ingress.kubernetes.io/target-type": "ip"}, "name": name, "namespace": ns}, "spec": {"ingressClassName": "alb"}}))
    });
    let ingress = json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"annotations": annotations, "creationTimestamp": ts(created), "generation": 1, "name": name, "namespace": ns, "resourceVersion": "9120777", "uid": "3e9a51c2-7b0d-4f68-a2c4-91d7e5b3f026"},
        "spec": {
            "ingressClassName": "alb",
            "rules": [{"host": "www.atlas.example.com", "http": {"paths": [{"backend": {"service": {"name": "public-gateway", "port": {"number": 80}}}, "path": "/", "pathType": "Prefix"}]}}]
        },
        "status": {"loadBalancer": {}}
    });
    let service = json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"creationTimestamp": ts(created - 30), "name": name, "namespace": ns, "resourceVersion": "9120700", "uid": "61f0b7d3-2c8e-4a95-b1d6-07e4c9a2f358"},
        "spec": {"clusterIP": "172.20.201.7", "clusterIPs": ["172.20.201.7"], "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}], "selector": {"app": name}, "type": "ClusterIP"},
        "status": {"loadBalancer": {}}
    });
    write_json(
        out,
        &format!("k8s/{ns}/services.json"),
        &list(vec![service]),
    )?;
    write_json(
        out,
        &format!("k8s/{ns}/ingresses.json"),
        &list(vec![ingress]),
    )
}

/// Logs: the load balancer controller's leader gets half the volume (info noise with the planted
/// STS error repeating, as the controller retries), the rest goes to other controllers and apps.
fn write_logs(
    out: &Path,
    spec: &Spec,
    lbc_pods: &[String],
    log_pods: &[(String, String)],
    app_pods: &[(String, String, String)],
) -> io::Result<Vec<(PathBuf, u64)>> {
    let total = spec.log_mb as u64 * 1_000_000;
    let mut jobs: Vec<(String, u64, LogStyle)> = Vec::new();
    let lbc = "aws-load-balancer-controller";
    if let [leader, follower, ..] = lbc_pods {
        jobs.push((
            format!("logs/kube-system/{leader}/{lbc}.log"),
            total / 2,
            LogStyle::LbcLeader,
        ));
        jobs.push((
            format!("logs/kube-system/{follower}/{lbc}.log"),
            2_000,
            LogStyle::LbcFollower,
        ));
    }
    for (pod, container) in log_pods {
        let style = if container == "external-dns" {
            LogStyle::ExternalDns
        } else {
            LogStyle::Klog
        };
        jobs.push((
            format!("logs/kube-system/{pod}/{container}.log"),
            total / 20,
            style,
        ));
    }
    let apps: Vec<_> = app_pods
        .iter()
        .step_by(app_pods.len().div_ceil(8).max(1))
        .collect();
    let rest = total.saturating_sub(total / 2 + total / 20 * log_pods.len() as u64);
    for (ns, pod, container) in &apps {
        jobs.push((
            format!("logs/{ns}/{pod}/{container}.log"),
            rest / apps.len() as u64,
            LogStyle::App,
        ));
    }
    jobs.par_iter()
        .enumerate()
        .map(|(i, (rel, bytes, style))| {
            let path = out.join(rel);
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir)?;
            }
            let mut w = BufWriter::with_capacity(1 << 20, File::create(&path)?);
            let written = write_log(&mut w, *style, *bytes, spec.seed ^ (i as u64 + 77))?;
            w.flush()?;
            Ok((PathBuf::from(rel), written))
        })
        .collect()
}

#[derive(Debug, Clone, Copy)]
enum LogStyle {
    LbcLeader,
    LbcFollower,
    ExternalDns,
    Klog,
    App,
}

const STS_ERROR: &str = "WebIdentityErr: failed to retrieve credentials\\ncaused by: RequestError: send request failed\\ncaused by: Post \\\"https://sts.us-east-2.amazonaws.com/\\\": dial tcp: lookup sts.us-east-2.amazonaws.com on 172.20.0.10:53: read udp 10.60.33.17:41022->172.20.0.10:53: read: connection refused";

fn write_log<W: Write>(w: &mut W, style: LogStyle, target: u64, seed: u64) -> io::Result<u64> {
    let mut rng = Rng::new(seed, 9);
    let mut written = 0u64;
    let mut line = String::with_capacity(1024);
    let start = NOW - 5 * 3_600;
    let mut n: u64 = 0;
    let estimated_lines = (target / 180).max(1);
    let header: &[&str] = match style {
        LogStyle::LbcLeader | LogStyle::LbcFollower => &[
            r#"{"level":"info","ts":"TS","msg":"version","GitVersion":"v2.8.1","GitCommit":"7c1e0b5a9d3f24e68b01c2d3e4f5a6b7c8d9e0f1","BuildDate":"2025-01-15T21:09:52+0000"}"#,
            r#"{"level":"info","ts":"TS","logger":"setup","msg":"adding health check for controller"}"#,
            r#"{"level":"info","ts":"TS","logger":"controller-runtime.webhook","msg":"Registering webhook","path":"/validate-networking-v1-ingress"}"#,
            r#"{"level":"info","ts":"TS","msg":"attempting to acquire leader lease kube-system/aws-load-balancer-controller-leader..."}"#,
        ],
        _ => &[],
    };
    fn emit<W: Write>(w: &mut W, text: &str, written: &mut u64) -> io::Result<()> {
        w.write_all(text.as_bytes())?;
        w.write_all(b"\n")?;
        *written += text.len() as u64 + 1;
        Ok(())
    }
    for h in header {
        emit(w, &h.replace("TS", &ts(start)), &mut written)?;
    }
    if matches!(style, LogStyle::LbcLeader) {
        emit(
            w,
            &format!(
                r#"{{"level":"info","ts":"{}","msg":"successfully acquired lease kube-system/aws-load-balancer-controller-leader"}}"#,
                ts(start + 2)
            ),
            &mut written,
        )?;
    }
    if matches!(style, LogStyle::LbcFollower) {
        return Ok(written);
    }
    let mut planted = 0;
    while written < target {
        n += 1;
        let t = start + (n * 5 * 3_600 / estimated_lines) as i64;
        let t = ts(t.min(NOW - 30));
        line.clear();
        use std::fmt::Write as _;
        let ns = format!("{}-{}", TEAMS[rng.below(TEAMS.len())], rng.range(1, 13));
        match style {
            LogStyle::LbcLeader => {
                // The retrying STS error: every ~4,000 lines, and among the very last lines.
                let near_end =
                    written + 8_000 > target && planted < 3 + (written / 800_000) as usize;
                if n.is_multiple_of(4_000) || (near_end && n.is_multiple_of(7)) {
                    planted += 1;
                    let _ = write!(
                        line,
                        r#"{{"level":"error","ts":"{t}","msg":"Reconciler error","controller":"ingress","object":{{"name":"{g}"}},"namespace":"","name":"{g}","reconcileID":"{}","error":"{STS_ERROR}"}}"#,
                        rng.uid(),
                        g = ChainNames::GROUP
                    );
                } else {
                    match rng.below(6) {
                        0 => {
                            let _ = write!(
                                line,
                                r##"{{"level":"info","ts":"{t}","logger":"controllers.ingress","msg":"successfully built model","model":"{{\"id\":\"{ns}\",\"resources\":{{\"AWS::ElasticLoadBalancingV2::Listener\":{{\"443\":{{\"spec\":{{\"loadBalancerARN\":{{\"$ref\":\"#/resources/AWS::ElasticLoadBalancingV2::LoadBalancer/LoadBalancer/status/loadBalancerARN\"}},\"port\":443,\"protocol\":\"HTTPS\",\"sslPolicy\":\"ELBSecurityPolicy-2016-08\"}}}}}}}}}}"}}"##
                            );
                        }
                        1 => {
                            let _ = write!(
                                line,
                                r#"{{"level":"info","ts":"{t}","logger":"controllers.ingress","msg":"successfully deployed model","ingressGroup":"{ns}"}}"#
                            );
                        }
                        2 => {
                            let _ = write!(
                                line,
                                r#"{{"level":"info","ts":"{t}","logger":"backend-sg-provider","msg":"reconciled backend security group rules","securityGroupID":"sg-0{}","ingressGroup":"{ns}"}}"#,
                                rng.hex(16)
                            );
                        }
                        3 => {
                            let _ = write!(
                                line,
                                r#"{{"level":"info","ts":"{t}","logger":"controllers.targetGroupBinding","msg":"registering targets","arn":"arn:aws:elasticloadbalancing:us-east-2:482913560172:targetgroup/k8s-{}-{}/{}","targets":[{{"AvailabilityZone":null,"Id":"{}","Port":8080}}]}}"#,
                                ns.replace('-', ""),
                                rng.hex(10),
                                rng.hex(16),
                                pod_ip(&mut rng)
                            );
                        }
                        4 => {
                            let _ = write!(
                                line,
                                r#"{{"level":"info","ts":"{t}","logger":"controllers.targetGroupBinding","msg":"registered targets","arn":"arn:aws:elasticloadbalancing:us-east-2:482913560172:targetgroup/k8s-{}-{}/{}"}}"#,
                                ns.replace('-', ""),
                                rng.hex(10),
                                rng.hex(16)
                            );
                        }
                        _ => {
                            let _ = write!(
                                line,
                                r#"{{"level":"info","ts":"{t}","logger":"controllers.ingress","msg":"Reconciling ingress group","groupID":{{"Namespace":"","Name":"{ns}"}}}}"#
                            );
                        }
                    }
                }
            }
            LogStyle::ExternalDns => {
                let _ = match rng.below(3) {
                    0 => write!(
                        line,
                        "time=\"{t}\" level=info msg=\"Applying provider record filter for domains: [atlas.example.com. .atlas.example.com.]\""
                    ),
                    1 => write!(
                        line,
                        "time=\"{t}\" level=info msg=\"All records are already up to date\""
                    ),
                    _ => write!(
                        line,
                        "time=\"{t}\" level=debug msg=\"Endpoints generated from ingress: {ns}/web-1: [web-1.{ns}.atlas.example.com 0 IN CNAME  k8s-{}.{REGION}.elb.amazonaws.com []]\"",
                        ns.replace('-', "")
                    ),
                };
            }
            LogStyle::Klog => {
                let micros = rng.below(1_000_000);
                let clock = &t[11..19];
                let _ = match rng.below(2) {
                    0 => write!(
                        line,
                        "I0512 {clock}.{micros:06}       1 server.go:191] \"Scraped metrics\" nodes={} pods={}",
                        rng.range(1_900, 2_000),
                        rng.range(55_000, 60_000)
                    ),
                    _ => write!(
                        line,
                        "I0512 {clock}.{micros:06}       1 handler_proxy.go:143] \"Served request\" path=\"/apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods\" latency=\"{}ms\"",
                        rng.range(2, 90)
                    ),
                };
            }
            LogStyle::App => {
                let r = rng.below(1_000);
                let status = if r < 2 {
                    503
                } else if r < 40 {
                    404
                } else {
                    200
                };
                if r == 999 {
                    let _ = write!(
                        line,
                        r#"{{"time":"{t}","level":"ERROR","msg":"upstream request error","upstream":"inventory-1.inventory-1.svc","status":503,"attempt":{}}}"#,
                        rng.range(1, 3)
                    );
                } else {
                    let _ = write!(
                        line,
                        r#"{}  - - [{t}] "GET /api/v1/{}/{} HTTP/1.1" {status} {} "-" "Go-http-client/1.1" {}.{:03}"#,
                        pod_ip(&mut rng),
                        ["orders", "items", "prices", "users", "carts"][rng.below(5)],
                        rng.range(1, 999_999),
                        rng.range(120, 9_000),
                        rng.below(2),
                        rng.below(1_000)
                    );
                }
            }
            LogStyle::LbcFollower => {}
        }
        emit(w, &line, &mut written)?;
    }
    Ok(written)
}
