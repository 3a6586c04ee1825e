use crate::report::{Report, ReportFinding};
use std::fmt::Write;

/// The report as Markdown, for pasting into a ticket or a pull request.
pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let ctx = &report.context;
    let _ = writeln!(out, "# eksdoctor: {}", report.verdict.as_str());
    let facts: Vec<String> = [
        ctx.cluster.clone().map(|c| format!("cluster `{c}`")),
        ctx.region.clone().map(|r| format!("region `{r}`")),
        ctx.now.clone().map(|n| format!("as of {n}")),
        ctx.lbc.clone().map(|l| format!("controller `{l}`")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !facts.is_empty() {
        let _ = writeln!(out, "\n{}", facts.join(" · "));
    }
    if !report.chains.is_empty() {
        let _ = writeln!(out, "\n## Causal chains\n");
        for chain in &report.chains {
            let links: Vec<String> = chain
                .iter()
                .filter_map(|id| report.finding(id))
                .map(|f| format!("`{}` {}", f.rule, f.subject))
                .collect();
            let _ = writeln!(out, "- {}", links.join(" ← "));
        }
    }
    let roots = report.roots();
    if !roots.is_empty() {
        let _ = writeln!(out, "\n## Fix first\n");
        for f in roots {
            section(f, &mut out);
        }
    }
    if !report.next_blockers.is_empty() {
        let _ = writeln!(out, "\n## Next blockers\n");
        for f in report
            .next_blockers
            .iter()
            .filter_map(|id| report.finding(id))
        {
            section(f, &mut out);
        }
    }
    let _ = writeln!(out, "\n## All findings\n");
    if report.findings.is_empty() {
        let _ = writeln!(out, "No problems found.");
    } else {
        let _ = writeln!(
            out,
            "| id | rule | severity | subject | message |\n|---|---|---|---|---|"
        );
        for f in &report.findings {
            let _ = writeln!(
                out,
                "| {} | {} | {} | `{}` | {} |",
                f.id,
                f.rule,
                f.severity,
                f.subject,
                f.message.replace('|', "\\|")
            );
        }
    }
    if !report.skipped_rules.is_empty() {
        let _ = writeln!(out, "\n## Not checked\n");
        for s in &report.skipped_rules {
            let _ = writeln!(out, "- `{}`: {}", s.rule, s.reason);
        }
    }
    if !report.ignored_files.is_empty() {
        let _ = writeln!(out, "\n## Ignored files\n");
        for f in &report.ignored_files {
            let _ = writeln!(out, "- `{f}`");
        }
    }
    out
}

fn section(f: &ReportFinding, out: &mut String) {
    let _ = writeln!(
        out,
        "### {} {} `{}`\n\n{}\n",
        f.id, f.rule, f.subject, f.message
    );
    for e in &f.evidence {
        let _ = writeln!(out, "> `{}`: {}", e.reference, e.excerpt.replace('\n', " "));
    }
    let _ = writeln!(out, "\n**Fix:** {}", f.fix.summary);
    if !f.fix.commands.is_empty() {
        let _ = writeln!(out, "\n```bash\n{}\n```", f.fix.commands.join("\n"));
    }
    if let Some(tf) = &f.fix.terraform {
        let _ = writeln!(out, "\n```hcl\n{tf}\n```");
    }
}
