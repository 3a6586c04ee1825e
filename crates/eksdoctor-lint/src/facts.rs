//! Facts about a whole configuration that several rules need: which well-known modules are
//! used, whether the cluster runs on Fargate only, where the load balancer controller is
//! installed and with which values, and the Ingresses it will serve. Every fact is
//! conservative: when something cannot be known, the answer is the one that produces no finding.

use crate::eval::read_small_file;
use crate::helm::{Found, HelmValues};
use crate::model::{Config, Instance, Kind};
use crate::value::{Obj, Value, glob_match, parse_yaml_docs};

pub const LBC_CHART: &str = "aws-load-balancer-controller";

/// Registry and git modules whose inputs the rules understand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Module {
    Vpc,
    VpcEndpoints,
    Eks,
    FargateProfile,
    NodeGroup,
    Karpenter,
    /// IAM role modules whose trust policy admits OIDC subjects (IRSA).
    Irsa,
    /// `aws-ia/eks-blueprints-addons` (and the older `kubernetes-addons`): many add-ons.
    BlueprintsAddons,
    /// `aws-ia/eks-blueprints-addon`: one Helm release, `helm_release`-shaped inputs.
    BlueprintsAddon,
    /// A local module (followed, its resources are in the configuration).
    Local,
    /// Anything else from outside: its contents are unknown.
    Other,
}

pub fn module_kind(inst: &Instance) -> Option<Module> {
    let source = inst.source()?.to_lowercase();
    let has = |s: &str| source.contains(s);
    Some(if source.starts_with("./") || source.starts_with("../") {
        Module::Local
    } else if has("vpc-endpoints") {
        Module::VpcEndpoints
    } else if has("terraform-aws-modules/vpc/aws") || has("terraform-aws-vpc") {
        Module::Vpc
    } else if has("fargate-profile") {
        Module::FargateProfile
    } else if has("eks-managed-node-group") || has("self-managed-node-group") {
        Module::NodeGroup
    } else if has("karpenter") {
        Module::Karpenter
    } else if has("iam-role-for-service-accounts")
        || has("iam-assumable-role-with-oidc")
        || source.ends_with("modules/iam-role")
    {
        Module::Irsa
    } else if has("eks-blueprints-addons") || has("kubernetes-addons") {
        Module::BlueprintsAddons
    } else if has("eks-blueprints-addon") {
        Module::BlueprintsAddon
    } else if has("terraform-aws-modules/eks/aws") || has("terraform-aws-eks") {
        Module::Eks
    } else {
        Module::Other
    })
}

/// An install of the load balancer controller and the Helm values it gets.
#[derive(Debug)]
pub struct Lbc<'a> {
    pub inst: &'a Instance,
    pub values: HelmValues,
    /// Installed by the blueprints add-ons module, which sets `clusterName`, the service
    /// account and its IRSA role itself.
    pub by_blueprints: bool,
    /// The attribute to point at: the chart, or the module input that carries the values.
    pub at: &'static str,
}

/// An Ingress, whatever resource wrote it.
#[derive(Debug)]
pub struct Ingress<'a> {
    pub inst: &'a Instance,
    /// `Obj` when known; an unknown value when not.
    pub annotations: Value,
    /// `ingressClassName`; `Null` when not set.
    pub class: Value,
    pub hosts: Vec<Value>,
    /// Path of the attribute to point at (`metadata.annotations`, `manifest`).
    pub at: String,
}

impl Ingress<'_> {
    /// An annotation: `None` when certainly absent.
    pub fn annotation(&self, key: &str) -> Option<&Value> {
        self.annotations.get(key)
    }
}

#[derive(Debug)]
pub struct Context<'a> {
    pub config: &'a Config,
    /// An EKS cluster is defined here (resource or EKS module).
    pub has_cluster: bool,
    pub lbc: Vec<Lbc<'a>>,
    /// Fargate profiles and, as far as can be told, no other compute.
    pub fargate_only: bool,
    pub ingresses: Vec<Ingress<'a>>,
}

