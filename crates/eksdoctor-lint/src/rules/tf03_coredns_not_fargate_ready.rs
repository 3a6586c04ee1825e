use crate::facts::{
    Context, Module, coredns_addon_hcl, coredns_patches, fargate_selectors, module_kind,
    selector_matches,
};
use crate::model::{Instance, Kind};
use crate::report::Hit;
use crate::value::Value;
use eksdoctor_rule::{Severity, declare_rule};

declare_rule! {
    /// ## What it does
    /// On a Fargate-only cluster (defined in this configuration, with Fargate profiles and no
    /// node groups, self-managed nodes, Karpenter or Auto Mode), checks that CoreDNS can run on
    /// Fargate:
    /// - some Fargate profile selects CoreDNS: namespace `kube-system` (wildcards such as
    ///   `kube-*` count) with no labels or only `k8s-app = kube-dns`;
    /// - the `coredns` add-on sets `computeType = "Fargate"` (any case) in
    ///   `configuration_values`, wherever the add-on is declared: `aws_eks_addon` (also with
    ///   `for_each` over a map and `addon_name = try(each.value.name, each.key)`), the EKS
    ///   module's `cluster_addons`/`addons`, or the blueprints module's `eks_addons`;
    /// - when the configuration defines the cluster but does not manage the add-on at all, the
    ///   CoreDNS that EKS creates with the cluster predates the profiles (reported unless a
    ///   patch/restart workaround is present, which TF-04 reports instead, or CoreDNS is run
    ///   from its own Helm chart, by the blueprints v4 CoreDNS flags, or fixed by a Lambda
    ///   invoked during apply).
    ///
    /// ## Why it matters
    /// Fargate pods are matched to a profile only when they are created. CoreDNS created before a
    /// matching profile, or pinned to EC2, stays Pending (FG-02, FG-03), so cluster DNS is down
    /// (DNS-01) and the load balancer controller cannot resolve STS: no credentials, no ALB.
    ///
    /// ## Evidence
    /// The Fargate profile selectors seen, or the add-on and its `configuration_values`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_eks_addon" "coredns" {
    ///   cluster_name = aws_eks_cluster.main.name
    ///   addon_name   = "coredns"
    /// }
    /// ```
    ///
    /// ## Fix
    /// ```hcl
    /// resource "aws_eks_fargate_profile" "kube_system" {
    ///   # ...
    ///   selector { namespace = "kube-system" }
    /// }
    /// resource "aws_eks_addon" "coredns" {
    ///   cluster_name         = aws_eks_cluster.main.name
    ///   addon_name           = "coredns"
    ///   configuration_values = jsonencode({ computeType = "Fargate" })
    ///   depends_on           = [aws_eks_fargate_profile.kube_system]
    /// }
    /// ```
    ///
    /// ## References
    /// - Amazon EKS user guide: "Get started with AWS Fargate for your cluster" (Update CoreDNS)
    /// - AWS blog: "Amazon EKS add-ons: Advanced configuration"
    /// - Runtime rules FG-02, FG-03, DNS-01
    pub CorednsNotFargateReady {
        id: "TF-03",
        name: "coredns-not-fargate-ready",
        summary: "CoreDNS is not set up to run on a Fargate-only cluster",
        severity: Error,
        prevents: ["FG-02", "FG-03", "DNS-01"],
    }
}

const META: &eksdoctor_rule::RuleMeta = &CorednsNotFargateReady::META;

pub fn check(cx: &Context, out: &mut Vec<Hit>) {
    if !cx.fargate_only {
        return;
    }
    check_profiles(cx, out);
    let addons = coredns_addons(cx);
    for (inst, at, values) in &addons.found {
        check_addon(inst, at, values.as_ref(), out);
    }
    if addons.found.is_empty() && !addons.maybe && coredns_patches(cx.config).is_empty() {
        let cluster = cx
            .config
            .resources("aws_eks_cluster")
            .chain(cx.modules(Module::Eks))
            .next();
        if let Some(cluster) = cluster {
            let detail = "is Fargate-only but does not manage the coredns add-on: the CoreDNS that EKS creates with the cluster predates the Fargate profiles and stays Pending";
            out.push(Hit::new(META, cluster, "", detail).severity(Severity::Warning).fix(
                "manage the coredns add-on with computeType Fargate, created after the Fargate profile",
                coredns_addon_hcl(cx),
            ));
        }
    }
}

