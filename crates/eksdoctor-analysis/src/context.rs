//! Facts derived once from the snapshot and shared by every rule: the load balancer controller
//! and its version, how each Ingress resolves its class, CoreDNS, and the controller's error
//! messages from events and logs.

use crate::bundle::Kind;
use crate::finding::{Evidence, EvidenceSource, Key, Subject};
use crate::logs::{Entry, LogFile};
use crate::model::k8s::{Event, Ingress, IngressClass, Pod, Service, Workload};
use crate::snapshot::{Input, Snapshot};
use std::collections::BTreeMap;

pub const ALB_CONTROLLER: &str = "ingress.k8s.aws/alb";
pub const AUTO_MODE_ALB_CONTROLLER: &str = "eks.amazonaws.com/alb";
pub const CLASS_ANNOTATION: &str = "kubernetes.io/ingress.class";
pub const SCHEME_ANNOTATION: &str = "alb.ingress.kubernetes.io/scheme";
pub const TARGET_TYPE_ANNOTATION: &str = "alb.ingress.kubernetes.io/target-type";
pub const SUBNETS_ANNOTATION: &str = "alb.ingress.kubernetes.io/subnets";
pub const GROUP_ANNOTATION: &str = "alb.ingress.kubernetes.io/group.name";
pub const FARGATE_TAINT: &str = "eks.amazonaws.com/compute-type";
/// Normal ALB provisioning takes 2-5 minutes; younger Ingresses without an address are waiting.
pub const PROVISIONING_WINDOW_SECS: i64 = 5 * 60;

/// Network failure wordings of Go's net/http and both AWS SDKs.
pub const NETWORK_ERRORS: &[&str] = &[
    "dial tcp",
    "i/o timeout",
    "no such host",
    "connection refused",
    "TLS handshake timeout",
    "request send failed",
    "send request failed",
];

/// Wordings of the controller's own credentials failing, in both AWS SDKs: whatever API call
/// carries them, the call never reached that API.
pub const CREDENTIAL_ERRORS: &[&str] = &[
    "WebIdentityErr",
    "AssumeRoleWithWebIdentity",
    "InvalidIdentityToken",
    "get credentials",
    "failed to retrieve credentials",
    "failed to load credentials",
    "NoCredentialProviders",
    "CredentialsEndpointError",
];

/// A target group built without a port, by controller version: `TargetGroup port is empty`
/// (v2.13.4+), `Value '0' at 'port'` (SDK v2), `CreateTargetGroupInput.Port` (SDK v1). Instance
/// targets behind a Service without a NodePort give it.
pub const TARGET_GROUP_PORT_ERRORS: &[&str] = &[
    "TargetGroup port is empty",
    "Value '0' at 'port'",
    "CreateTargetGroupInput.Port",
];

/// AWS API hosts named in a text, as (service, region): `ec2.eu-west-1.amazonaws.com` gives
/// (`ec2`, `eu-west-1`).
pub fn aws_api_hosts(text: &str) -> Vec<(String, String)> {
    let mut hosts = Vec::new();
    for (at, _) in text.match_indices(".amazonaws.com") {
        let start = text[..at]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
            .map_or(0, |i| i + 1);
        let labels: Vec<&str> = text[start..at].split('.').collect();
        if let [.., service, region] = labels.as_slice() {
            let host = (service.to_string(), region.to_string());
            if !hosts.contains(&host) {
                hosts.push(host);
            }
        }
    }
    hosts
}

/// The entries of the first `[...]` in a controller message after `marker` (from the start
/// when it is empty): `[sg-a sg-b]` and `[sg-a, sg-b]` alike.
pub fn bracketed_after(text: &str, marker: &str) -> Option<Vec<String>> {
    let rest = &text[text.find(marker)? + marker.len()..];
    let open = rest.find('[')?;
    let close = open + rest[open..].find(']')?;
    Some(
        rest[open + 1..close]
            .split([' ', ','])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    )
}

