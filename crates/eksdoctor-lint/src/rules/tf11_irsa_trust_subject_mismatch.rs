use crate::facts::{Context, LBC_CHART, Lbc, Module, module_kind};
use crate::helm::Found;
use crate::model::{Instance, Kind};
use crate::report::Hit;
use crate::value::{Value, glob_match};
use eksdoctor_rule::declare_rule;

declare_rule! {
    /// ## What it does
    /// Follows the AWS Load Balancer Controller's IRSA role (the service account annotation
    /// `eks.amazonaws.com/role-arn` in the Helm values, or on a `kubernetes_service_account`
    /// when the chart does not create it) to its trust policy, and checks that the policy's
    /// `:sub` condition admits the controller's service account: namespace of the release, name
    /// from `serviceAccount.name` (default: the release's full name, normally
    /// `aws-load-balancer-controller`). Trust policies are read from heredoc JSON, `jsonencode`,
    /// `data "aws_iam_policy_document"` condition blocks, the IRSA module's
    /// `namespace_service_accounts`, and the subject lists of the `iam-assumable-role-with-oidc`
    /// and `iam-role` modules. `StringLike` wildcards are honoured.
    ///
    /// ## Why it matters
    /// STS refuses the web identity token of any other subject: the controller logs
    /// `Not authorized to perform sts:AssumeRoleWithWebIdentity` and cannot call AWS at all
    /// (IAM-01).
    ///
    /// ## Evidence
    /// The role, the subjects its trust policy admits, and the service account the controller
    /// runs as.
    ///
    /// ## Example
    /// ```hcl
    /// module "lbc_irsa" {
    ///   source = "terraform-aws-modules/iam/aws//modules/iam-role-for-service-accounts-eks"
    ///   oidc_providers = { main = {
    ///     provider_arn               = module.eks.oidc_provider_arn
    ///     namespace_service_accounts = ["kube-system:aws-lbc"]
    ///   } }
    /// }
    /// ```
    ///
    /// ## Fix
    /// ```hcl
    ///     namespace_service_accounts = ["kube-system:aws-load-balancer-controller"]
    /// ```
    /// or set `serviceAccount.name` in the Helm values to the name the role trusts.
    ///
    /// ## References
    /// - Amazon EKS user guide: "Assign IAM roles to Kubernetes service accounts"
    /// - AWS Load Balancer Controller installation guide (IAM roles for service accounts)
    /// - Runtime rule IAM-01
    pub IrsaTrustSubjectMismatch {
        id: "TF-11",
        name: "irsa-trust-subject-mismatch",
        summary: "the controller's IRSA role does not trust the controller's service account",
        severity: Error,
        prevents: ["IAM-01"],
    }
}

const ROLE_ARN: &str = "eks.amazonaws.com/role-arn";

pub fn check(cx: &Context, out: &mut Vec<Hit>) {
    for lbc in cx.lbc.iter().filter(|l| !l.by_blueprints) {
        let Some((namespace, name)) = service_account(cx, lbc) else {
            continue;
        };
        let Some(role) = role_arn(cx, lbc, &namespace, &name) else {
            continue;
        };
        let subject = format!("system:serviceaccount:{namespace}:{name}");
        for (inst, at, subjects) in trusts(cx, &role) {
            let Some(subjects) = subjects.filter(|s| !s.is_empty()) else {
                continue;
            };
            if subjects.iter().any(|(like, s)| {
                if *like {
                    glob_match(s, &subject)
                } else {
                    *s == subject
                }
            }) {
                continue;
            }
            let seen: Vec<&str> = subjects.iter().map(|(_, s)| s.as_str()).collect();
            let detail = format!(
                "is the IRSA role of {} but trusts only `{}`; the controller runs as `{subject}`",
                lbc.inst.address(),
                seen.join("`, `")
            );
            let by_document = inst
                .get("assume_role_policy")
                .and_then(Value::origin)
                .is_some_and(|o| o.contains("data.aws_iam_policy_document."));
            let hcl = if inst.kind == Kind::Module {
                match module_input(inst) {
                    "oidc_providers" => {
                        format!("namespace_service_accounts = [\"{namespace}:{name}\"]")
                    }
                    input => format!("{input} = [\"{subject}\"]"),
                }
            } else if by_document {
                format!(
                    "condition {{\n  test     = \"StringEquals\"\n  variable = \"${{<oidc provider>}}:sub\"\n  values   = [\"{subject}\"]\n}}"
                )
            } else {
                format!("\"${{<oidc provider>}}:sub\" = \"{subject}\"")
            };
            out.push(
                Hit::new(&IrsaTrustSubjectMismatch::META, inst, &at, detail).fix(
                    format!("trust `{subject}` (or rename the service account)"),
                    hcl,
                ),
            );
        }
    }
}

