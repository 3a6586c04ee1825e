use crate::bundle::Kind;
use crate::context::{ALB_CONTROLLER, ClassSource, Context, IngressView, Message};
use crate::finding::{Evidence, EvidenceSource, Finding, Subject};
use crate::fixes::{helm_release_terraform, nudge_ingress};
use crate::model::k8s::IngressClass;
use crate::rules::{Outcome, impl_rule};
use crate::snapshot::Input;
use eksdoctor_rule::{Severity, declare_rule};

declare_rule! {
    /// ## What it does
    /// Finds ALB Ingresses whose IngressClass the controller refuses because of its
    /// parameters: `spec.parameters` naming something other than an `elbv2.k8s.aws`
    /// IngressClassParams, an IngressClassParams that does not exist, or one whose
    /// `namespaceSelector` does not select the Ingress's namespace; and clusters with more than
    /// one default IngressClass.
    ///
    /// ## Why it matters
    /// The controller loads the class and its parameters before anything else; if that fails
    /// it leaves the Ingress alone (event `FailedLoadGroupID`) and no ALB is made. A renamed or
    /// never-created IngressClassParams (Helm `ingressClassParams.create=false`), or a team
    /// namespace without the label the selector wants, is enough. With two default classes the
    /// API server refuses new Ingresses that name no class.
    ///
    /// ## Evidence
    /// `invalid ingress class: IngressClass <c> references unknown parameters`,
    /// `invalid ingress class: ingressclassparams.elbv2.k8s.aws "<p>" not found`,
    /// `namespaceSelector of IngressClassParams <p> mismatch`, `multiple default IngressClasses
    /// found`; without them, the IngressClass's `spec.parameters` against `kubectl get
    /// ingressclassparams`, and the `ingressclass.kubernetes.io/is-default-class` annotations.
    ///
    /// ## Example
    /// IngressClass `alb-internal` with `parameters: {kind: IngressClassParams, name:
    /// internal-params}` while the only IngressClassParams is `alb`.
    ///
    /// ## Fix
    /// Create the IngressClassParams or point the class at an existing one; label the namespace
    /// so the selector matches; keep exactly one default IngressClass.
    ///
    /// ## References
    /// - IngressClass and IngressClassParams: <https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/ingress_class/>
    /// - LBC `pkg/ingress/class_loader.go`
    pub IngressClassParamsProblem {
        id: "ING-04",
        name: "ingress-class-params",
        summary: "an IngressClass's parameters are missing, unknown or do not select the namespace",
        severity: Error,
    }
}

const TOKENS: &[&str] = &[
    "references unknown parameters",
    "ingressclassparams.elbv2.k8s.aws",
    "namespaceSelector of IngressClassParams",
    "multiple default IngressClasses",
    "default IngressClasses were found",
];

#[derive(Debug, PartialEq, Eq)]
enum Problem {
    /// `spec.parameters` is not an elbv2.k8s.aws IngressClassParams.
    UnknownKind,
    NotFound(String),
    Mismatch(String),
    MultipleDefaults,
}

/// What a controller message says is wrong, if it is one of this rule's.
fn problem(m: &Message) -> Option<Problem> {
    if m.contains("references unknown parameters") {
        Some(Problem::UnknownKind)
    } else if m.contains("ingressclassparams.elbv2.k8s.aws") && m.contains("not found") {
        Some(Problem::NotFound(word_after(
            &m.text,
            "ingressclassparams.elbv2.k8s.aws",
        )?))
    } else if m.contains("namespaceSelector of IngressClassParams") {
        Some(Problem::Mismatch(word_after(
            &m.text,
            "namespaceSelector of IngressClassParams",
        )?))
    } else if m.contains("multiple default IngressClasses")
        || m.contains("default IngressClasses were found")
    {
        Some(Problem::MultipleDefaults)
    } else {
        None
    }
}

/// The name after `marker`, without the quotes around it: `internal-params` from
/// `ingressclassparams.elbv2.k8s.aws "internal-params" not found`.
fn word_after(text: &str, marker: &str) -> Option<String> {
    let rest = &text[text.find(marker)? + marker.len()..];
    let word: String = rest
        .trim_start_matches([' ', '"', '\\'])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '.')
        .collect();
    (!word.is_empty()).then_some(word)
}

