//! The causal engine: runs the rules, links effects to causes, orders findings, builds the
//! chains from each symptom to its root causes, finds the next blockers, and decides the verdict.

use crate::context::Context;
use crate::finding::{Finding, Key};
use crate::report::{Report, ReportContext, ReportFinding, SCHEMA, SkippedRule, Verdict};
use crate::rules::RULES;
use crate::snapshot::Snapshot;
use eksdoctor_rule::Severity;
use std::collections::BTreeSet;

/// Limits what the report shows; the rules always see the whole bundle.
#[derive(Debug, Clone, Default)]
pub struct DiagnoseOptions {
    /// Only findings about this namespace, and the chains that explain them.
    pub namespace: Option<String>,
    /// Only this Ingress (`namespace/name`) and the chains that explain it.
    pub ingress: Option<(String, String)>,
}

/// A chain longer than this is a cycle in the making; real chains are 2-6 links.
const MAX_CHAIN: usize = 12;
/// Enough chains to show every distinct path on a real cluster without an explosion.
const MAX_CHAINS_PER_SYMPTOM: usize = 16;

pub fn diagnose(snapshot: &Snapshot, options: &DiagnoseOptions) -> Report {
    let cx = Context::new(snapshot);
    let mut findings = Vec::new();
    let mut skipped = Vec::new();
    for rule in RULES {
        let mut out = Vec::new();
        match rule.check(&cx, &mut out) {
            Ok(()) => findings.extend(out),
            Err(skip) => skipped.push(SkippedRule {
                rule: rule.meta().id,
                reason: skip.0,
            }),
        }
    }
    build_report(&cx, findings, skipped, options)
}

fn order_key(f: &Finding) -> impl Ord + '_ {
    (
        std::cmp::Reverse(f.severity),
        f.rule.id,
        &f.subject,
        &f.message,
    )
}