/// Namespace and name of the controller's service account.
fn service_account(cx: &Context, lbc: &Lbc) -> Option<(String, String)> {
    let namespace = match lbc.inst.get("namespace") {
        None | Some(Value::Null) => "default".to_owned(),
        Some(v) => namespace_of(cx, v)?,
    };
    // an empty name means the chart's default: its full name
    let name = match lbc.values.lookup(&["serviceAccount", "name"]) {
        Found::Set(v) if v.as_str().is_some_and(|n| n.is_empty()) => full_name(lbc)?,
        Found::Set(v) => match v.as_str() {
            Some(name) => name,
            None => metadata(single(cx, &v, SERVICE_ACCOUNTS)?, "name")?,
        },
        Found::Unknown => return None,
        Found::Absent => full_name(lbc)?,
    };
    Some((namespace, name))
}

/// The chart's `fullname`: `fullnameOverride`, or the release name joined with the chart name
/// (or `nameOverride`) unless it already contains it.
fn full_name(lbc: &Lbc) -> Option<String> {
    let set = |path: &[&str]| match lbc.values.lookup(path) {
        Found::Set(v) => v.as_str().filter(|s| !s.is_empty()).map(Some),
        Found::Absent => Some(None),
        Found::Unknown => None,
    };
    if let Some(full) = set(&["fullnameOverride"])? {
        return Some(full);
    }
    let name = set(&["nameOverride"])?.unwrap_or_else(|| LBC_CHART.to_owned());
    let release = lbc.inst.get("name")?.as_str()?;
    Some(if release.contains(&name) {
        release
    } else {
        format!("{release}-{name}")
    })
}

const SERVICE_ACCOUNTS: &[&str] = &[
    "kubernetes_service_account_v1",
    "kubernetes_service_account",
];
const NAMESPACES: &[&str] = &["kubernetes_namespace_v1", "kubernetes_namespace"];

/// A namespace written out, or taken from the namespace or service account object it refers
/// to (`kubernetes_namespace_v1.lbc.metadata[0].name`).
fn namespace_of(cx: &Context, v: &Value) -> Option<String> {
    let sa_namespace = |sa: &Instance| match sa.get("metadata")?.first_block()?.get("namespace") {
        None | Some(Value::Null) => Some("default".to_owned()),
        Some(ns) => written_namespace(cx, ns),
    };
    written_namespace(cx, v).or_else(|| sa_namespace(single(cx, v, SERVICE_ACCOUNTS)?))
}

/// A namespace written out or the name of the namespace object it refers to.
fn written_namespace(cx: &Context, v: &Value) -> Option<String> {
    v.as_str()
        .or_else(|| metadata(single(cx, v, NAMESPACES)?, "name"))
}

/// The one instance of one of `kinds` that an unknown value refers to.
fn single<'a>(cx: &Context<'a>, v: &Value, kinds: &[&str]) -> Option<&'a Instance> {
    match cx.config.origin_of(v).as_slice() {
        [one] if kinds.contains(&one.rtype.as_str()) => Some(one),
        _ => None,
    }
}

fn metadata(inst: &Instance, key: &str) -> Option<String> {
    inst.get("metadata")?.first_block()?.get(key)?.as_str()
}

/// The role ARN value given to the controller's service account.
fn role_arn(cx: &Context, lbc: &Lbc, namespace: &str, name: &str) -> Option<Value> {
    let created = match lbc.values.lookup(&["serviceAccount", "create"]) {
        Found::Set(v) => v.as_bool()?,
        Found::Absent => true,
        Found::Unknown => return None,
    };
    if created {
        return match lbc
            .values
            .lookup(&["serviceAccount", "annotations", ROLE_ARN])
        {
            Found::Set(v) => Some(v),
            _ => None,
        };
    }
    cx.config
        .instances
        .iter()
        .filter(|i| SERVICE_ACCOUNTS.contains(&i.rtype.as_str()))
        .filter_map(|sa| sa.get("metadata").and_then(Value::first_block))
        .find(|m| {
            let ns = match m.get("namespace") {
                None | Some(Value::Null) => Some("default".to_owned()),
                Some(ns) => namespace_of(cx, ns),
            };
            m.get("name").and_then(Value::as_str).as_deref() == Some(name)
                && ns.as_deref() == Some(namespace)
        })
        .and_then(|m| m.path(&["annotations", ROLE_ARN]).cloned())
}

/// Subjects a trust policy admits: `(is a StringLike pattern, subject)`.
type Subjects = Vec<(bool, String)>;