/// `eu-west-1`, `us-gov-west-1`, `ap-southeast-2`: two letters, words, a number.
pub fn is_region(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

/// An LBC release, from its image tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl Version {
    pub const fn new(major: u32, minor: u32, patch: u32) -> Version {
        Version {
            major,
            minor,
            patch,
        }
    }
    /// `v2.8.1`, `2.13.0`, `v2.7.1-eksbuild.1` -> a version; anything else -> `None`.
    pub fn parse(tag: &str) -> Option<Version> {
        let tag = tag.strip_prefix('v').unwrap_or(tag);
        let core = tag.split(['-', '+']).next()?;
        let mut parts = core.split('.').map(|p| p.parse::<u32>().ok());
        Some(Version::new(
            parts.next()??,
            parts.next()??,
            parts.next().flatten().unwrap_or(0),
        ))
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "v{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// The AWS Load Balancer Controller as deployed in the cluster.
#[derive(Debug)]
pub struct Controller<'s> {
    pub deployment: &'s Workload,
    pub pods: Vec<&'s Pod>,
    pub image: String,
    pub version: Option<Version>,
    /// The legacy v1 `aws-alb-ingress-controller` (end of life).
    pub legacy_v1: bool,
    /// `--flag=value` arguments of the controller container.
    pub args: BTreeMap<String, String>,
}

impl Controller<'_> {
    pub fn namespace(&self) -> &str {
        self.deployment.metadata.namespace()
    }
    pub fn name(&self) -> &str {
        &self.deployment.metadata.name
    }
    pub fn arg(&self, flag: &str) -> Option<&str> {
        self.args.get(flag).map(String::as_str)
    }
    /// The class the controller claims through the annotation (`--ingress-class`, default `alb`).
    pub fn ingress_class(&self) -> &str {
        self.arg("ingress-class")
            .filter(|c| !c.is_empty())
            .unwrap_or("alb")
    }
    /// From v2.13.0 the controller falls back to route tables when no subnet has the role tag.
    pub fn discovers_by_reachability(&self) -> bool {
        self.version.is_some_and(|v| v >= Version::new(2, 13, 0))
            && !self
                .arg("feature-gates")
                .is_some_and(|g| g.contains("SubnetDiscoveryByReachability=false"))
    }
    /// v2.0.0 - v2.1.1 required `kubernetes.io/cluster/<name>` on every subnet.
    pub fn requires_cluster_tag(&self) -> bool {
        self.version.is_some_and(|v| v < Version::new(2, 1, 2))
    }
    pub fn service_account(&self) -> &str {
        self.deployment
            .spec
            .template
            .spec
            .service_account_name
            .as_deref()
            .unwrap_or("default")
    }
    /// The container's arguments, as evidence.
    pub fn args_evidence(&self) -> Evidence {
        let args: Vec<String> = self
            .args
            .iter()
            .map(|(k, v)| format!("--{k}={v}"))
            .collect();
        Evidence::new(
            EvidenceSource::Object,
            format!("deployments/{}/{}", self.namespace(), self.name()),
            format!("args: {}", args.join(" ")),
        )
    }
    pub fn version_text(&self) -> String {
        let version = self
            .version
            .map_or_else(|| "an unknown version".to_owned(), |v| v.to_string());
        if self.legacy_v1 {
            format!("{version}, the legacy aws-alb-ingress-controller: end of life, upgrade to v2")
        } else {
            version
        }
    }
}

/// The Deployment a pod name comes from: `<deployment>-<replicaset hash>-<pod suffix>`.
fn deployment_of_pod(pod: &str) -> Option<String> {
    let (rest, suffix) = pod.rsplit_once('-')?;
    let (deployment, hash) = rest.rsplit_once('-')?;
    let generated = |s: &str, len: std::ops::RangeInclusive<usize>| {
        len.contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    (generated(suffix, 5..=5) && generated(hash, 6..=10) && !deployment.is_empty())
        .then(|| deployment.to_owned())
}

fn image_tag(image: &str) -> Option<&str> {
    let (_, tag) = image.rsplit_once(':')?;
    (!tag.contains('/')).then_some(tag)
}

fn is_lbc_image(image: &str) -> bool {
    image.contains("aws-load-balancer-controller") || image.contains("aws-alb-ingress-controller")
}

/// How an Ingress picks its controller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClassSource {
    /// `kubernetes.io/ingress.class` annotation (wins over `ingressClassName`).
    Annotation(String),
    /// `spec.ingressClassName`.
    ClassName(String),
    /// No class of its own; the cluster's default IngressClass applies.
    Default(String),
    /// No class and no default IngressClass: no controller claims it.
    None,
    /// No class of its own, and IngressClasses were not collected: cannot tell.
    Unknown,
}