fn build_report(
    cx: &Context<'_>,
    mut findings: Vec<Finding>,
    skipped: Vec<SkippedRule>,
    options: &DiagnoseOptions,
) -> Report {
    findings.sort_by(|a, b| order_key(a).cmp(&order_key(b)));
    findings.dedup_by(|a, b| {
        a.rule.id == b.rule.id && a.subject == b.subject && a.message == b.message
    });

    let mut caused_by = link(&findings);
    // A reassurance ("still provisioning, nothing failed") only holds while nothing explains it.
    if findings
        .iter()
        .zip(&caused_by)
        .any(|(f, causes)| f.unless_explained && !causes.is_empty())
    {
        let mut at = 0;
        findings.retain(|f| {
            let explained = !caused_by[at].is_empty();
            at += 1;
            !(f.unless_explained && explained)
        });
        caused_by = link(&findings);
    }
    // A latent finding that is the only explanation of an effect is its cause now, not a
    // blocker for later.
    for &cause in caused_by.iter().flatten() {
        findings[cause].latent = false;
    }
    // A finding that nothing explains takes its "unexplained" severity (a young Ingress) and
    // shows what the controller said instead.
    for (f, causes) in findings.iter_mut().zip(&caused_by) {
        if !causes.is_empty() {
            continue;
        }
        if let Some(s) = f.severity_if_unexplained {
            f.severity = s;
        }
        for e in std::mem::take(&mut f.evidence_if_unexplained) {
            f.add_evidence(e);
        }
    }
    let keep = focus(&findings, &caused_by, options);
    let is_root = |i: usize| {
        let f = &findings[i];
        !f.symptom && caused_by[i].is_empty() && f.severity >= Severity::Warning
    };

    // Chains as index paths, from each top (a finding nothing else is caused by) to its roots.
    let kept: Vec<usize> = (0..findings.len()).filter(|&i| keep[i]).collect();
    let mut paths: Vec<Vec<usize>> = Vec::new();
    for &top in &kept {
        let is_top = !kept.iter().any(|&j| caused_by[j].contains(&top)) && !findings[top].latent;
        if !is_top || caused_by[top].is_empty() {
            continue;
        }
        let mut found = Vec::new();
        walk(top, &caused_by, &mut vec![top], &mut found);
        paths.extend(
            found
                .into_iter()
                .filter(|p| is_root(*p.last().unwrap_or(&top)))
                .take(MAX_CHAINS_PER_SYMPTOM),
        );
    }

    // Ids follow the reading order: chain links first (symptom to root), then the rest.
    let mut shown: Vec<usize> = Vec::with_capacity(kept.len());
    for &i in paths.iter().flatten() {
        if !shown.contains(&i) {
            shown.push(i);
        }
    }
    shown.extend(
        kept.iter()
            .filter(|i| !paths.iter().any(|p| p.contains(i)))
            .copied(),
    );
    let id_of = |i: usize| {
        shown
            .iter()
            .position(|&s| s == i)
            .map(|p| format!("f{}", p + 1))
    };
    let chains: Vec<Vec<String>> = paths
        .iter()
        .map(|p| p.iter().filter_map(|&i| id_of(i)).collect())
        .collect();

    // Next blockers: latent root causes that break something a failing finding needs.
    let needed: BTreeSet<&Key> = shown
        .iter()
        .filter(|&&i| !findings[i].latent && findings[i].severity >= Severity::Warning)
        .flat_map(|&i| &findings[i].needs)
        .collect();
    let next_blockers: Vec<String> = shown
        .iter()
        .filter(|&&i| findings[i].latent && findings[i].breaks.iter().any(|k| needed.contains(k)))
        .filter_map(|&i| id_of(i))
        .collect();

    let report_findings: Vec<ReportFinding> = shown
        .iter()
        .map(|&i| {
            let f = &findings[i];
            ReportFinding {
                id: id_of(i).unwrap_or_default(),
                rule: f.rule.id,
                severity: f.severity,
                subject: f.subject.clone(),
                message: f.message.clone(),
                root_cause: is_root(i),
                caused_by: caused_by[i].iter().filter_map(|&c| id_of(c)).collect(),
                evidence: f.evidence.clone(),
                fix: f.fix.clone(),
            }
        })
        .collect();

    let worst = report_findings.iter().map(|f| f.severity).max();
    let verdict = match worst {
        Some(Severity::Error) => Verdict::Failing,
        Some(Severity::Warning) => Verdict::Degraded,
        _ => Verdict::Healthy,
    };
    let snapshot = cx.snapshot;
    Report {
        schema: SCHEMA,
        verdict,
        findings: report_findings,
        chains,
        next_blockers,
        ignored_files: snapshot.ignored_files.clone(),
        skipped_rules: skipped,
        context: ReportContext {
            cluster: snapshot.cluster_name().map(str::to_owned),
            region: cx.region.clone(),
            now: snapshot.now.map(|t| t.to_string()),
            lbc: cx
                .lbc
                .as_ref()
                .map(|l| format!("{} ({})", l.image, l.version_text())),
            file_errors: snapshot
                .file_errors
                .iter()
                .map(ToString::to_string)
                .collect(),
            not_collected: snapshot
                .not_collected
                .iter()
                .map(|n| format!("{}: {}", n.what, n.reason))
                .collect(),
        },
    }
}

/// `caused_by[i]`: the findings that break something finding `i` needs. Latent ones (they have
/// not happened yet) only where nothing that has happened explains it.
fn link(findings: &[Finding]) -> Vec<Vec<usize>> {
    findings
        .iter()
        .enumerate()
        .map(|(i, effect)| {
            if effect.latent {
                return Vec::new();
            }
            let causes = |latent: bool| -> Vec<usize> {
                (0..findings.len())
                    .filter(|&j| j != i && findings[j].latent == latent)
                    .filter(|&j| findings[j].breaks.iter().any(|k| effect.needs.contains(k)))
                    .collect()
            };
            let happened = causes(false);
            if happened.is_empty() {
                causes(true)
            } else {
                happened
            }
        })
        .collect()
}

fn walk(at: usize, caused_by: &[Vec<usize>], path: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    if caused_by[at].is_empty() || path.len() >= MAX_CHAIN {
        out.push(path.clone());
        return;
    }
    let mut extended = false;
    for &cause in &caused_by[at] {
        if path.contains(&cause) {
            continue; // a cycle: stop here
        }
        extended = true;
        path.push(cause);
        walk(cause, caused_by, path, out);
        path.pop();
    }
    if !extended {
        out.push(path.clone());
    }
}