fn check_profiles(cx: &Context, out: &mut Vec<Hit>) {
    let Some(selectors) = fargate_selectors(cx) else {
        return;
    };
    let coredns = [
        ("k8s-app", "kube-dns"),
        ("eks.amazonaws.com/component", "coredns"),
    ];
    let matches: Option<Vec<bool>> = selectors
        .iter()
        .map(|s| selector_matches(s, "kube-system", &coredns))
        .collect();
    if matches.is_none_or(|m| m.iter().any(|x| *x)) {
        return;
    }
    let seen: Vec<String> = selectors
        .iter()
        .map(|(ns, labels)| {
            let ns = ns.as_str().unwrap_or_default();
            match labels.as_obj().filter(|o| !o.entries.is_empty()) {
                Some(o) => {
                    let l: Vec<String> = o
                        .entries
                        .iter()
                        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                        .collect();
                    format!("{ns} ({})", l.join(", "))
                }
                None => ns,
            }
        })
        .collect();
    let profile = cx
        .config
        .resources("aws_eks_fargate_profile")
        .map(|p| (p, "selector"))
        .chain(cx.modules(Module::FargateProfile).map(|m| (m, "selectors")))
        .chain(
            cx.modules(Module::Eks)
                .filter(|m| m.get("fargate_profiles").is_some())
                .map(|m| (m, "fargate_profiles")),
        )
        .next();
    if let Some((inst, at)) = profile {
        let detail = format!(
            "is a Fargate profile of a Fargate-only cluster, and no profile selects CoreDNS (namespace kube-system, label k8s-app=kube-dns); selectors seen: {}",
            seen.join("; ")
        );
        // written the way the profiles here are written
        let hcl = match module_kind(inst) {
            Some(Module::Eks) => "fargate_profiles = {\n  kube_system = {\n    selectors = [{ namespace = \"kube-system\" }]\n  }\n}".to_owned(),
            Some(Module::FargateProfile) => "selectors = [{ namespace = \"kube-system\" }]".to_owned(),
            _ => {
                let cluster = cx
                    .config
                    .resources("aws_eks_cluster")
                    .next()
                    .map_or("aws_eks_cluster.this".into(), Instance::local_address);
                format!(
                    "resource \"aws_eks_fargate_profile\" \"kube_system\" {{\n  cluster_name           = {cluster}.name\n  fargate_profile_name   = \"kube-system\"\n  pod_execution_role_arn = <pod execution role arn>\n  subnet_ids             = <private subnet ids>\n  selector {{\n    namespace = \"kube-system\"\n  }}\n}}"
                )
            }
        };
        out.push(
            Hit::new(META, inst, at, detail)
                .fix("add a Fargate profile that selects kube-system", hcl),
        );
    }
}

fn check_addon(inst: &Instance, at: &str, values: Option<&Value>, out: &mut Vec<Hit>) {
    let compute_type = match values {
        None | Some(Value::Null) => None,
        Some(v) => match v.decode() {
            Value::Obj(o) => match o.get("computeType") {
                None => None,
                Some(ct) => match ct.as_str() {
                    Some(ct) => Some(ct),
                    None => return,
                },
            },
            _ => return,
        },
    };
    let (detail, severity) = match compute_type {
        Some(ct) if ct.eq_ignore_ascii_case("fargate") => return,
        Some(ct) => (
            format!("runs the coredns add-on with computeType {ct:?} on a Fargate-only cluster, where no such capacity exists"),
            Severity::Error,
        ),
        None => (
            "configures the coredns add-on without `computeType = \"Fargate\"` in configuration_values; on a Fargate-only cluster CoreDNS pods created before the Fargate profile stay Pending".to_owned(),
            Severity::Warning,
        ),
    };
    out.push(Hit::new(META, inst, at, detail).severity(severity).fix(
        "set computeType Fargate in the coredns add-on configuration",
        "configuration_values = jsonencode({ computeType = \"Fargate\" })",
    ));
}

struct Addons<'a> {
    /// `(instance, attribute to point at, configuration_values)`.
    found: Vec<(&'a Instance, String, Option<Value>)>,
    /// Some add-on's name cannot be known: it may be coredns.
    maybe: bool,
}

fn coredns_addons<'a>(cx: &Context<'a>) -> Addons<'a> {
    let mut addons = Addons {
        found: Vec::new(),
        maybe: false,
    };
    for a in cx.config.resources("aws_eks_addon") {
        match a.get("addon_name").and_then(Value::as_str) {
            Some(name) if name == "coredns" => {
                addons.found.push((
                    a,
                    "configuration_values".into(),
                    a.get("configuration_values").cloned(),
                ));
            }
            Some(_) => {}
            None => addons.maybe = true,
        }
    }
    // CoreDNS run from its own Helm chart, by the blueprints v4 add-on flags, or patched by a
    // Lambda invoked at apply time: managed, in a way whose Fargate readiness cannot be read
    addons.maybe |= cx.config.instances.iter().any(|i| {
        if i.rtype == "aws_lambda_invocation" {
            return true;
        }
        let coredns_chart = i.is(Kind::Resource, "helm_release")
            && i.get("chart")
                .and_then(Value::as_str)
                .is_some_and(|c| c == "coredns" || c.ends_with("/coredns"));
        let v4_flag = ["enable_amazon_eks_coredns", "enable_self_managed_coredns"]
            .iter()
            .any(|k| i.get(k).is_some_and(|v| v.as_bool() != Some(false)));
        coredns_chart || (module_kind(i) == Some(Module::BlueprintsAddons) && v4_flag)
    });
    let modules = cx
        .modules(Module::Eks)
        .flat_map(|m| [(m, "cluster_addons"), (m, "addons")])
        .chain(
            cx.modules(Module::BlueprintsAddons)
                .map(|m| (m, "eks_addons")),
        );
    for (m, key) in modules {
        let Some(map) = m.get(key) else { continue };
        let Some(obj) = map.as_obj() else {
            addons.maybe = true;
            continue;
        };
        addons.maybe |= !obj.keys_known();
        for (k, v) in &obj.entries {
            let name = v
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_else(|| k.clone());
            if name == "coredns" {
                addons
                    .found
                    .push((m, key.to_owned(), v.get("configuration_values").cloned()));
            }
        }
    }
    addons
}