#[derive(Debug)]
pub struct IngressView<'s> {
    pub ingress: &'s Ingress,
    pub class: ClassSource,
    /// The controller of the resolved IngressClass, when the class object was collected.
    pub controller: Option<String>,
    /// Reconciled by an ALB controller (the LBC, or EKS Auto Mode's).
    pub is_alb: bool,
    /// Scheme from the annotation, if set (`None` means the controller default, `internal`).
    pub scheme_annotation: Option<String>,
}

impl IngressView<'_> {
    pub fn namespace(&self) -> &str {
        self.ingress.metadata.namespace()
    }
    pub fn name(&self) -> &str {
        &self.ingress.metadata.name
    }
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.ingress.metadata.annotation(key)
    }
    /// The effective scheme: the annotation, else the controller default `internal`.
    pub fn scheme(&self) -> &str {
        self.scheme_annotation.as_deref().unwrap_or("internal")
    }
    pub fn role_tag(&self) -> &'static str {
        if self.scheme() == "internet-facing" {
            "kubernetes.io/role/elb"
        } else {
            "kubernetes.io/role/internal-elb"
        }
    }
    pub fn group(&self) -> Option<&str> {
        self.annotation(GROUP_ANNOTATION)
    }
    pub fn subject(&self) -> Subject {
        Subject::new("Ingress", Some(self.namespace()), self.name())
    }
    /// A comma-separated annotation as its entries (`subnet-a, subnet-b`).
    pub fn annotation_list(&self, key: &str) -> Vec<String> {
        self.annotation(key)
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }
    /// An annotation of this Ingress as evidence, if it is set.
    pub fn annotation_evidence(&self, key: &str) -> Option<Evidence> {
        let value = self.annotation(key)?;
        Some(Evidence::new(
            EvidenceSource::Object,
            format!("ingresses/{}/{}", self.namespace(), self.name()),
            format!("{key}: {value}"),
        ))
    }
    /// The message names this Ingress, or the IngressGroup it belongs to (controller messages
    /// about a group have namespace `""` and the group's name).
    pub fn is_named_by(&self, message: &Message) -> bool {
        message.object.as_ref().is_some_and(|(ns, name)| {
            (ns == self.namespace() && name == self.name())
                || (ns.is_empty() && self.group() == Some(name))
        })
    }
    /// The key of this Ingress's address, which whatever keeps its ALB from being built breaks.
    pub fn address_key(&self) -> Key {
        Key::IngressAddress(self.namespace().to_owned(), self.name().to_owned())
    }
}

/// An error or warning the controller reported: a Warning event or an error-like log line.
#[derive(Debug, Clone)]
pub struct Message {
    /// Readable text (a JSON log line's `msg: error`, unescaped).
    pub text: String,
    pub source: EvidenceSource,
    /// Where it is: `events/Ingress/ns/name (FailedBuildModel)` or `logs/...log:17`.
    pub reference: String,
    /// The Ingress (namespace, name) or IngressGroup (``, group) the message is about.
    pub object: Option<(String, String)>,
    /// Event reason, for events.
    pub reason: Option<String>,
    /// A Warning event, or a log line at error/warning level (not an info line kept for its
    /// wording, such as the leader-election notice).
    pub problem: bool,
}

impl Message {
    /// A Warning event's message with nothing else known: for unit tests of wordings.
    #[cfg(test)]
    pub(crate) fn event_text(text: &str) -> Message {
        Message {
            text: text.into(),
            source: EvidenceSource::Events,
            reference: String::new(),
            object: None,
            reason: None,
            problem: true,
        }
    }
    pub fn evidence(&self) -> Evidence {
        Evidence::new(self.source, self.reference.clone(), self.text.clone())
    }
    pub fn contains(&self, token: &str) -> bool {
        self.text.contains(token)
    }
}

