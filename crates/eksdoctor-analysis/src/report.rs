//! The report (CONTRACT.md §2): what `diagnose` prints as JSON and what every renderer reads.

use crate::finding::{Evidence, Fix, Subject};
use eksdoctor_rule::Severity;
use serde::Serialize;

pub const SCHEMA: &str = "eksdoctor.report/v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Healthy,
    Degraded,
    Failing,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Healthy => "healthy",
            Verdict::Degraded => "degraded",
            Verdict::Failing => "failing",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportFinding {
    pub id: String,
    pub rule: &'static str,
    pub severity: Severity,
    pub subject: Subject,
    pub message: String,
    pub root_cause: bool,
    pub caused_by: Vec<String>,
    pub evidence: Vec<Evidence>,
    pub fix: Fix,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedRule {
    pub rule: &'static str,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub verdict: Verdict,
    pub findings: Vec<ReportFinding>,
    pub chains: Vec<Vec<String>>,
    pub next_blockers: Vec<String>,
    pub ignored_files: Vec<String>,
    pub skipped_rules: Vec<SkippedRule>,
    /// Not part of the JSON contract: context for the text and markdown renderers.
    #[serde(skip)]
    pub context: ReportContext,
}

/// Where the report came from, for human-readable output.
#[derive(Debug, Clone, Default)]
pub struct ReportContext {
    pub cluster: Option<String>,
    pub region: Option<String>,
    pub now: Option<String>,
    pub lbc: Option<String>,
    pub file_errors: Vec<String>,
    pub not_collected: Vec<String>,
}

impl Report {
    pub fn finding(&self, id: &str) -> Option<&ReportFinding> {
        self.findings.iter().find(|f| f.id == id)
    }

    /// Findings that nothing else points to and that have a cause: the tops of the trees.
    pub fn symptoms(&self) -> Vec<&ReportFinding> {
        let mut tops: Vec<&ReportFinding> = Vec::new();
        for chain in &self.chains {
            if let Some(top) = chain.first().and_then(|id| self.finding(id))
                && !tops.iter().any(|t| t.id == top.id)
            {
                tops.push(top);
            }
        }
        tops
    }

    /// Findings in no chain and not next blockers.
    pub fn others(&self) -> Vec<&ReportFinding> {
        self.findings
            .iter()
            .filter(|f| {
                !self.chains.iter().any(|c| c.contains(&f.id))
                    && !self.next_blockers.contains(&f.id)
            })
            .collect()
    }

    /// The root causes at the ends of the chains, first to fix first.
    pub fn roots(&self) -> Vec<&ReportFinding> {
        let mut roots: Vec<&ReportFinding> = Vec::new();
        for chain in &self.chains {
            if let Some(root) = chain.last().and_then(|id| self.finding(id))
                && root.root_cause
                && !roots.iter().any(|r| r.id == root.id)
            {
                roots.push(root);
            }
        }
        roots
    }
}