impl<'a> Context<'a> {
    pub fn new(config: &'a Config) -> Context<'a> {
        let has_cluster = config.resources("aws_eks_cluster").next().is_some()
            || modules(config, Module::Eks).next().is_some();
        Context {
            config,
            has_cluster,
            lbc: lbc_installs(config),
            fargate_only: fargate_only(config, has_cluster),
            ingresses: ingresses(config),
        }
    }

    /// The configuration is about EKS load balancing: a cluster or the controller is here.
    pub fn is_eks(&self) -> bool {
        self.has_cluster || !self.lbc.is_empty()
    }

    pub fn modules(&self, kind: Module) -> impl Iterator<Item = &'a Instance> {
        modules(self.config, kind)
    }

    /// Whether the controller's Helm values say `defaultTargetType: ip`.
    pub fn lbc_default_target_ip(&self) -> bool {
        self.lbc
            .iter()
            .any(|l| l.values.string(&["defaultTargetType"]).as_deref() == Some("ip"))
    }

    /// Whether an Ingress is served by the load balancer controller (an ALB).
    pub fn is_alb(&self, ing: &Ingress) -> bool {
        let class_annotation = ing
            .annotation("kubernetes.io/ingress.class")
            .and_then(Value::as_str);
        if let Some(class) = class_annotation {
            return class == "alb";
        }
        let alb_annotations = ing.annotations.as_obj().is_some_and(|o| {
            o.entries
                .keys()
                .any(|k| k.starts_with("alb.ingress.kubernetes.io/"))
        });
        match ing.class.as_str() {
            Some(class) => class == "alb" || self.alb_classes().contains(&class) || alb_annotations,
            None => alb_annotations,
        }
    }

    /// Names of IngressClasses defined here whose controller is an ALB controller.
    fn alb_classes(&self) -> Vec<String> {
        self.ingress_classes()
            .into_iter()
            .filter(|(_, c)| {
                let controller = c.path(&["spec", "controller"]).and_then(Value::as_str);
                matches!(
                    controller.as_deref(),
                    Some("ingress.k8s.aws/alb" | "eks.amazonaws.com/alb")
                )
            })
            .filter_map(|(name, _)| name)
            .collect()
    }

    /// IngressClasses written here, normalized to manifest shape, with their names.
    pub fn ingress_classes(&self) -> Vec<(Option<String>, Value)> {
        let mut out = Vec::new();
        for inst in &self.config.instances {
            if inst.kind != Kind::Resource {
                continue;
            }
            match inst.rtype.as_str() {
                "kubernetes_ingress_class_v1" | "kubernetes_ingress_class" => {
                    let meta = inst.get("metadata").and_then(Value::first_block);
                    let spec = inst.get("spec").and_then(Value::first_block);
                    let mut obj = Obj::default();
                    obj.entries.insert(
                        "metadata".into(),
                        meta.cloned().unwrap_or_else(Value::unknown),
                    );
                    obj.entries
                        .insert("spec".into(), spec.cloned().unwrap_or_else(Value::unknown));
                    let name = meta.and_then(|m| m.get("name")).and_then(Value::as_str);
                    out.push((name, Value::Obj(obj)));
                }
                _ => {
                    for doc in manifests(inst) {
                        if doc.get("kind").and_then(Value::as_str).as_deref()
                            == Some("IngressClass")
                        {
                            let name = doc.path(&["metadata", "name"]).and_then(Value::as_str);
                            out.push((name, doc));
                        }
                    }
                }
            }
        }
        out
    }
}