#[derive(Debug)]
pub struct Context<'s> {
    pub snapshot: &'s Snapshot,
    pub lbc: Option<Controller<'s>>,
    pub ingresses: Vec<IngressView<'s>>,
    /// Controller errors from Ingress/Service events and controller logs, in bundle order.
    pub lbc_messages: Vec<Message>,
    pub coredns: Option<&'s Workload>,
    /// Pods that cannot be placed, by owning workload.
    pub pending: Vec<crate::scheduling::PendingGroup<'s>>,
    /// EKS Auto Mode: AWS runs the ALB controller and CoreDNS itself.
    pub auto_mode: bool,
    /// The region, from the bundle; else from the controller's `--aws-region` or the AWS hosts
    /// its errors name (a bundle of pasted logs says where it runs no other way).
    pub region: Option<String>,
}

impl<'s> Context<'s> {
    pub fn new(snapshot: &'s Snapshot) -> Context<'s> {
        let lbc = find_controller(snapshot);
        let auto_mode = snapshot
            .aws
            .cluster
            .as_ref()
            .is_some_and(|c| c.is_auto_mode())
            || snapshot
                .ingress_classes
                .iter()
                .any(|c| c.spec.controller.as_deref() == Some(AUTO_MODE_ALB_CONTROLLER));
        let ingresses = snapshot
            .ingresses
            .iter()
            .map(|ing| view(snapshot, lbc.as_ref(), ing))
            .collect();
        let lbc_messages = collect_messages(snapshot, lbc.as_ref());
        let region = snapshot
            .region()
            .map(str::to_owned)
            .or_else(|| {
                lbc.as_ref()
                    .and_then(|l| l.arg("aws-region"))
                    .filter(|r| is_region(r))
                    .map(str::to_owned)
            })
            .or_else(|| {
                lbc_messages
                    .iter()
                    .flat_map(|m| aws_api_hosts(&m.text))
                    .map(|(_, region)| region)
                    .find(|r| is_region(r))
            });
        let coredns = snapshot.deployment("kube-system", "coredns").or_else(|| {
            snapshot.deployments.iter().find(|d| {
                d.metadata.namespace() == "kube-system"
                    && d.spec.template.metadata.label("k8s-app") == Some("kube-dns")
            })
        });
        Context {
            snapshot,
            lbc,
            ingresses,
            lbc_messages,
            coredns,
            pending: crate::scheduling::pending_groups(snapshot),
            auto_mode,
            region,
        }
    }

    /// What an Ingress's address depends on: its own reconcile and, for an ALB Ingress, the
    /// controller reconciling at all and its pods running.
    pub fn address_needs(&self, ing: &IngressView<'_>) -> Vec<Key> {
        let mut needs = vec![ing.address_key()];
        if ing.is_alb {
            needs.push(Key::AlbReconcile);
            if let Some(lbc) = &self.lbc {
                needs.push(Key::WorkloadUp(
                    "Deployment".into(),
                    lbc.namespace().into(),
                    lbc.name().into(),
                ));
            }
        }
        needs
    }

    /// ALB Ingresses that have no address.
    pub fn alb_ingresses_without_address(&self) -> impl Iterator<Item = &IngressView<'s>> {
        self.ingresses
            .iter()
            .filter(|i| i.is_alb && i.ingress.address().is_none())
    }

