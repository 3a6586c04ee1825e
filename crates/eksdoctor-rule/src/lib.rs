//! What every eksdoctor rule has in common, whether it reads a cluster bundle (`diagnose`) or
//! Terraform (`lint`): a stable id, a one-line summary, a severity, and documentation written as
//! the rule's own doc comment, so that `eksdoctor explain ID` and the generated docs cannot drift
//! from the code (the clippy/ruff pattern).

use serde::Serialize;
use std::fmt;

/// How bad a finding is. Ordered so that `Error > Warning > Info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Static description of one rule. Built by [`declare_rule!`]; never written by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleMeta {
    /// Stable id from CONTRACT.md, e.g. `FG-02` or `TF-01`. Never reused.
    pub id: &'static str,
    /// Kebab-case name, e.g. `coredns-pinned-to-ec2`.
    pub name: &'static str,
    /// One line, lowercase start (unless it starts with a name such as `CoreDNS` or `STS`), no
    /// trailing period.
    pub summary: &'static str,
    /// The severity a finding of this rule has unless the check decides otherwise.
    pub default_severity: Severity,
    /// Runtime rule ids whose failure this rule prevents (lint rules) or refines (none for most).
    pub prevents: &'static [&'static str],
    /// Markdown documentation: the rule's doc comment, with its fixed sections.
    pub docs: &'static str,
}

impl RuleMeta {
    /// The documentation with the single leading space of each doc-comment line removed.
    pub fn docs_markdown(&self) -> String {
        let mut out = String::with_capacity(self.docs.len());
        for line in self.docs.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out
    }

    /// The family prefix of the id (`FG` for `FG-02`).
    pub fn family(&self) -> &'static str {
        self.id.split('-').next().unwrap_or(self.id)
    }
}

/// Sections every rule's documentation must have, in this order.
pub const REQUIRED_DOC_SECTIONS: &[&str] = &[
    "## What it does",
    "## Why it matters",
    "## Evidence",
    "## Example",
    "## Fix",
    "## References",
];

/// Checks that a rule's documentation has the required sections in order; returns what is wrong.
pub fn doc_problems(meta: &RuleMeta) -> Vec<String> {
    let mut problems = Vec::new();
    let mut last = 0;
    for section in REQUIRED_DOC_SECTIONS {
        match meta.docs.find(section) {
            None => problems.push(format!("{}: missing section `{section}`", meta.id)),
            Some(at) if at < last => {
                problems.push(format!("{}: section `{section}` out of order", meta.id))
            }
            Some(at) => last = at,
        }
    }
    if meta.summary.ends_with('.') || starts_with_capitalised_word(meta.summary) {
        problems.push(format!(
            "{}: summary must start lowercase and have no trailing period",
            meta.id
        ));
    }
    problems
}

/// `Pods cannot …` starts with a capital that should be lowercase; `CoreDNS …` and `STS …` start
/// with names that keep their capitals.
fn starts_with_capitalised_word(text: &str) -> bool {
    let first = text.split_whitespace().next().unwrap_or("");
    first.starts_with(|c: char| c.is_uppercase())
        && first.chars().filter(|c| c.is_uppercase()).count() == 1
}

/// Declares a rule type whose doc comment is also its runtime documentation.
///
/// ```
/// eksdoctor_rule::declare_rule! {
///     /// ## What it does
///     /// Explains itself.
///     pub ExampleRule {
///         id: "EX-01",
///         name: "example-rule",
///         summary: "an example",
///         severity: Warning,
///     }
/// }
/// assert_eq!(ExampleRule::META.id, "EX-01");
/// assert!(ExampleRule::META.docs.contains("Explains itself."));
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:expr])*
        $vis:vis $name:ident {
            id: $id:expr,
            name: $rule_name:expr,
            summary: $summary:expr,
            severity: $severity:ident
            $(, prevents: [$($prevents:expr),* $(,)?])?
            $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, Default)]
        $vis struct $name;

        impl $name {
            pub const META: $crate::RuleMeta = $crate::RuleMeta {
                id: $id,
                name: $rule_name,
                summary: $summary,
                default_severity: $crate::Severity::$severity,
                prevents: &[$($($prevents),*)?],
                docs: concat!($($doc, "\n"),*),
            };
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    declare_rule! {
        /// ## What it does
        /// a
        /// ## Why it matters
        /// b
        /// ## Evidence
        /// c
        /// ## Example
        /// d
        /// ## Fix
        /// e
        /// ## References
        /// f
        pub Complete {
            id: "T-01",
            name: "complete",
            summary: "complete docs",
            severity: Error,
            prevents: ["SUB-01"],
        }
    }

    declare_rule! {
        /// ## Why it matters
        /// out of order and incomplete
        /// ## What it does
        pub Broken {
            id: "T-02",
            name: "broken",
            summary: "Broken docs.",
            severity: Info,
        }
    }

    #[test]
    fn complete_docs_have_no_problems() {
        assert_eq!(doc_problems(&Complete::META), Vec::<String>::new());
        assert_eq!(Complete::META.prevents, &["SUB-01"]);
        assert_eq!(Complete::META.family(), "T");
        assert!(
            Complete::META
                .docs_markdown()
                .starts_with("## What it does\na\n")
        );
    }

    #[test]
    fn broken_docs_are_reported() {
        let problems = doc_problems(&Broken::META);
        assert!(
            problems.iter().any(|p| p.contains("out of order")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("`## Evidence`")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("lowercase")),
            "{problems:?}"
        );
    }

    #[test]
    fn summaries_may_start_with_a_name_but_not_a_capitalised_word() {
        assert!(starts_with_capitalised_word("Pods cannot be scheduled"));
        assert!(starts_with_capitalised_word("Fargate is wrong"));
        assert!(!starts_with_capitalised_word(
            "CoreDNS is pinned to EC2 nodes"
        ));
        assert!(!starts_with_capitalised_word("STS refuses the role"));
        assert!(!starts_with_capitalised_word("an Ingress has no address"));
    }

    #[test]
    fn severity_orders_by_badness() {
        assert!(Severity::Error > Severity::Warning && Severity::Warning > Severity::Info);
    }
}