/// The durable way to run CoreDNS on Fargate (TF-03 and TF-04 propose it), written against
/// the cluster and the kube-system Fargate profile of this configuration when they are here.
pub fn coredns_addon_hcl(cx: &Context) -> String {
    if cx.modules(Module::Eks).next().is_some() {
        return "cluster_addons = {\n  coredns = {\n    configuration_values = jsonencode({ computeType = \"Fargate\" })\n  }\n}".into();
    }
    let cluster = cx
        .config
        .resources("aws_eks_cluster")
        .next()
        .map_or("aws_eks_cluster.this".into(), Instance::local_address);
    let profile = cx
        .config
        .resources("aws_eks_fargate_profile")
        .find(|p| {
            p.get("selector")
                .and_then(Value::elements)
                .unwrap_or_default()
                .iter()
                .any(|s| {
                    s.get("namespace").and_then(Value::as_str).as_deref() == Some("kube-system")
                })
        })
        .map_or(
            "aws_eks_fargate_profile.kube_system".into(),
            Instance::local_address,
        );
    format!(
        "resource \"aws_eks_addon\" \"coredns\" {{\n  cluster_name         = {cluster}.name\n  addon_name           = \"coredns\"\n  configuration_values = jsonencode({{ computeType = \"Fargate\" }})\n  depends_on           = [{profile}]\n}}"
    )
}

pub fn modules(config: &Config, kind: Module) -> impl Iterator<Item = &Instance> {
    config
        .module_calls()
        .filter(move |m| module_kind(m) == Some(kind))
}

/// Kubernetes manifests written by `kubernetes_manifest` and `kubectl_manifest`.
pub fn manifests(inst: &Instance) -> Vec<Value> {
    match inst.rtype.as_str() {
        "kubernetes_manifest" => match inst.get("manifest") {
            Some(m @ Value::Obj(_)) => vec![m.clone()],
            Some(other) => vec![other.decode()],
            None => Vec::new(),
        },
        "kubectl_manifest" => match inst.get("yaml_body").and_then(Value::as_partial_str) {
            Some(text) => parse_yaml_docs(&text),
            None => Vec::new(),
        },
        _ => Vec::new(),
    }
}

fn is_lbc_chart(attrs: &Obj) -> bool {
    attrs
        .get("chart")
        .and_then(Value::as_str)
        .is_some_and(|c| c == LBC_CHART || c.ends_with(&format!("/{LBC_CHART}")))
}

fn lbc_installs(config: &Config) -> Vec<Lbc<'_>> {
    let mut out = Vec::new();
    for inst in &config.instances {
        let helm_shaped = inst.is(Kind::Resource, "helm_release")
            || module_kind(inst) == Some(Module::BlueprintsAddon);
        if helm_shaped && is_lbc_chart(&inst.attrs) {
            out.push(Lbc {
                inst,
                values: HelmValues::of(&inst.attrs),
                by_blueprints: false,
                at: "chart",
            });
            continue;
        }
        let enabled = inst
            .get("enable_aws_load_balancer_controller")
            .and_then(Value::as_bool);
        if inst.kind == Kind::Module && enabled == Some(true) {
            // v1 `eks-blueprints-addons` and v4 `kubernetes-addons` name the values input apart
            let input = [
                "aws_load_balancer_controller",
                "aws_load_balancer_controller_helm_config",
            ]
            .into_iter()
            .find_map(|k| Some((k, inst.attrs.entries.get(k)?)));
            let values = match input {
                None => HelmValues::of(&Obj::default()),
                Some((_, Value::Obj(o))) => HelmValues::of(o),
                Some(_) => HelmValues::unknown(),
            };
            out.push(Lbc {
                inst,
                values,
                by_blueprints: true,
                at: input.map_or("enable_aws_load_balancer_controller", |(k, _)| k),
            });
        }
    }
    out
}

/// Inputs of the EKS module that create EC2 compute when set to anything but `{}`/`[]`/null.
const EKS_MODULE_COMPUTE: &[&str] = &[
    "eks_managed_node_groups",
    "self_managed_node_groups",
    "node_groups",
    "worker_groups",
    "worker_groups_launch_template",
    "managed_node_groups",
    "self_managed_node_group",
];

fn empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::List(l) => l.is_empty(),
        Value::Obj(o) => !o.open && o.entries.is_empty(),
        _ => false,
    }
}