    /// The Ingresses a controller message is about (an IngressGroup maps to its members); all
    /// ALB Ingresses without an address when the message names none.
    pub fn ingresses_of(&self, message: &Message) -> Vec<&IngressView<'s>> {
        let matched = self.ingresses_named_by(message);
        if matched.is_empty() {
            self.alb_ingresses_without_address().collect()
        } else {
            matched
        }
    }

    /// The ALB Ingresses a controller message names (an IngressGroup maps to its members);
    /// none for a message about another object (a TargetGroupBinding, a Service).
    pub fn ingresses_named_by(&self, message: &Message) -> Vec<&IngressView<'s>> {
        self.ingresses
            .iter()
            .filter(|i| i.is_alb && i.is_named_by(message))
            .collect()
    }

    /// The target type of an Ingress backend: the Service's annotation, else the Ingress's, else
    /// the controller's `--default-target-type` (`instance` unless set).
    pub fn target_type(&self, ing: &IngressView<'_>, svc: Option<&Service>) -> String {
        svc.and_then(|s| s.metadata.annotation(TARGET_TYPE_ANNOTATION))
            .or_else(|| ing.annotation(TARGET_TYPE_ANNOTATION))
            .or_else(|| self.lbc.as_ref().and_then(|l| l.arg("default-target-type")))
            .filter(|t| !t.is_empty())
            .unwrap_or("instance")
            .to_owned()
    }

    /// The IngressClass object an Ingress resolves to through `ingressClassName` or the default
    /// class (the annotation names no object), when it was collected.
    pub fn ingress_class(&self, ing: &IngressView<'_>) -> Option<&'s IngressClass> {
        let (ClassSource::ClassName(name) | ClassSource::Default(name)) = &ing.class else {
            return None;
        };
        self.snapshot
            .ingress_classes
            .iter()
            .find(|c| &c.metadata.name == name)
    }

    /// The controller's messages that `matches` accepts, grouped by the ALB Ingress each is
    /// about (see [`Context::ingresses_of`]), messages in bundle order.
    pub fn messages_by_ingress(
        &self,
        matches: impl Fn(&Message) -> bool,
    ) -> Vec<(&IngressView<'s>, Vec<&Message>)> {
        let mut groups: Vec<(&IngressView<'s>, Vec<&Message>)> = Vec::new();
        for m in self.lbc_messages.iter().filter(|m| matches(m)) {
            for ing in self.ingresses_of(m) {
                match groups.iter_mut().find(|(i, _)| std::ptr::eq(*i, ing)) {
                    Some((_, messages)) => messages.push(m),
                    None => groups.push((ing, vec![m])),
                }
            }
        }
        groups
    }

    /// The load balancer controller's own log files.
    pub fn controller_logs(&self) -> impl Iterator<Item = &'s LogFile> {
        let (snapshot, lbc) = (self.snapshot, self.lbc.as_ref());
        snapshot
            .logs
            .iter()
            .filter(move |l| is_controller_log(snapshot, lbc, l))
    }

    pub fn has(&self, input: Input) -> bool {
        self.snapshot.has(input)
    }

    /// Namespace and name of the controller Deployment; when it was not collected, those of the
    /// Deployment whose pod wrote the controller's log, else the chart defaults.
    pub fn lbc_names(&self) -> (String, String) {
        if let Some(l) = &self.lbc {
            return (l.namespace().to_owned(), l.name().to_owned());
        }
        self.controller_logs()
            .find_map(|log| Some((log.namespace.clone(), deployment_of_pod(&log.pod)?)))
            .unwrap_or_else(|| {
                (
                    "kube-system".to_owned(),
                    "aws-load-balancer-controller".to_owned(),
                )
            })
    }

    /// The controller Deployment as a finding subject.
    pub fn lbc_subject(&self) -> Subject {
        let (ns, name) = self.lbc_names();
        Subject::new("Deployment", Some(&ns), &name)
    }

    pub fn region(&self) -> String {
        self.region.as_deref().unwrap_or("<region>").to_owned()
    }

    pub fn cluster_name(&self) -> String {
        self.snapshot
            .cluster_name()
            .unwrap_or("<cluster>")
            .to_owned()
    }
}