/// Which findings a focused report keeps: those about the namespace/Ingress, everything that
/// explains them, and the next blockers of what they need.
fn focus(findings: &[Finding], caused_by: &[Vec<usize>], options: &DiagnoseOptions) -> Vec<bool> {
    if options.namespace.is_none() && options.ingress.is_none() {
        return vec![true; findings.len()];
    }
    let selected = |f: &Finding| {
        let ns = f.subject.namespace.as_deref();
        match (&options.ingress, &options.namespace) {
            (Some((ins, iname)), _) => {
                f.subject.kind == "Ingress" && ns == Some(ins.as_str()) && &f.subject.name == iname
            }
            (None, Some(n)) => ns == Some(n.as_str()),
            (None, None) => true,
        }
    };
    let mut keep: Vec<bool> = findings.iter().map(selected).collect();
    let mut stack: Vec<usize> = (0..findings.len()).filter(|&i| keep[i]).collect();
    while let Some(i) = stack.pop() {
        for &c in &caused_by[i] {
            if !keep[c] {
                keep[c] = true;
                stack.push(c);
            }
        }
    }
    let needed: BTreeSet<&Key> = (0..findings.len())
        .filter(|&i| keep[i])
        .flat_map(|i| &findings[i].needs)
        .collect();
    for (i, f) in findings.iter().enumerate() {
        if f.latent && f.breaks.iter().any(|k| needed.contains(k)) {
            keep[i] = true;
        }
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Subject;
    use eksdoctor_rule::declare_rule;

    declare_rule! {
        /// ## What it does
        /// test
        pub TestRule {
            id: "T-01",
            name: "test",
            summary: "test",
            severity: Error,
        }
    }

    fn key(name: &str) -> Key {
        Key::AwsApi(name.to_owned())
    }

    fn finding(name: &str, needs: &[&str], breaks: &[&str]) -> Finding {
        let mut f = Finding::new(
            &TestRule::META,
            Subject::new("Pod", Some("ns"), name),
            format!("{name} failed"),
        );
        f.needs = needs.iter().map(|k| key(k)).collect();
        f.breaks = breaks.iter().map(|k| key(k)).collect();
        f
    }

    fn run(findings: Vec<Finding>, options: &DiagnoseOptions) -> Report {
        let snapshot = Snapshot::default();
        let cx = Context::new(&snapshot);
        build_report(&cx, findings, Vec::new(), options)
    }

    fn names(report: &Report, ids: &[String]) -> Vec<String> {
        ids.iter()
            .map(|id| report.finding(id).unwrap().subject.name.clone())
            .collect()
    }

    #[test]
    fn effects_link_to_causes_and_chains_run_symptom_to_root() {
        let symptom = finding("ingress", &["lbc"], &[]).symptom();
        let middle = finding("lbc", &["dns"], &["lbc"]);
        let root = finding("coredns", &[], &["dns"]);
        let report = run(vec![root, symptom, middle], &DiagnoseOptions::default());
        assert_eq!(report.chains.len(), 1);
        assert_eq!(
            names(&report, &report.chains[0]),
            ["ingress", "lbc", "coredns"]
        );
        assert_eq!(
            report.chains[0],
            ["f1", "f2", "f3"],
            "ids follow the reading order"
        );
        let roots: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.root_cause)
            .map(|f| f.subject.name.as_str())
            .collect();
        assert_eq!(roots, ["coredns"]);
        assert_eq!(report.verdict, Verdict::Failing);
    }

    #[test]
    fn latent_causes_are_next_blockers_not_links() {
        let symptom = finding("ingress", &["lbc", "subnets"], &[]).symptom();
        let active = finding("lbc", &[], &["lbc"]);
        let latent = finding("subnets", &[], &["subnets"]).latent();
        let report = run(vec![symptom, active, latent], &DiagnoseOptions::default());
        assert_eq!(names(&report, &report.chains[0]), ["ingress", "lbc"]);
        assert_eq!(names(&report, &report.next_blockers), ["subnets"]);
        let ingress = report
            .findings
            .iter()
            .find(|f| f.subject.name == "ingress")
            .unwrap();
        assert_eq!(names(&report, &ingress.caused_by), ["lbc"]);
    }

    #[test]
    fn a_latent_cause_that_is_the_only_explanation_is_the_root() {
        let symptom = finding("ingress", &["lbc", "subnets"], &[]).symptom();
        let latent = finding("subnets", &[], &["subnets"]).latent();
        let report = run(vec![symptom, latent], &DiagnoseOptions::default());
        assert_eq!(names(&report, &report.chains[0]), ["ingress", "subnets"]);
        assert!(report.next_blockers.is_empty());
        assert!(
            report
                .findings
                .iter()
                .any(|f| f.subject.name == "subnets" && f.root_cause)
        );
    }

    #[test]
    fn a_reassurance_is_dropped_once_something_explains_it() {
        let reassurance = || finding("waiting", &["subnets"], &[]).unless_explained();
        let alone = run(vec![reassurance()], &DiagnoseOptions::default());
        assert_eq!(alone.findings.len(), 1);
        let cause = finding("subnets", &[], &["subnets"]).latent();
        let explained = run(vec![reassurance(), cause], &DiagnoseOptions::default());
        let shown: Vec<&str> = explained
            .findings
            .iter()
            .map(|f| f.subject.name.as_str())
            .collect();
        assert_eq!(shown, ["subnets"]);
    }

    #[test]
    fn a_latent_finding_that_blocks_nothing_is_no_next_blocker() {
        let latent = finding("subnets", &[], &["subnets"]).latent();
        let report = run(vec![latent], &DiagnoseOptions::default());
        assert!(report.next_blockers.is_empty() && report.chains.is_empty());
        assert_eq!(report.findings.len(), 1);
    }

    #[test]
    fn cycles_end_without_looping() {
        let a = finding("a", &["x"], &["y"]).symptom();
        let b = finding("b", &["y"], &["x"]);
        let report = run(vec![a, b], &DiagnoseOptions::default());
        assert!(report.chains.iter().all(|c| c.len() <= MAX_CHAIN));
        assert_eq!(report.findings.len(), 2);
    }

    #[test]
    fn an_unexplained_young_symptom_is_info_but_an_explained_one_stays_an_error() {
        let young = finding("young", &["nothing"], &[])
            .symptom()
            .severity_if_unexplained(Severity::Info);
        let report = run(vec![young.clone()], &DiagnoseOptions::default());
        assert_eq!(report.findings[0].severity, Severity::Info);
        assert_eq!(report.verdict, Verdict::Healthy);

        let explained = run(
            vec![young, finding("cause", &[], &["nothing"])],
            &DiagnoseOptions::default(),
        );
        assert!(
            explained
                .findings
                .iter()
                .all(|f| f.severity == Severity::Error)
        );
    }

    #[test]
    fn warnings_alone_make_a_degraded_verdict() {
        let report = run(
            vec![finding("w", &[], &[]).severity(Severity::Warning)],
            &DiagnoseOptions::default(),
        );
        assert_eq!(report.verdict, Verdict::Degraded);
    }

    #[test]
    fn focus_keeps_the_causes_outside_the_namespace() {
        let mut symptom = finding("ingress", &["lbc"], &[]).symptom();
        symptom.subject = Subject::new("Ingress", Some("shop"), "web");
        let mut cause = finding("lbc", &[], &["lbc"]);
        cause.subject = Subject::new("Deployment", Some("kube-system"), "lbc");
        let mut other = finding("unrelated", &[], &[]);
        other.subject = Subject::new("Pod", Some("batch"), "job");
        let options = DiagnoseOptions {
            namespace: Some("shop".into()),
            ingress: None,
        };
        let report = run(vec![symptom, cause, other], &options);
        let kept: Vec<_> = report
            .findings
            .iter()
            .map(|f| f.subject.name.as_str())
            .collect();
        assert_eq!(kept, ["web", "lbc"]);
    }

    #[test]
    fn identical_findings_are_reported_once() {
        let report = run(
            vec![finding("a", &[], &[]), finding("a", &[], &[])],
            &DiagnoseOptions::default(),
        );
        assert_eq!(report.findings.len(), 1);
    }
}