/// Fargate profiles exist and nothing else can run pods: no node groups, self-managed nodes,
/// Karpenter or Auto Mode, and no unknown module that might create them. The cluster must be
/// defined here: profiles added to a cluster from another stack say nothing about its nodes.
fn fargate_only(config: &Config, has_cluster: bool) -> bool {
    if !has_cluster {
        return false;
    }
    let eks_modules: Vec<&Instance> = modules(config, Module::Eks).collect();
    let has_profiles = config.resources("aws_eks_fargate_profile").next().is_some()
        || modules(config, Module::FargateProfile).next().is_some()
        || eks_modules.iter().any(|m| {
            m.get("fargate_profiles")
                .is_some_and(|p| !empty(p) && !p.is_unknown())
        });
    if !has_profiles {
        return false;
    }
    let ec2_resources = [
        "aws_eks_node_group",
        "aws_autoscaling_group",
        "aws_launch_template",
        "aws_launch_configuration",
    ];
    if ec2_resources
        .iter()
        .any(|t| config.resources(t).next().is_some())
    {
        return false;
    }
    let module_compute = eks_modules.iter().any(|m| {
        EKS_MODULE_COMPUTE
            .iter()
            .any(|k| m.get(k).is_some_and(|v| !empty(v)))
            || ["cluster_compute_config", "compute_config"]
                .iter()
                .any(|k| {
                    m.get(k).is_some_and(|c| {
                        c.get("enabled").and_then(Value::as_bool) != Some(false) && !empty(c)
                    })
                })
    });
    let auto_mode = config.resources("aws_eks_cluster").any(|c| {
        c.get("compute_config")
            .and_then(Value::first_block)
            .is_some_and(|cc| cc.get("enabled").and_then(Value::as_bool) != Some(false))
    });
    let karpenter = config.instances.iter().any(|i| {
        let chart = i.get("chart").and_then(Value::as_str).unwrap_or_default();
        (i.is(Kind::Resource, "helm_release") && chart.contains("karpenter"))
            || i.get("enable_karpenter")
                .is_some_and(|v| v.as_bool() != Some(false))
    });
    let unknown_compute = config.module_calls().any(|m| match module_kind(m) {
        Some(Module::NodeGroup | Module::Karpenter) => true,
        Some(Module::Other) => {
            let text = format!("{} {}", m.name, m.source().unwrap_or_default()).to_lowercase();
            ["node", "karpenter", "worker", "compute", "asg"]
                .iter()
                .any(|w| text.contains(w))
        }
        _ => false,
    });
    !(module_compute || auto_mode || karpenter || unknown_compute)
}

/// Fargate profile selectors: `(namespace, labels)`, from resources and modules. `None` when
/// some profile's selectors cannot be known.
pub fn fargate_selectors(cx: &Context) -> Option<Vec<(Value, Value)>> {
    let mut out = Vec::new();
    let mut push_all = |list: Option<&Value>, ns: &str, labels: &str| -> Option<()> {
        for s in list?.elements()? {
            out.push((
                s.get(ns)?.clone(),
                s.get(labels).cloned().unwrap_or(Value::Null),
            ));
        }
        Some(())
    };
    for p in cx.config.resources("aws_eks_fargate_profile") {
        push_all(
            p.get("selector").or(Some(&Value::Null)),
            "namespace",
            "labels",
        )?;
    }
    for m in cx.modules(Module::FargateProfile) {
        push_all(m.get("selectors"), "namespace", "labels")?;
    }
    for m in cx.modules(Module::Eks) {
        let Some(profiles) = m.get("fargate_profiles") else {
            continue;
        };
        for p in profiles.elements()? {
            let selectors = p
                .get("selectors")
                .or_else(|| p.get("fargate_profile_namespaces"));
            let labels = if p.get("fargate_profile_namespaces").is_some() {
                "k8s_labels"
            } else {
                "labels"
            };
            push_all(selectors, "namespace", labels)?;
        }
    }
    Some(out)
}