impl IngressClassParamsProblem {
    fn run(cx: &Context<'_>, out: &mut Vec<Finding>) -> Outcome {
        let surfaced = cx.messages_by_ingress(|m| TOKENS.iter().any(|t| m.contains(t)));
        for (ing, messages) in &surfaced {
            let Some((m, p)) = messages.iter().rev().find_map(|m| Some((*m, problem(m)?))) else {
                continue;
            };
            out.push(Self::finding(cx, ing, p).evidence(m.evidence()));
        }
        // Not surfaced (events expire): the class objects say it as well.
        for ing in cx.alb_ingresses_without_address() {
            if surfaced.iter().any(|(i, _)| std::ptr::eq(*i, ing)) {
                continue;
            }
            if let Some(p) = Self::configured_problem(cx, ing) {
                out.push(Self::finding(cx, ing, p));
            }
        }
        Self::multiple_defaults(cx, out);
        Ok(())
    }

    /// A parameters reference that cannot work, read from the IngressClass.
    fn configured_problem(cx: &Context<'_>, ing: &IngressView<'_>) -> Option<Problem> {
        let params = cx.ingress_class(ing)?.spec.parameters.as_ref()?;
        if params.kind.as_deref() != Some("IngressClassParams") {
            return Some(Problem::UnknownKind);
        }
        let name = params.name.as_deref()?;
        let exists = cx
            .snapshot
            .ingress_class_params
            .iter()
            .any(|p| p.metadata.name == name);
        // Absent from the bundle is evidence only if the kind was collected.
        (cx.has(Input::Kube(Kind::IngressClassParams)) && !exists)
            .then(|| Problem::NotFound(name.to_owned()))
    }

    fn finding(cx: &Context<'_>, ing: &IngressView<'_>, problem: Problem) -> Finding {
        let (ns, name) = (ing.namespace(), ing.name());
        let class = match &ing.class {
            ClassSource::ClassName(c) | ClassSource::Default(c) | ClassSource::Annotation(c) => {
                c.as_str()
            }
            ClassSource::None | ClassSource::Unknown => "<class>",
        };
        let existing: Vec<&str> = cx
            .snapshot
            .ingress_class_params
            .iter()
            .map(|p| p.metadata.name.as_str())
            .collect();
        let (message, summary, mut commands, terraform) = match &problem {
            Problem::UnknownKind | Problem::NotFound(_) => {
                let params = match &problem {
                    Problem::NotFound(p) => p.as_str(),
                    _ => existing.first().copied().unwrap_or("<params>"),
                };
                let message = match &problem {
                    Problem::NotFound(p) => format!(
                        "ingress/{ns}/{name} uses IngressClass {class}, whose parameters name IngressClassParams {p}, which does not exist (IngressClassParams: {})",
                        if existing.is_empty() {
                            "none".to_owned()
                        } else {
                            existing.join(", ")
                        }
                    ),
                    _ => format!(
                        "ingress/{ns}/{name} uses IngressClass {class}, whose spec.parameters is not an elbv2.k8s.aws IngressClassParams: the controller refuses the class"
                    ),
                };
                (
                    message,
                    format!(
                        "create IngressClassParams {params}, or point IngressClass {class} at an existing one"
                    ),
                    vec![
                        "kubectl get ingressclassparams".to_owned(),
                        format!(
                            "kubectl patch ingressclass {class} --type merge -p '{{\"spec\":{{\"parameters\":{{\"apiGroup\":\"elbv2.k8s.aws\",\"kind\":\"IngressClassParams\",\"name\":\"{params}\"}}}}}}'"
                        ),
                    ],
                    Some(helm_release_terraform(&[
                        ("ingressClassParams.create", "true"),
                        ("ingressClassParams.name", &format!("\"{params}\"")),
                    ])),
                )
            }
            Problem::Mismatch(p) => (
                format!(
                    "the namespaceSelector of IngressClassParams {p} does not select namespace {ns}, so ingress/{ns}/{name} may not use IngressClass {class}"
                ),
                format!(
                    "label namespace {ns} so that IngressClassParams {p} selects it, or use another IngressClass"
                ),
                vec![
                    format!(
                        "kubectl get ingressclassparams {p} -o jsonpath='{{.spec.namespaceSelector}}'"
                    ),
                    format!("kubectl get namespace {ns} --show-labels"),
                    format!("kubectl label namespace {ns} <key>=<value>"),
                ],
                None,
            ),
            Problem::MultipleDefaults => (
                format!(
                    "several IngressClasses are marked default ({}): the class of ingress/{ns}/{name} cannot be decided",
                    defaults(cx).join(", ")
                ),
                "keep exactly one default IngressClass".to_owned(),
                default_commands(cx),
                None,
            ),
        };
        commands.push(nudge_ingress(ns, name));
        let mut f = Finding::new(&Self::META, ing.subject(), message)
            .breaks(ing.address_key())
            .fix(summary, commands, terraform);
        if let Some(params) = cx
            .ingress_class(ing)
            .and_then(|c| c.spec.parameters.as_ref())
        {
            f = f.evidence(Evidence::new(
                EvidenceSource::Object,
                format!("ingressclasses/{class}"),
                format!(
                    "spec.parameters: kind={}, name={}",
                    params.kind.as_deref().unwrap_or("<none>"),
                    params.name.as_deref().unwrap_or("<none>")
                ),
            ));
        }
        if let Problem::Mismatch(_) = problem
            && let Some(namespace) = cx
                .snapshot
                .namespaces
                .iter()
                .find(|n| n.metadata.name == ns)
        {
            let labels: Vec<String> = namespace
                .metadata
                .labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            f = f.evidence(Evidence::new(
                EvidenceSource::Object,
                format!("namespaces/{ns}"),
                format!("labels: {}", labels.join(", ")),
            ));
        }
        f
    }

