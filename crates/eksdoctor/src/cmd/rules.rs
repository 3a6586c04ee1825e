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
                "{:<7} {:<8} {:<44} {}\n",
                r.id,
                r.default_severity.to_string(),
                r.name,
                r.summary
            ));
        }
        print(&out);
    }
    ExitCode::SUCCESS
}

/// One rule's documentation as Markdown: what `explain` prints and what `docs/rules/` holds.
pub fn rule_markdown(r: &RuleMeta) -> String {
    let prevents = if r.prevents.is_empty() {
        String::new()
    } else {
        format!("\nPrevents at runtime: {}\n", r.prevents.join(", "))
    };
    format!(
        "# {} {}\n\n{} (default severity: {}){prevents}\n\n{}",
        r.id,
        r.name,
        r.summary,
        r.default_severity,
        r.docs_markdown()
    )
}

pub fn explain(args: ExplainArgs) -> ExitCode {
    let wanted = args.id.to_ascii_uppercase();
    let rules = all_rules();
    match rules.iter().find(|r| r.id == wanted || r.name == args.id) {
        Some(r) => {
            print(&rule_markdown(r));
            ExitCode::SUCCESS
        }
        None => fail(format!(
            "no rule `{}`; `eksdoctor rules` lists them",
            args.id
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// `docs/rules/` is generated from the rules' doc comments; this test regenerates it with
    /// `UPDATE_RULE_DOCS=1` and otherwise fails when a page has drifted from the code.
    #[test]
    fn rule_docs_are_generated_from_the_code() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules");
        let update = std::env::var_os("UPDATE_RULE_DOCS").is_some();
        let mut index = String::from(
            "# Rules\n\nGenerated from the rules' doc comments by `UPDATE_RULE_DOCS=1 cargo test -p eksdoctor rule_docs`; `eksdoctor explain ID` prints the same text.\n\n| id | name | severity | summary |\n|---|---|---|---|\n",
        );
        let mut pages = vec![];
        for r in all_rules() {
            index.push_str(&format!(
                "| [{id}]({id}.md) | {} | {} | {} |\n",
                r.name,
                r.default_severity,
                r.summary,
                id = r.id
            ));
            pages.push((format!("{}.md", r.id), rule_markdown(r)));
        }
        pages.push(("README.md".to_owned(), index));
        if update {
            std::fs::create_dir_all(&dir).unwrap();
        }
        for (name, text) in pages {
            let path = dir.join(&name);
            if update {
                std::fs::write(&path, &text).unwrap();
            } else {
                let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
                assert!(
                    on_disk == text,
                    "docs/rules/{name} is out of date: run UPDATE_RULE_DOCS=1 cargo test -p eksdoctor rule_docs"
                );
            }
        }
    }
}
