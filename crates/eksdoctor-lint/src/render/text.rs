use crate::{Finding, LintReport, Severity};
use owo_colors::{OwoColorize, Style};
use std::fmt::Write;

/// Longer source lines (plan JSON is one line) are shown as a window around the span.
const MAX_LINE: usize = 120;

struct Styles {
    error: Style,
    warning: Style,
    info: Style,
    gutter: Style,
    bold: Style,
}

impl Styles {
    fn new(color: bool) -> Styles {
        let s = |style: Style| if color { style } else { Style::new() };
        Styles {
            error: s(Style::new().red().bold()),
            warning: s(Style::new().yellow().bold()),
            info: s(Style::new().cyan().bold()),
            gutter: s(Style::new().blue().bold()),
            bold: s(Style::new().bold()),
        }
    }

    fn severity(&self, severity: Severity) -> Style {
        match severity {
            Severity::Error => self.error,
            Severity::Warning => self.warning,
            Severity::Info => self.info,
        }
    }
}

/// Findings with their source lines, then unreadable files, then a summary line.
pub fn text(report: &LintReport, color: bool) -> String {
    let st = Styles::new(color);
    let mut out = String::new();
    for f in &report.findings {
        finding(&mut out, f, &st);
    }
    for e in &report.errors {
        let _ = writeln!(
            out,
            "{}: {}: {}\n",
            "error".style(st.error),
            e.file.style(st.bold),
            e.message
        );
    }
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let by_severity: Vec<String> = [
        (Severity::Error, "error"),
        (Severity::Warning, "warning"),
        (Severity::Info, "info"),
    ]
    .into_iter()
    .map(|(s, word)| {
        (
            report.findings.iter().filter(|f| f.severity == s).count(),
            word,
        )
    })
    .filter(|(n, _)| *n > 0)
    .map(|(n, word)| {
        if word == "info" {
            format!("{n} info")
        } else {
            plural(n, word)
        }
    })
    .collect();
    let mut summary = if report.findings.is_empty() {
        format!("no findings in {}", plural(report.files_read, "file"))
    } else {
        format!(
            "{} ({}) in {}",
            plural(report.findings.len(), "finding"),
            by_severity.join(", "),
            plural(report.files_read, "file")
        )
    };
    if !report.errors.is_empty() {
        let _ = write!(
            summary,
            "; {} not linted",
            plural(report.errors.len(), "file")
        );
    }
    let _ = writeln!(out, "{}", summary.style(st.bold));
    out
}

fn finding(out: &mut String, f: &Finding, st: &Styles) {
    let sev = st.severity(f.severity);
    let _ = writeln!(
        out,
        "{}: {}",
        format!("{}[{}]", f.severity, f.rule).style(sev),
        f.message.style(st.bold)
    );
    let width = f.end_line.to_string().len();
    let pad = " ".repeat(width);
    let _ = writeln!(
        out,
        "{pad}{} {}:{}:{}",
        "-->".style(st.gutter),
        f.file,
        f.line,
        f.column
    );
    let _ = writeln!(out, "{pad} {}", "|".style(st.gutter));
    if let Some(first) = f.source.first() {
        let end = if f.end_line == f.line {
            f.end_column
        } else {
            first.chars().count() + 1
        };
        let (shown, start_col, end_col) = window(first, f.column, end.max(f.column + 1));
        let _ = writeln!(
            out,
            "{:>width$} {} {shown}",
            f.line.style(st.gutter),
            "|".style(st.gutter)
        );
        let marks = format!(
            "{}{}",
            " ".repeat(start_col - 1),
            "^".repeat(end_col.saturating_sub(start_col).max(1))
        );
        let _ = writeln!(out, "{pad} {} {}", "|".style(st.gutter), marks.style(sev));
        for (i, line) in f.source.iter().enumerate().skip(1) {
            let (shown, _, _) = window(line, 1, 2);
            let _ = writeln!(
                out,
                "{:>width$} {} {shown}",
                (f.line + i).style(st.gutter),
                "|".style(st.gutter)
            );
        }
        if f.end_line > f.line + f.source.len() - 1 {
            let _ = writeln!(out, "{pad} {} ...", "|".style(st.gutter));
        }
        let _ = writeln!(out, "{pad} {}", "|".style(st.gutter));
    }
    let _ = writeln!(
        out,
        "{pad} {} prevents: {}",
        "=".style(st.gutter),
        f.prevents.join(", ")
    );
    let _ = writeln!(out, "{pad} {} fix: {}", "=".style(st.gutter), f.fix.summary);
    for line in f.fix.hcl.lines() {
        let _ = writeln!(out, "{pad}     {line}");
    }
    out.push('\n');
}

/// The part of a line to show and the span's columns within it (1-based, end exclusive).
fn window(line: &str, start: usize, end: usize) -> (String, usize, usize) {
    let chars: Vec<char> = line.chars().collect();
    let end = end.min(chars.len() + 1).max(start + 1);
    if chars.len() <= MAX_LINE {
        return (line.to_owned(), start, end);
    }
    let from = start.saturating_sub(20).max(1);
    let to = (from + MAX_LINE).min(chars.len() + 1);
    let shown: String = chars[from - 1..to - 1].iter().collect();
    let prefix = if from > 1 { "…" } else { "" };
    let offset = prefix.chars().count();
    (
        format!("{prefix}{shown}…"),
        start - from + 1 + offset,
        end.min(to) - from + 1 + offset,
    )
}