/// The roles the ARN comes from, where to point, and the subjects each trusts (`None` when
/// they cannot be known).
fn trusts<'a>(cx: &Context<'a>, arn: &Value) -> Vec<(&'a Instance, String, Option<Subjects>)> {
    let mut out = Vec::new();
    let Some(origin) = arn.origin() else {
        return out;
    };
    for inst in cx.config.origin_of(arn) {
        match (inst.kind, inst.rtype.as_str()) {
            (Kind::Resource, "aws_iam_role") => {
                out.push((inst, "assume_role_policy".into(), role_subjects(cx, inst)))
            }
            (Kind::Module, _) if module_kind(inst) == Some(Module::Irsa) => {
                out.push((inst, module_input(inst).into(), module_subjects(inst)));
            }
            _ => {}
        }
    }
    // a role inside a module: followed local modules and plans list its resources
    let module_prefix = origin
        .strip_prefix("module.")
        .and_then(|rest| rest.split('.').next())
        .map(|m| format!("module.{m}"));
    if let Some(prefix) = module_prefix.filter(|_| out.is_empty()) {
        for role in cx
            .config
            .resources("aws_iam_role")
            .filter(|r| r.module_path.starts_with(&format!("{prefix}.")))
        {
            out.push((role, "assume_role_policy".into(), role_subjects(cx, role)));
        }
    }
    out
}

fn role_subjects(cx: &Context, role: &Instance) -> Option<Subjects> {
    let policy = role.get("assume_role_policy")?;
    if let Some(origin) = policy
        .origin()
        .filter(|o| o.contains("data.aws_iam_policy_document."))
    {
        let docs: Vec<&Instance> = cx
            .config
            .of(Kind::Data, "aws_iam_policy_document")
            .filter(|d| d.block_addr() == origin)
            .collect();
        let mut out = Vec::new();
        for doc in docs {
            out.extend(document_subjects(doc)?);
        }
        return Some(out);
    }
    json_subjects(&policy.decode())
}

/// `:sub` conditions of a policy in IAM JSON shape.
fn json_subjects(policy: &Value) -> Option<Subjects> {
    let statements = match policy.get("Statement")? {
        Value::List(l) => l.clone(),
        other => vec![other.clone()],
    };
    let mut out = Vec::new();
    for st in &statements {
        let Some(conditions) = st.get("Condition") else {
            continue;
        };
        for (test, cond) in &conditions.as_obj()?.entries {
            for (key, values) in &cond.as_obj()?.entries {
                if key.ends_with(":sub") {
                    out.extend(
                        strings(values)?
                            .into_iter()
                            .map(|s| (test.contains("Like"), s)),
                    );
                }
            }
        }
    }
    Some(out)
}

/// `:sub` conditions of `data "aws_iam_policy_document"` statement blocks.
fn document_subjects(doc: &Instance) -> Option<Subjects> {
    let mut out = Vec::new();
    for st in doc.get("statement")?.elements()? {
        for c in st
            .get("condition")
            .and_then(Value::elements)
            .unwrap_or_default()
        {
            let variable = c.get("variable")?.as_partial_str()?;
            if variable.ends_with(":sub") {
                let like = c.get("test")?.as_str()?.contains("Like");
                out.extend(strings(c.get("values")?)?.into_iter().map(|s| (like, s)));
            }
        }
    }
    Some(out)
}

/// Inputs of the IAM role modules that list trusted subjects, and whether they are
/// `StringLike` patterns: `iam-assumable-role-with-oidc` (v5) and `iam-role` (v6).
const SUBJECT_INPUTS: [(&str, bool); 4] = [
    ("oidc_fully_qualified_subjects", false),
    ("oidc_subjects_with_wildcards", true),
    ("oidc_subjects", false),
    ("oidc_wildcard_subjects", true),
];

/// The input that says whom a module's role trusts.
fn module_input(module: &Instance) -> &'static str {
    SUBJECT_INPUTS
        .iter()
        .map(|(input, _)| *input)
        .find(|input| module.get(input).is_some())
        .unwrap_or("oidc_providers")
}

/// Subjects a module's role trusts: `namespace_service_accounts` of the IRSA module's
/// `oidc_providers`, or the subject lists of the generic role modules.
fn module_subjects(module: &Instance) -> Option<Subjects> {
    let like = module
        .get("assume_role_condition_test")
        .and_then(Value::as_str)
        .is_some_and(|t| t.contains("Like"));
    let mut out = Vec::new();
    if let Some(providers) = module.get("oidc_providers") {
        for provider in providers.elements()? {
            for sa in strings(provider.get("namespace_service_accounts")?)? {
                let (ns, name) = sa.split_once(':')?;
                out.push((
                    like || sa.contains('*'),
                    format!("system:serviceaccount:{ns}:{name}"),
                ));
            }
        }
    }
    for (input, pattern) in SUBJECT_INPUTS {
        if let Some(subjects) = module.get(input) {
            out.extend(strings(subjects)?.into_iter().map(|s| (pattern, s)));
        }
    }
    Some(out)
}

fn strings(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::List(l) => l.iter().map(Value::as_str).collect(),
        other => Some(vec![other.as_str()?]),
    }
}