    /// Two default classes break no existing Ingress (the class is set when one is created),
    /// but the API server refuses new ones that name none.
    fn multiple_defaults(cx: &Context<'_>, out: &mut Vec<Finding>) {
        let names = defaults(cx);
        if names.len() < 2 {
            return;
        }
        out.push(
            Finding::new(
                &Self::META,
                Subject::new("IngressClass", None, names[0]),
                format!(
                    "{} IngressClasses are marked default ({}): new Ingresses that name no class are refused",
                    names.len(),
                    names.join(", ")
                ),
            )
            .severity(Severity::Warning)
            .evidence(Evidence::new(
                EvidenceSource::Object,
                "ingressclasses",
                format!(
                    "{}: ingressclass.kubernetes.io/is-default-class: \"true\"",
                    names.join(", ")
                ),
            ))
            .fix("keep exactly one default IngressClass", default_commands(cx), None),
        );
    }
}

fn default_classes<'s>(cx: &Context<'s>) -> Vec<&'s IngressClass> {
    cx.snapshot
        .ingress_classes
        .iter()
        .filter(|c| c.is_default())
        .collect()
}

fn defaults<'s>(cx: &Context<'s>) -> Vec<&'s str> {
    default_classes(cx)
        .into_iter()
        .map(|c| c.metadata.name.as_str())
        .collect()
}

/// Keeps the first default class of the ALB controller (else the first) and unmarks the rest.
fn default_commands(cx: &Context<'_>) -> Vec<String> {
    let classes = default_classes(cx);
    let keep = classes
        .iter()
        .position(|c| c.spec.controller.as_deref() == Some(ALB_CONTROLLER))
        .unwrap_or(0);
    let mut commands = vec!["kubectl get ingressclass -o custom-columns='NAME:.metadata.name,CONTROLLER:.spec.controller,DEFAULT:.metadata.annotations.ingressclass\\.kubernetes\\.io/is-default-class'".to_owned()];
    commands.extend(
        classes
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != keep)
            .map(|(_, c)| {
                format!(
                    "kubectl annotate ingressclass {} ingressclass.kubernetes.io/is-default-class-",
                    c.metadata.name
                )
            }),
    );
    commands
}

impl_rule!(IngressClassParamsProblem);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_wording() {
        let p = |t: &str| problem(&Message::event_text(t));
        assert_eq!(
            p(
                "failed load groupID due to invalid ingress class: ingressclassparams.elbv2.k8s.aws \"internal-params\" not found"
            ),
            Some(Problem::NotFound("internal-params".into()))
        );
        assert_eq!(
            p("invalid ingress class: namespaceSelector of IngressClassParams team-a mismatch"),
            Some(Problem::Mismatch("team-a".into()))
        );
        assert_eq!(
            p("invalid ingress class: IngressClass alb references unknown parameters"),
            Some(Problem::UnknownKind)
        );
        assert_eq!(
            p("ingressclassparams.elbv2.k8s.aws \"x\" is forbidden"),
            None
        );
    }
}
