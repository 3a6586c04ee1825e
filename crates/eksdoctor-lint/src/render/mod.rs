//! Output formats: `text` for people (source lines with a caret span, like rustc and ruff),
//! `json` (CONTRACT.md section 5) and `sarif` (2.1.0, for code scanning).

mod sarif;
mod text;

pub use sarif::sarif;
pub use text::text;

use crate::LintReport;

/// The report as pretty-printed JSON, newline-terminated.
pub fn json(report: &LintReport) -> String {
    let mut out = serde_json::to_string_pretty(report).unwrap_or_default();
    out.push('\n');
    out
}
