//! Renderers of a diagnose report: a text tree for terminals, JSON per the contract, Markdown
//! for tickets.

mod markdown;
mod text;

pub use markdown::markdown;
pub use text::text;

use crate::report::Report;

/// The report as pretty-printed JSON (CONTRACT.md §2), with a trailing newline.
pub fn json(report: &Report) -> String {
    let mut out = serde_json::to_string_pretty(report).expect("a report always serializes");
    out.push('\n');
    out
}

/// Human form of an age in seconds: `45s`, `14m`, `3h12m`, `2d4h`.
pub fn human_age(secs: i64) -> String {
    match secs {
        s if s < 0 => "0s".to_owned(),
        s if s < 120 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h{}m", s / 3600, (s % 3600) / 60),
        s => format!("{}d{}h", s / 86_400, (s % 86_400) / 3600),
    }
}
