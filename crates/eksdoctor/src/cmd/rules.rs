use super::{fail, print};
use eksdoctor_rule::RuleMeta;
use std::process::ExitCode;

/// List every rule: id, severity, summary.
#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    /// Print the list as JSON (id, name, severity, summary, prevents)
    #[arg(long)]
    pub json: bool,
}

/// Print one rule's documentation (what it does, why it matters, evidence, fix, references).
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  eksdoctor explain FG-02")]
pub struct ExplainArgs {
    /// Rule id, e.g. FG-02 or TF-01 (case-insensitive)
    pub id: String,
}

/// Every rule eksdoctor knows, diagnose and lint alike, in id order.
pub fn all_rules() -> Vec<&'static RuleMeta> {
    let mut rules: Vec<&'static RuleMeta> = eksdoctor_analysis::rules::metas()
        .chain(eksdoctor_lint::RULES.iter().copied())
        .collect();
    rules.sort_by_key(|r| r.id);
    rules
}

pub fn list(args: RulesArgs) -> ExitCode {
    let rules = all_rules();
    if args.json {
        let list: Vec<serde_json::Value> = rules
            .iter()
            .map(|r| serde_json::json!({"id": r.id, "name": r.name, "severity": r.default_severity, "summary": r.summary, "prevents": r.prevents}))
            .collect();
        print(&format!(
            "{}\n",
            serde_json::to_string_pretty(&list).unwrap_or_default()
        ));
    } else {
        let mut out = String::new();
        for r in rules {
            out.push_str(&format!(
                "{:<7} {:<8} {:<42} {}\n",
                r.id, r.default_severity, r.name, r.summary
            ));
        }
        print(&out);
    }
    ExitCode::SUCCESS
}

pub fn explain(args: ExplainArgs) -> ExitCode {
    let wanted = args.id.to_ascii_uppercase();
    let rules = all_rules();
    match rules.iter().find(|r| r.id == wanted || r.name == args.id) {
        Some(r) => {
            let prevents = if r.prevents.is_empty() {
                String::new()
            } else {
                format!("\nPrevents: {}\n", r.prevents.join(", "))
            };
            print(&format!(
                "# {} {}\n\n{} (default severity: {}){prevents}\n\n{}",
                r.id,
                r.name,
                r.summary,
                r.default_severity,
                r.docs_markdown()
            ));
            ExitCode::SUCCESS
        }
        None => fail(format!(
            "no rule `{}`; `eksdoctor rules` lists them",
            args.id
        )),
    }
}
