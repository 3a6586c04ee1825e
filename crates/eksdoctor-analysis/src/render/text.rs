use crate::report::{Report, ReportFinding, Verdict};
use eksdoctor_rule::Severity;
use owo_colors::{OwoColorize, Style};
use std::fmt::Write;

struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, text: &str, style: Style) -> String {
        if self.color {
            text.style(style).to_string()
        } else {
            text.to_owned()
        }
    }
    fn severity(&self, s: Severity) -> String {
        match s {
            Severity::Error => self.paint("✗", Style::new().red().bold()),
            Severity::Warning => self.paint("!", Style::new().yellow().bold()),
            Severity::Info => self.paint("i", Style::new().blue()),
        }
    }
    fn bold(&self, text: &str) -> String {
        self.paint(text, Style::new().bold())
    }
    fn dim(&self, text: &str) -> String {
        self.paint(text, Style::new().dimmed())
    }
}

/// The report as a tree from each symptom to its root causes, then the fix, the next blockers
/// and everything else. `color` adds ANSI colours (the caller decides: terminal, NO_COLOR).
pub fn text(report: &Report, color: bool) -> String {
    let p = Painter { color };
    let mut out = String::new();
    let verdict = match report.verdict {
        Verdict::Healthy => p.paint("HEALTHY", Style::new().green().bold()),
        Verdict::Degraded => p.paint("DEGRADED", Style::new().yellow().bold()),
        Verdict::Failing => p.paint("FAILING", Style::new().red().bold()),
    };
    let ctx = &report.context;
    let place: Vec<String> = [
        ctx.cluster.clone().map(|c| format!("cluster {c}")),
        ctx.region.clone(),
        ctx.now.clone().map(|n| format!("as of {n}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    let _ = writeln!(
        out,
        "eksdoctor: {verdict}{}",
        if place.is_empty() {
            String::new()
        } else {
            format!("  ({})", place.join(", "))
        }
    );
    if let Some(lbc) = &ctx.lbc {
        let _ = writeln!(
            out,
            "{}",
            p.dim(&format!("load balancer controller: {lbc}"))
        );
    }

    let symptoms = report.symptoms();
    if !symptoms.is_empty() {
        let _ = writeln!(out, "\n{}", p.bold("Why"));
        let mut printed = Vec::new();
        for top in symptoms {
            tree(report, &p, top, "", "", &mut printed, &mut out);
        }
    }

    let roots = report.roots();
    for (n, root) in roots.iter().enumerate() {
        let title = if n == 0 { "Fix first" } else { "Then fix" };
        let _ = writeln!(
            out,
            "\n{}: {} {}",
            p.bold(title),
            root.rule,
            root.fix.summary
        );
        fix_block(&p, root, "  ", &mut out);
    }

    if !report.next_blockers.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            p.bold("Next blockers (will surface once the above is fixed)")
        );
        for id in &report.next_blockers {
            if let Some(f) = report.finding(id) {
                finding_line(&p, f, "  ", &mut out);
                evidence_lines(&p, f, "    ", &mut out);
                let _ = writeln!(out, "    fix: {}", f.fix.summary);
                fix_block(&p, f, "    ", &mut out);
            }
        }
    }

    let others = report.others();
    if !others.is_empty() {
        let _ = writeln!(out, "\n{}", p.bold("Other findings"));
        for f in others {
            finding_line(&p, f, "  ", &mut out);
            evidence_lines(&p, f, "    ", &mut out);
            if !f.fix.summary.is_empty() {
                let _ = writeln!(out, "    fix: {}", f.fix.summary);
                fix_block(&p, f, "    ", &mut out);
            }
        }
    }

    if report.findings.is_empty() {
        // "Healthy" from a bundle without Ingresses says nothing about the symptom itself.
        let symptom_unchecked = report.skipped_rules.iter().any(|s| s.rule == "ING-00");
        let _ = writeln!(
            out,
            "\n{}",
            if symptom_unchecked {
                "no problems found in what was collected; Ingresses were not, so whether one lacks an address was not checked"
            } else {
                "no problems found"
            }
        );
    }
    if !report.skipped_rules.is_empty() {
        let _ = writeln!(out, "\n{}", p.bold("Not checked"));
        for s in &report.skipped_rules {
            let _ = writeln!(out, "  {} {}", s.rule, p.dim(&s.reason));
        }
    }
    for e in &ctx.file_errors {
        let _ = writeln!(
            out,
            "\n{} {e}",
            p.paint("unreadable file:", Style::new().red())
        );
    }
    if !ctx.not_collected.is_empty() {
        let _ = writeln!(out, "\n{}", p.bold("Not collected"));
        for n in &ctx.not_collected {
            let _ = writeln!(out, "  {n}");
        }
    }
    if !report.ignored_files.is_empty() {
        let _ = writeln!(
            out,
            "\n{} {}",
            p.bold("Ignored files:"),
            report.ignored_files.join(", ")
        );
    }
    out
}

fn finding_line(p: &Painter, f: &ReportFinding, indent: &str, out: &mut String) {
    let root = if f.root_cause {
        format!(" {}", p.paint("[root cause]", Style::new().red().bold()))
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "{indent}{} {} {}{root} {}",
        p.severity(f.severity),
        p.dim(&f.id),
        p.bold(f.rule),
        f.message
    );
}

fn evidence_lines(p: &Painter, f: &ReportFinding, indent: &str, out: &mut String) {
    for e in f.evidence.iter().take(2) {
        let excerpt = e.excerpt.replace('\n', " ⏎ ");
        let _ = writeln!(
            out,
            "{indent}{} {}",
            p.dim(&format!("{}:", e.reference)),
            excerpt
        );
    }
}

fn fix_block(p: &Painter, f: &ReportFinding, indent: &str, out: &mut String) {
    for c in &f.fix.commands {
        let _ = writeln!(out, "{indent}  {} {c}", p.dim("$"));
    }
    if let Some(tf) = &f.fix.terraform {
        let _ = writeln!(out, "{indent}  {}", p.dim("terraform:"));
        for line in tf.lines() {
            let _ = writeln!(out, "{indent}    {line}");
        }
    }
}

fn tree(
    report: &Report,
    p: &Painter,
    f: &ReportFinding,
    lead: &str,
    child_lead: &str,
    printed: &mut Vec<String>,
    out: &mut String,
) {
    if printed.contains(&f.id) {
        let _ = writeln!(
            out,
            "{lead}{} {} {}",
            p.severity(f.severity),
            p.dim(&f.id),
            p.dim("(shown above)")
        );
        return;
    }
    printed.push(f.id.clone());
    finding_line(p, f, lead, out);
    let bar = if f.caused_by.is_empty() {
        "   "
    } else {
        "│  "
    };
    evidence_lines(p, f, &format!("{child_lead}{bar}"), out);
    let causes: Vec<&ReportFinding> = f
        .caused_by
        .iter()
        .filter_map(|id| report.finding(id))
        .collect();
    for (i, cause) in causes.iter().enumerate() {
        let last = i + 1 == causes.len();
        let branch = if last { "└─ " } else { "├─ " };
        let next = if last { "   " } else { "│  " };
        tree(
            report,
            p,
            cause,
            &format!("{child_lead}{branch}"),
            &format!("{child_lead}{next}"),
            printed,
            out,
        );
    }
}