fn find_controller(snapshot: &Snapshot) -> Option<Controller<'_>> {
    // By image first; a mirrored image under another name is found by the chart's labels.
    let by_image = |d: &&Workload| {
        d.spec
            .template
            .spec
            .containers
            .iter()
            .any(|c| is_lbc_image(&c.image))
    };
    let by_label = |d: &&Workload| {
        d.metadata.label("app.kubernetes.io/name") == Some("aws-load-balancer-controller")
            || d.spec.template.metadata.label("app.kubernetes.io/name")
                == Some("aws-load-balancer-controller")
    };
    let deployment = snapshot
        .deployments
        .iter()
        .find(by_image)
        .or_else(|| snapshot.deployments.iter().find(by_label))?;
    let containers = &deployment.spec.template.spec.containers;
    let container = containers
        .iter()
        .find(|c| is_lbc_image(&c.image))
        .or_else(|| {
            containers
                .iter()
                .find(|c| c.args.iter().any(|a| a.starts_with("--cluster-name")))
        })
        .or(containers.first())?;
    let args = container
        .args
        .iter()
        .chain(&container.command)
        .filter_map(|a| a.strip_prefix("--"))
        .map(|a| match a.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (a.to_owned(), String::new()),
        })
        .collect();
    let version = image_tag(&container.image).and_then(Version::parse);
    Some(Controller {
        deployment,
        pods: snapshot.pods_of("Deployment", deployment),
        image: container.image.clone(),
        version,
        // Docker Hub's amazon/aws-alb-ingress-controller also carries the v2 releases.
        legacy_v1: container.image.contains("aws-alb-ingress-controller")
            && version.is_none_or(|v| v.major < 2),
        args,
    })
}

fn view<'s>(
    snapshot: &'s Snapshot,
    lbc: Option<&Controller<'_>>,
    ing: &'s Ingress,
) -> IngressView<'s> {
    let classes_known = snapshot.has(Input::Kube(Kind::IngressClass));
    let find = |name: &str| {
        snapshot
            .ingress_classes
            .iter()
            .find(|c| c.metadata.name == name)
    };
    let class = if let Some(a) = ing.metadata.annotation(CLASS_ANNOTATION) {
        ClassSource::Annotation(a.to_owned())
    } else if let Some(n) = ing.spec.ingress_class_name.as_deref() {
        ClassSource::ClassName(n.to_owned())
    } else {
        let defaults: Vec<&IngressClass> = snapshot
            .ingress_classes
            .iter()
            .filter(|c| c.is_default())
            .collect();
        match defaults.first() {
            Some(c) => ClassSource::Default(c.metadata.name.clone()),
            None if classes_known => ClassSource::None,
            None => ClassSource::Unknown,
        }
    };
    let lbc_class = lbc.map_or("alb", |l| l.ingress_class());
    let (controller, is_alb) = match &class {
        ClassSource::Annotation(name) => {
            // The LBC claims annotated Ingresses by the annotation value alone.
            let controller = find(name).and_then(|c| c.spec.controller.clone());
            (controller, name == lbc_class)
        }
        ClassSource::ClassName(name) | ClassSource::Default(name) => {
            let controller = find(name).and_then(|c| c.spec.controller.clone());
            let is_alb = match &controller {
                Some(c) => c == ALB_CONTROLLER || c == AUTO_MODE_ALB_CONTROLLER,
                // Class not collected: a class named like the controller's is taken as ALB.
                None => name == lbc_class,
            };
            (controller, is_alb)
        }
        ClassSource::None | ClassSource::Unknown => (None, false),
    };
    IngressView {
        ingress: ing,
        class,
        controller,
        is_alb,
        scheme_annotation: ing
            .metadata
            .annotation(SCHEME_ANNOTATION)
            .map(str::to_owned),
    }
}

const INGRESS_EVENT_KINDS: &[&str] = &["Ingress", "Service", "TargetGroupBinding"];

/// A Warning event as a message: about its Ingress, if it is on one.
pub fn event_message(e: &Event) -> Message {
    Message {
        text: e.message.clone(),
        source: EvidenceSource::Events,
        reference: format!(
            "events/{}/{}/{} ({}, x{})",
            e.involved_kind, e.involved_namespace, e.involved_name, e.reason, e.count
        ),
        object: (e.involved_kind == "Ingress")
            .then(|| (e.involved_namespace.clone(), e.involved_name.clone())),
        reason: Some(e.reason.clone()),
        problem: true,
    }
}