/// Whether a selector matches a pod in `namespace` with `labels`; `None` when unknown.
pub fn selector_matches(
    sel: &(Value, Value),
    namespace: &str,
    labels: &[(&str, &str)],
) -> Option<bool> {
    let ns = sel.0.as_str()?;
    if !glob_match(&ns, namespace) {
        return Some(false);
    }
    match &sel.1 {
        Value::Null => Some(true),
        Value::Obj(o) if o.keys_known() => Some(o.entries.iter().all(|(k, v)| {
            let v = v.as_str();
            labels
                .iter()
                .any(|(lk, lv)| lk == k && v.as_deref() == Some(*lv))
        })),
        _ => None,
    }
}

fn ingresses(config: &Config) -> Vec<Ingress<'_>> {
    let mut out = Vec::new();
    for inst in config.instances.iter().filter(|i| i.kind == Kind::Resource) {
        match inst.rtype.as_str() {
            "kubernetes_ingress_v1" | "kubernetes_ingress" => {
                let meta = inst.get("metadata").and_then(Value::first_block);
                let spec = inst.get("spec").and_then(Value::first_block);
                let hosts = spec
                    .and_then(|s| s.get("rule"))
                    .and_then(Value::elements)
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|r| r.get("host").cloned())
                    .collect();
                out.push(Ingress {
                    inst,
                    annotations: annotations(meta),
                    class: spec
                        .and_then(|s| s.get("ingress_class_name"))
                        .cloned()
                        .unwrap_or(Value::Null),
                    hosts,
                    at: ["metadata.annotations", "metadata"]
                        .into_iter()
                        .find(|p| inst.spans.contains_key(*p))
                        .unwrap_or("metadata")
                        .to_owned(),
                });
            }
            _ => {
                for doc in manifests(inst) {
                    if doc.get("kind").and_then(Value::as_str).as_deref() != Some("Ingress") {
                        continue;
                    }
                    let spec = doc.get("spec");
                    let hosts = spec
                        .and_then(|s| s.get("rules"))
                        .and_then(Value::elements)
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|r| r.get("host").cloned())
                        .collect();
                    out.push(Ingress {
                        inst,
                        annotations: annotations(doc.get("metadata")),
                        class: spec
                            .and_then(|s| s.get("ingressClassName"))
                            .cloned()
                            .unwrap_or(Value::Null),
                        hosts,
                        at: if inst.rtype == "kubectl_manifest" {
                            "yaml_body"
                        } else {
                            "manifest"
                        }
                        .to_owned(),
                    });
                }
            }
        }
    }
    out
}

fn annotations(meta: Option<&Value>) -> Value {
    match meta.map(|m| m.get("annotations")) {
        Some(None) | Some(Some(Value::Null)) => Value::Obj(Obj::default()),
        Some(Some(a)) => a.clone(),
        None => Value::unknown(),
    }
}

/// Whether the Helm values name something, with unknown treated as "yes" (no finding).
pub fn is_set(found: &Found) -> bool {
    match found {
        Found::Set(v) => v.as_str().is_none_or(|s| !s.is_empty()),
        Found::Absent => false,
        Found::Unknown => true,
    }
}

/// Where an ALB Ingress gets its scheme from.
#[derive(Debug, Clone, PartialEq)]
pub enum Scheme {
    /// Set, by its annotation, its group, its IngressClassParams or the controller's default.
    Set(Value),
    /// Nothing sets it: the controller builds an internal ALB.
    Default,
}

const SCHEME: &str = "alb.ingress.kubernetes.io/scheme";
const GROUP: &str = "alb.ingress.kubernetes.io/group.name";

