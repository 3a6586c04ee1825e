//! Measuring child processes: wall time (from here) and peak RSS (`/usr/bin/time -f %M`, the
//! child's `ru_maxrss`), and checking a report for the planted chain.

use crate::generator::ChainNames;
use std::io;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One measured run of a child process.
#[derive(Debug, Clone)]
pub struct Run {
    pub wall: Duration,
    /// Peak resident set size in bytes.
    pub max_rss: u64,
    pub stdout: Vec<u8>,
    pub exit_code: Option<i32>,
}

/// Runs `program args…` under `/usr/bin/time`, stdout captured (or discarded), and measures it.
pub fn run(
    program: &Path,
    args: &[&std::ffi::OsStr],
    env: &[(&str, &str)],
    keep_stdout: bool,
) -> io::Result<Run> {
    let rss_file = tempfile_path("rss");
    let mut cmd = Command::new("/usr/bin/time");
    cmd.arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&rss_file)
        .arg(program);
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::null()).stderr(Stdio::inherit());
    cmd.stdout(if keep_stdout {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let start = Instant::now();
    let output = cmd.output()?;
    let wall = start.elapsed();
    let text = std::fs::read_to_string(&rss_file)?;
    let _ = std::fs::remove_file(&rss_file);
    // `time` prints "Command exited with non-zero status N" before the figure when N != 0.
    let kb: u64 = text
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .next_back()
        .ok_or_else(|| io::Error::other(format!("no RSS figure from /usr/bin/time: {text:?}")))?;
    Ok(Run {
        wall,
        max_rss: kb * 1024,
        stdout: output.stdout,
        exit_code: output.status.code(),
    })
}

fn tempfile_path(what: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "eksdoctor-bench-{what}-{}-{:?}",
        std::process::id(),
        Instant::now()
    ))
}

/// The rule ids of each chain of a JSON report (`eksdoctor diagnose --output json`).
pub fn chain_rules(report: &[u8]) -> Result<Vec<Vec<String>>, String> {
    let value: serde_json::Value =
        serde_json::from_slice(report).map_err(|e| format!("report is not JSON: {e}"))?;
    let findings = value["findings"]
        .as_array()
        .ok_or("report has no findings")?;
    let rule_of = |id: &str| {
        findings
            .iter()
            .find(|f| f["id"] == id)
            .and_then(|f| f["rule"].as_str())
            .unwrap_or("?")
            .to_owned()
    };
    Ok(value["chains"]
        .as_array()
        .ok_or("report has no chains")?
        .iter()
        .map(|chain| {
            chain
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|id| id.as_str())
                .map(rule_of)
                .collect()
        })
        .collect())
}

/// The report holds the planted chain, symptom to root cause.
pub fn has_planted_chain(report: &[u8]) -> Result<bool, String> {
    Ok(chain_rules(report)?
        .iter()
        .any(|c| c.iter().map(String::as_str).eq(ChainNames::RULES)))
}
