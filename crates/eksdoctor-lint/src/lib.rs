//! `eksdoctor lint`: checks Terraform (HCL module trees and `terraform show -json` plans) for
//! the mistakes that leave an EKS Ingress without an address: subnets without the load
//! balancer role tags, CoreDNS that cannot run on a Fargate-only cluster, private subnets
//! without a way to AWS APIs, Ingresses the controller ignores or cannot serve on Fargate, and
//! controller settings and IRSA trust policies that stop it from working.
//!
//! Values that cannot be known before apply (data sources, remote state, resource attributes,
//! remote modules) never produce a finding: a false alarm costs more than a miss.

mod eval;
mod facts;
mod hcl;
mod helm;
mod model;
mod plan;
pub mod render;
mod report;
mod rules;
mod subnets;
mod value;

pub use eksdoctor_rule::{RuleMeta, Severity};
pub use report::{FileError, Finding, Fix, LintReport};

use model::SourceFile;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every lint rule, in id order.
pub static RULES: &[&RuleMeta] = &rules::METAS;

#[derive(Debug, Clone, Default)]
pub struct LintOptions {
    /// Rule ids to run (`TF-01`); empty runs all.
    pub select: Vec<String>,
}

/// The linter could not do its job at all.
#[derive(Debug, thiserror::Error)]
pub enum LintError {
    #[error("{0}: no such file or directory")]
    NotFound(PathBuf),
    #[error("{0}: no Terraform files (.tf) or plan JSON found")]
    NothingToLint(PathBuf),
    #[error("{0}: cannot read: {1}")]
    Unreadable(PathBuf, std::io::Error),
    #[error("unknown rule `{0}` (see `eksdoctor rules`)")]
    UnknownRule(String),
}

/// Lints each path (a directory of Terraform, a `.tf` file, or a plan JSON file).
pub fn lint_paths(paths: &[PathBuf], opts: &LintOptions) -> Result<LintReport, LintError> {
    if let Some(bad) = opts
        .select
        .iter()
        .find(|id| !RULES.iter().any(|r| r.id.eq_ignore_ascii_case(id)))
    {
        return Err(LintError::UnknownRule(bad.clone()));
    }
    let mut report = LintReport {
        schema: report::SCHEMA,
        findings: Vec::new(),
        files_read: 0,
        errors: Vec::new(),
    };
    for path in paths {
        let mut sources = Sources::new(path)?;
        let found = discover(path)?;
        let mut hits = Vec::new();
        if !found.tf.is_empty() {
            let config = hcl::load(&found.tf, &found.tfvars, &mut sources, &mut report.errors);
            hits.extend(run_rules(&config, opts));
        }
        let mut plans = 0;
        for json_path in &found.json {
            let explicit = json_path == path;
            let Ok(text) = std::fs::read_to_string(json_path) else {
                continue;
            };
            let json = match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(json) if plan::is_plan(&json) => json,
                // only a file named on the command line must be a plan
                Ok(_) if !explicit => continue,
                Err(_) if !explicit => continue,
                Ok(_) => {
                    report.errors.push(FileError {
                        file: sources.rel(json_path),
                        message: "not a Terraform plan (no `format_version` with `planned_values` or `resource_changes`); run `terraform show -json plan.out`".into(),
                    });
                    continue;
                }
                Err(e) => {
                    report.errors.push(FileError {
                        file: sources.rel(json_path),
                        message: format!(
                            "cannot parse JSON at line {}, column {}: {e}",
                            e.line(),
                            e.column()
                        ),
                    });
                    continue;
                }
            };
            plans += 1;
            let file = sources.add(json_path, text);
            let dir = json_path.parent().unwrap_or(Path::new("."));
            let config = plan::load(&json, &sources.files[file].text, file, dir);
            hits.extend(run_rules(&config, opts));
        }
        if found.tf.is_empty() && plans == 0 && sources.files.is_empty() {
            return Err(LintError::NothingToLint(path.clone()));
        }
        report.files_read += sources.files.len();
        report
            .findings
            .extend(report::findings(hits, &sources.files));
    }
    Ok(report)
}

fn run_rules(config: &model::Config, opts: &LintOptions) -> Vec<report::Hit> {
    let cx = facts::Context::new(config);
    let selected =
        |id: &str| opts.select.is_empty() || opts.select.iter().any(|s| s.eq_ignore_ascii_case(id));
    let mut hits = Vec::new();
    for rule in rules::ALL.iter().filter(|r| selected(r.meta.id)) {
        (rule.check)(&cx, &mut hits);
    }
    hits
}

/// The files read under one PATH, named relative to it.
pub(crate) struct Sources {
    base: PathBuf,
    base_is_file: bool,
    pub files: Vec<SourceFile>,
}

impl Sources {
    fn new(path: &Path) -> Result<Sources, LintError> {
        let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => LintError::NotFound(path.to_path_buf()),
            _ => LintError::Unreadable(path.to_path_buf(), e),
        })?;
        Ok(Sources {
            base: path.to_path_buf(),
            base_is_file: meta.is_file(),
            files: Vec::new(),
        })
    }

    fn rel(&self, path: &Path) -> String {
        let rel = if self.base_is_file {
            path.file_name()
                .map(PathBuf::from)
                .unwrap_or_else(|| path.to_path_buf())
        } else {
            path.strip_prefix(&self.base)
                .map(Path::to_path_buf)
                .unwrap_or_else(|_| path.to_path_buf())
        };
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/")
    }

    fn add(&mut self, path: &Path, text: String) -> usize {
        self.files.push(SourceFile::new(self.rel(path), text));
        self.files.len() - 1
    }

    /// Reads a file; a file that cannot be read is an error entry, not a failure.
    pub fn read(&mut self, path: &Path, errors: &mut Vec<FileError>) -> Option<(usize, &str)> {
        match std::fs::read_to_string(path) {
            Ok(mut text) => {
                // editors on Windows save a byte order mark, which the HCL parser rejects
                if text.starts_with('\u{feff}') {
                    text.drain(..'\u{feff}'.len_utf8());
                }
                let idx = self.add(path, text);
                Some((idx, self.files[idx].text.as_str()))
            }
            Err(e) => {
                errors.push(FileError {
                    file: self.rel(path),
                    message: format!("cannot read: {e}"),
                });
                None
            }
        }
    }
}

#[derive(Default)]
struct Found {
    /// `.tf` files by directory: each directory is one module.
    tf: BTreeMap<PathBuf, Vec<PathBuf>>,
    tfvars: BTreeMap<PathBuf, Vec<PathBuf>>,
    json: Vec<PathBuf>,
}

fn discover(path: &Path) -> Result<Found, LintError> {
    let mut found = Found::default();
    if path.is_dir() {
        walk(path, &mut found).map_err(|e| LintError::Unreadable(path.to_path_buf(), e))?;
    } else if hcl::is_tf(path) {
        let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        found.tf.entry(dir).or_default().push(path.to_path_buf());
    } else {
        found.json.push(path.to_path_buf());
    }
    Ok(found)
}

fn walk(dir: &Path, found: &mut Found) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.is_dir() {
            // provider caches, VCS data and tool folders are not the user's configuration
            if !name.starts_with('.') && name != "node_modules" {
                walk(&path, found)?;
            }
        } else if hcl::is_tf(&path) {
            found.tf.entry(dir.to_path_buf()).or_default().push(path);
        } else if hcl::is_tfvars(&path) {
            found
                .tfvars
                .entry(dir.to_path_buf())
                .or_default()
                .push(path);
        } else if name.ends_with(".json") {
            found.json.push(path);
        }
    }
    Ok(())
}
