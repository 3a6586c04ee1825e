//! The lint report (CONTRACT.md section 5) and the way rule hits become findings.

use crate::model::{Instance, Site, SourceFile};
use eksdoctor_rule::{RuleMeta, Severity};
use serde::Serialize;

pub const SCHEMA: &str = "eksdoctor.lint/v1";
/// Source lines kept per finding for text output.
const MAX_SNIPPET_LINES: usize = 6;

#[derive(Debug, Clone, Serialize)]
pub struct LintReport {
    pub schema: &'static str,
    pub findings: Vec<Finding>,
    pub files_read: usize,
    pub errors: Vec<FileError>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub prevents: &'static [&'static str],
    pub severity: Severity,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub resource: String,
    pub message: String,
    pub fix: Fix,
    /// The source lines `line..=end_line` (at most a few), for text output.
    #[serde(skip)]
    pub source: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub summary: String,
    pub hcl: String,
}

/// A file that could not be read or parsed; the rest is linted anyway.
#[derive(Debug, Clone, Serialize)]
pub struct FileError {
    pub file: String,
    pub message: String,
}

/// What a rule reports about one instance, before instances are grouped into findings.
#[derive(Debug, Clone)]
pub struct Hit {
    pub meta: &'static RuleMeta,
    pub severity: Severity,
    pub site: Site,
    pub address: String,
    pub block: String,
    /// The message after the resource name: `has no ... tag`.
    pub detail: String,
    pub fix: Fix,
}

impl Hit {
    /// A hit on `inst`, pointing at the attribute `at` (or the block when it is not written).
    pub fn new(
        meta: &'static RuleMeta,
        inst: &Instance,
        at: &str,
        detail: impl Into<String>,
    ) -> Hit {
        Hit {
            meta,
            severity: meta.default_severity,
            site: inst.site_of(at),
            address: inst.address(),
            block: inst.block_addr(),
            detail: detail.into(),
            fix: Fix {
                summary: String::new(),
                hcl: String::new(),
            },
        }
    }

    pub fn severity(mut self, severity: Severity) -> Hit {
        self.severity = severity;
        self
    }

    pub fn fix(mut self, summary: impl Into<String>, hcl: impl Into<String>) -> Hit {
        self.fix = Fix {
            summary: summary.into(),
            hcl: hcl.into(),
        };
        self
    }
}

/// Groups the hits of instances of one block that say the same thing (`count = 3` subnets
/// without a tag are one finding), then builds findings with their locations.
pub fn findings(mut hits: Vec<Hit>, files: &[SourceFile]) -> Vec<Finding> {
    hits.sort_by(|a, b| {
        (a.meta.id, a.site.key(), &a.block, &a.detail, &a.address).cmp(&(
            b.meta.id,
            b.site.key(),
            &b.block,
            &b.detail,
            &b.address,
        ))
    });
    let mut groups: Vec<Vec<Hit>> = Vec::new();
    for hit in hits {
        match groups.last_mut() {
            Some(g) if same_finding(&g[0], &hit) => {
                if !g.iter().any(|h| h.address == hit.address) {
                    g.push(hit);
                }
            }
            _ => groups.push(vec![hit]),
        }
    }
    let mut out: Vec<Finding> = groups
        .into_iter()
        .filter_map(|g| finding(g, files))
        .collect();
    out.sort_by(|a, b| {
        (&a.file, a.line, a.column, a.rule, &a.resource).cmp(&(
            &b.file,
            b.line,
            b.column,
            b.rule,
            &b.resource,
        ))
    });
    out
}

fn same_finding(a: &Hit, b: &Hit) -> bool {
    a.meta.id == b.meta.id
        && a.site == b.site
        && a.block == b.block
        && a.detail == b.detail
        && a.severity == b.severity
        && a.fix == b.fix
}

fn finding(group: Vec<Hit>, files: &[SourceFile]) -> Option<Finding> {
    let first = group.first()?;
    let file = files.get(first.site.file)?;
    let (resource, detail) = match group.len() {
        1 => (first.address.clone(), first.detail.clone()),
        n => (
            first.block.clone(),
            format!("({n} instances) {}", first.detail),
        ),
    };
    let (line, column) = file.line_col(first.site.span.start);
    let (end_line, end_column) = file.line_col(first.site.span.end.max(first.site.span.start));
    let source = (line..=end_line)
        .take(MAX_SNIPPET_LINES)
        .map(|l| file.line(l).to_owned())
        .collect();
    Some(Finding {
        rule: first.meta.id,
        prevents: first.meta.prevents,
        severity: first.severity,
        file: file.rel.clone(),
        line,
        column,
        end_line,
        end_column,
        message: format!("{resource} {detail}"),
        resource,
        fix: first.fix.clone(),
        source,
    })
}
