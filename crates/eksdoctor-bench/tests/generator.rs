//! The generator is deterministic and its bundle diagnoses to the planted chain.

use eksdoctor_analysis::{DiagnoseOptions, LoadOptions, diagnose, load_path};
use eksdoctor_bench::measure::{chain_rules, has_planted_chain};
use eksdoctor_bench::{ChainNames, Spec, generate};
use std::path::Path;

fn tiny(seed: u64) -> Spec {
    Spec {
        nodes: 7,
        pods: 450,
        events: 900,
        log_mb: 1,
        seed,
    }
}

/// Every file of a directory, as (relative path, bytes), in path order.
fn contents(root: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let stats_a = generate(&tiny(7), a.path()).unwrap();
    let stats_b = generate(&tiny(7), b.path()).unwrap();
    generate(&tiny(8), c.path()).unwrap();
    assert_eq!(stats_a, stats_b);
    let (files_a, files_b) = (contents(a.path()), contents(b.path()));
    assert!(files_a.len() > 20);
    assert!(files_a == files_b, "same seed, different bytes");
    assert!(
        contents(c.path()) != files_a,
        "another seed gives another bundle"
    );
}

#[test]
fn the_sizes_asked_for_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let spec = tiny(3);
    let stats = generate(&spec, dir.path()).unwrap();
    assert!(stats.log_bytes >= 1_000_000 && stats.log_bytes < 1_100_000);
    let snapshot = load_path(dir.path(), LoadOptions { strict: true }).unwrap();
    assert!(snapshot.file_errors.is_empty() && snapshot.ignored_files.is_empty());
    assert_eq!(snapshot.nodes.len(), spec.nodes);
    // The app pods, plus CoreDNS (2) and three controllers (2 each) in kube-system.
    assert_eq!(snapshot.pods.len(), spec.pods + 8);
    // The noise events, plus one FailedScheduling per CoreDNS pod.
    assert_eq!(snapshot.events.len(), spec.events + 2);
    assert!(snapshot.nodes.iter().all(|n| n.is_fargate()));
}

#[test]
fn the_planted_chain_is_found_in_the_noise() {
    let dir = tempfile::tempdir().unwrap();
    generate(&tiny(11), dir.path()).unwrap();
    let snapshot = load_path(dir.path(), LoadOptions { strict: true }).unwrap();
    let report = diagnose(&snapshot, &DiagnoseOptions::default());
    let json = eksdoctor_analysis::render::json(&report).into_bytes();
    assert!(
        has_planted_chain(&json).unwrap(),
        "chains: {:?}",
        chain_rules(&json)
    );
    let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let symptom = &value["findings"][0];
    assert_eq!(symptom["rule"], "ING-00");
    assert_eq!(symptom["subject"]["name"], ChainNames::INGRESS);
    // The next blocker is the untagged subnets, and the noise raises nothing else.
    let rules: Vec<&str> = value["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        ["ING-00", "IAM-03", "DNS-01", "SCH-01", "FG-02", "SUB-01"]
    );
}