impl Context<'_> {
    /// The scheme of an ALB Ingress, as the controller resolves it: the annotation, another
    /// member of its IngressGroup, the IngressClassParams of its class (written here or by the
    /// chart's `ingressClassParams`), the chart's `defaultLoadBalancerScheme`.
    pub fn scheme_of(&self, ing: &Ingress) -> Scheme {
        let unknown = Scheme::Set(Value::unknown());
        if ing.annotations.as_obj().is_none_or(|o| o.open) {
            return unknown;
        }
        if let Some(v) = ing.annotation(SCHEME) {
            return Scheme::Set(v.clone());
        }
        if let Some(group) = ing.annotation(GROUP) {
            let Some(group) = group.as_str() else {
                return unknown;
            };
            let member = self.ingresses.iter().find_map(|other| {
                let same = other.annotation(GROUP).and_then(Value::as_str) == Some(group.clone());
                same.then(|| other.annotation(SCHEME)).flatten()
            });
            if let Some(v) = member {
                return Scheme::Set(v.clone());
            }
        }
        let class = match (ing.annotation("kubernetes.io/ingress.class"), &ing.class) {
            (Some(v), _) | (None, v) if !matches!(v, Value::Null) => Some(v.as_str()),
            _ => None,
        };
        match class {
            Some(None) => return unknown,
            Some(Some(class)) => {
                if let Some(scheme) = self.class_scheme(&class) {
                    return scheme;
                }
            }
            None => {}
        }
        // the controller's own default, when one is installed here
        for lbc in &self.lbc {
            match lbc.values.lookup(&["defaultLoadBalancerScheme"]) {
                Found::Absent => {}
                Found::Set(v) if v.as_str().is_some_and(|s| s.is_empty()) => {}
                Found::Set(v) => return Scheme::Set(v),
                Found::Unknown => return unknown,
            }
        }
        Scheme::Default
    }

    /// The scheme an IngressClass's parameters set; `None` when they set none.
    fn class_scheme(&self, class: &str) -> Option<Scheme> {
        let unknown = Some(Scheme::Set(Value::unknown()));
        let classes = self.ingress_classes();
        let Some((_, written)) = classes
            .iter()
            .find(|(name, _)| name.as_deref() == Some(class))
        else {
            return self.chart_class_scheme(class);
        };
        // a `parameters` block, or the object of a manifest
        let name = match written
            .path(&["spec", "parameters"])
            .and_then(Value::first_block)
        {
            None | Some(Value::Null) => return None,
            Some(params) => match params.get("name").map(Value::as_str) {
                Some(Some(name)) => name,
                _ => return unknown,
            },
        };
        let params = self.config.instances.iter().flat_map(manifests).find(|d| {
            d.get("kind").and_then(Value::as_str).as_deref() == Some("IngressClassParams")
                && d.path(&["metadata", "name"])
                    .and_then(Value::as_str)
                    .as_deref()
                    == Some(name.as_str())
        });
        // parameters written elsewhere may set anything
        match params.as_ref().map(|p| p.path(&["spec", "scheme"])) {
            None => unknown,
            Some(None | Some(Value::Null)) => None,
            Some(Some(v)) => Some(Scheme::Set(v.clone())),
        }
    }

    /// The scheme of the class the chart creates, from its `ingressClassParams` values.
    fn chart_class_scheme(&self, class: &str) -> Option<Scheme> {
        self.lbc.iter().find_map(|lbc| {
            let chart_class = match lbc.values.lookup(&["ingressClass"]) {
                Found::Set(v) => v.as_str(),
                Found::Absent => Some("alb".to_owned()),
                Found::Unknown => None,
            };
            if chart_class.is_some_and(|c| c != class) {
                return None;
            }
            match lbc.values.lookup(&["ingressClassParams", "spec", "scheme"]) {
                Found::Absent => None,
                Found::Set(v) => Some(Scheme::Set(v)),
                Found::Unknown => Some(Scheme::Set(Value::unknown())),
            }
        })
    }

    /// The scheme of every ALB Ingress here; `None` when some Ingress's scheme cannot be known.
    pub fn alb_schemes(&self) -> Option<Vec<String>> {
        self.ingresses
            .iter()
            .filter(|i| self.is_alb(i))
            .map(|i| match self.scheme_of(i) {
                Scheme::Default => Some("internal".to_owned()),
                Scheme::Set(v) => v.as_str(),
            })
            .collect()
    }

    /// Every ALB Ingress here has this scheme (and there is at least one).
    pub fn all_ingresses_are(&self, scheme: &str) -> bool {
        self.alb_schemes()
            .is_some_and(|s| !s.is_empty() && s.iter().all(|x| x == scheme))
    }
}