fn collect_messages(snapshot: &Snapshot, lbc: Option<&Controller<'_>>) -> Vec<Message> {
    let mut out: Vec<Message> = snapshot
        .events
        .iter()
        .filter(|e| e.is_warning() && INGRESS_EVENT_KINDS.contains(&e.involved_kind.as_str()))
        .map(event_message)
        .collect();
    // `collect` reads events through core/v1 and events.k8s.io/v1: the same event twice.
    let mut seen = std::collections::HashSet::new();
    out.retain(|m| seen.insert((m.reference.clone(), m.text.clone())));
    for log in snapshot
        .logs
        .iter()
        .filter(|l| is_controller_log(snapshot, lbc, l))
    {
        for line in &log.lines {
            let entry = Entry::read(&line.text);
            out.push(Message {
                text: entry.text,
                source: EvidenceSource::Log,
                reference: format!("{}:{}", log.path, line.number),
                object: entry.object,
                reason: None,
                problem: entry.problem,
            });
        }
    }
    out
}

/// A log of the load balancer controller: of one of its pods; or, for a pod that was not
/// collected (a bundle of pasted logs), one named after its Deployment or after the chart's
/// and the legacy controller's default names.
fn is_controller_log(snapshot: &Snapshot, lbc: Option<&Controller<'_>>, log: &LogFile) -> bool {
    let default_name = [&log.pod, &log.container].iter().any(|n| {
        n.contains("aws-load-balancer-controller") || n.contains("alb-ingress-controller")
    });
    let Some(lbc) = lbc else {
        return default_name;
    };
    if lbc
        .pods
        .iter()
        .any(|p| p.metadata.namespace() == log.namespace && p.metadata.name == log.pod)
    {
        return true;
    }
    let named_after = log.namespace == lbc.namespace()
        && log
            .pod
            .strip_prefix(lbc.name())
            .is_some_and(|rest| rest.starts_with('-'));
    // A listed pod of that name that is not the controller's is some other workload (looked up
    // last: the pod list can be 60,000 long and most logs are no candidate at all).
    (named_after || default_name)
        && !snapshot
            .pods
            .iter()
            .any(|p| p.metadata.namespace() == log.namespace && p.metadata.name == log.pod)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_from_image_tags() {
        assert_eq!(Version::parse("v2.8.1"), Some(Version::new(2, 8, 1)));
        assert_eq!(Version::parse("2.13.0"), Some(Version::new(2, 13, 0)));
        assert_eq!(
            Version::parse("v2.7.1-eksbuild.1"),
            Some(Version::new(2, 7, 1))
        );
        assert_eq!(Version::parse("latest"), None);
        assert_eq!(
            image_tag("public.ecr.aws/eks/aws-load-balancer-controller:v2.8.1"),
            Some("v2.8.1")
        );
        assert_eq!(
            image_tag("localhost:5000/aws-load-balancer-controller"),
            None
        );
    }

    #[test]
    fn deployments_of_pod_names() {
        assert_eq!(
            deployment_of_pod("alb-ingress-controller-5c8f7d9b6-t7x4n").as_deref(),
            Some("alb-ingress-controller")
        );
        assert_eq!(
            deployment_of_pod("aws-load-balancer-controller-6d5f8c7b9a-k2x9p").as_deref(),
            Some("aws-load-balancer-controller")
        );
        assert_eq!(deployment_of_pod("lbc-pasted"), None);
        assert_eq!(deployment_of_pod("aws-load-balancer-controller"), None);
    }

    #[test]
    fn aws_hosts_and_regions() {
        let text = r#"Post "https://sts.eu-west-1.amazonaws.com/": dial tcp: lookup elasticloadbalancing.sa-east1.amazonaws.com on 10.0.0.2:53"#;
        assert_eq!(
            aws_api_hosts(text),
            vec![
                ("sts".to_owned(), "eu-west-1".to_owned()),
                ("elasticloadbalancing".to_owned(), "sa-east1".to_owned())
            ]
        );
        assert!(
            is_region("eu-west-1") && is_region("us-gov-west-1") && is_region("ap-southeast-2")
        );
        assert!(!is_region("sa-east1") && !is_region("us-east-2a") && !is_region("eu-west-"));
    }
}