/// `kubectl patch`/`rollout restart` of CoreDNS run by `local-exec` provisioners, directly or
/// through a script in the repository: `(instance, what was seen)`.
pub fn coredns_patches(config: &Config) -> Vec<(&Instance, String)> {
    let mut out = Vec::new();
    for inst in &config.instances {
        let provisioners = inst
            .get("provisioner")
            .and_then(Value::elements)
            .unwrap_or_default();
        for p in provisioners {
            let local_exec = p.get("#labels").and_then(Value::as_list).is_some_and(|l| {
                l.iter()
                    .any(|x| x.as_str().as_deref() == Some("local-exec"))
            });
            let Some(command) = p.get("command").and_then(Value::as_partial_str) else {
                continue;
            };
            if !local_exec {
                continue;
            }
            if let Some(seen) = patch_line(&command) {
                out.push((inst, seen));
                continue;
            }
            // a script named in the command, when it is in the repository
            let scripts = command.split_whitespace().filter(|t| t.ends_with(".sh"));
            for script in scripts {
                let path = inst.dir.join(script.trim_matches(['"', '\'']));
                let seen = read_small_file(&path).and_then(|text| patch_line(&text));
                if let Some(seen) = seen {
                    let shown = path
                        .strip_prefix(&inst.dir)
                        .unwrap_or(&path)
                        .display()
                        .to_string();
                    out.push((inst, format!("{seen} (in {shown})")));
                    break;
                }
            }
        }
    }
    out
}

/// The first command that patches or restarts CoreDNS with kubectl, with its whitespace
/// collapsed. Lines continued with a trailing `\\` are one command: real provisioners spread
/// `kubectl --server=... --token=... patch deployment coredns ...` over several lines.
fn patch_line(text: &str) -> Option<String> {
    const VERBS: [&str; 5] = [
        "patch",
        "rollout restart",
        "annotate",
        "delete pod",
        "set env",
    ];
    let mut commands = Vec::new();
    let mut current = String::new();
    for line in text.lines().map(str::trim) {
        if current.is_empty() && line.starts_with('#') {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(head) => {
                current.push_str(head);
                current.push(' ');
            }
            None => {
                current.push_str(line);
                commands.push(std::mem::take(&mut current));
            }
        }
    }
    commands.push(current);
    commands.into_iter().find_map(|command| {
        let command = command
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .replace(crate::value::HOLE, "${…}");
        let lower = command.to_lowercase();
        let verb = VERBS.iter().find_map(|w| lower.find(w))?;
        if !(lower.contains("kubectl") && targets_coredns(&lower)) {
            return None;
        }
        // keep the verb in view when flags before it make the command long
        let head = command.get(..verb).unwrap_or_default();
        Some(
            if command.chars().count() > 100 && head.chars().count() > 20 {
                format!(
                    "kubectl … {}",
                    clip(command.get(verb..).unwrap_or(&command), 80)
                )
            } else {
                clip(&command, 100)
            },
        )
    })
}

/// Whether a kubectl command acts on the CoreDNS deployment or its pods (not, say, on the
/// kube-dns Service that a Helm-managed CoreDNS takes over).
fn targets_coredns(command: &str) -> bool {
    let is_deployment = |kind: &str| {
        matches!(
            kind,
            "deployment" | "deployments" | "deploy" | "deployment.apps" | "deployments.apps"
        )
    };
    let tokens: Vec<&str> = command
        .split_whitespace()
        .map(|t| t.trim_matches(['"', '\'']))
        .collect();
    command.contains("k8s-app=kube-dns")
        || tokens.iter().any(|t| {
            t.split_once('/')
                .is_some_and(|(kind, name)| is_deployment(kind) && name == "coredns")
        })
        || (tokens.iter().any(|t| is_deployment(t)) && tokens.contains(&"coredns"))
}

/// At most `max` characters, with an ellipsis when some were cut.
fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}
