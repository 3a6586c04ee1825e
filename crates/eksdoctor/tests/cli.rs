//! End-to-end tests of the `eksdoctor` binary on the example bundles shipped in the repo.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example(name: &str) -> PathBuf {
    root().join("examples/bundles").join(name)
}

fn eksdoctor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_eksdoctor"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 output")
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).expect("JSON report")
}

fn diagnose_json(bundle: &Path) -> Output {
    eksdoctor(&[
        "diagnose",
        "--bundle",
        bundle.to_str().unwrap(),
        "--output",
        "json",
    ])
}

/// The rule ids along each chain of a JSON report.
fn chain_rules(report: &serde_json::Value) -> Vec<Vec<String>> {
    let rule_of = |id: &serde_json::Value| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| &f["id"] == id)
            .unwrap()["rule"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    report["chains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_array().unwrap().iter().map(rule_of).collect())
        .collect()
}

fn finding<'a>(report: &'a serde_json::Value, rule: &str) -> &'a serde_json::Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} finding"))
}

#[test]
fn dns_down_on_fargate_reads_as_one_chain_with_the_subnets_next() {
    let out = diagnose_json(&example("fargate-dns-down"));
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    assert_eq!(report["schema"], "eksdoctor.report/v1");
    assert_eq!(report["verdict"], "failing");
    assert_eq!(
        chain_rules(&report),
        vec![vec!["ING-00", "IAM-03", "DNS-01", "SCH-01", "FG-02"]]
    );

    let root = finding(&report, "FG-02");
    assert_eq!(root["root_cause"], true);
    assert_eq!(
        root["subject"],
        serde_json::json!({"kind": "Deployment", "namespace": "kube-system", "name": "coredns"})
    );
    let commands = root["fix"]["commands"].to_string();
    assert!(
        commands.contains("kubectl patch deployment coredns -n kube-system --type json"),
        "{commands}"
    );
    let terraform = root["fix"]["terraform"].as_str().unwrap();
    assert!(
        terraform.contains("resource \"aws_eks_addon\" \"coredns\"")
            && terraform.contains("computeType = \"Fargate\""),
        "{terraform}"
    );
    assert_eq!(
        finding(&report, "SCH-01")["root_cause"],
        false,
        "the vaguer finding stays as a link"
    );

    let next = report["next_blockers"].as_array().unwrap();
    assert_eq!(next.len(), 1);
    let blocker = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == next[0])
        .unwrap();
    assert_eq!(blocker["rule"], "SUB-01");
    let create_tags = blocker["fix"]["commands"][0].as_str().unwrap();
    assert!(
        create_tags.starts_with("aws ec2 create-tags")
            && create_tags.contains("Key=kubernetes.io/role/elb,Value=1"),
        "{create_tags}"
    );
    for public in [
        "subnet-0a1b2c3d4e5f60001",
        "subnet-0a1b2c3d4e5f60002",
        "subnet-0a1b2c3d4e5f60003",
    ] {
        assert!(create_tags.contains(public), "{create_tags}");
    }
    assert!(
        !create_tags.contains("subnet-0f9e8d7c6b5a40011"),
        "private subnets get no elb tag: {create_tags}"
    );
    assert_eq!(report["ignored_files"], serde_json::json!(["README.txt"]));
}

#[test]
fn dns_down_text_report_is_a_tree_with_fix_and_next_blocker() {
    let out = eksdoctor(&[
        "diagnose",
        "--bundle",
        example("fargate-dns-down").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let order: Vec<usize> = [
        "ING-00",
        "IAM-03",
        "DNS-01",
        "SCH-01",
        "FG-02 [root cause]",
        "Fix first: FG-02",
        "Next blockers",
        "SUB-01",
    ]
    .iter()
    .map(|needle| {
        text.find(needle)
            .unwrap_or_else(|| panic!("`{needle}` missing from:\n{text}"))
    })
    .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "sections out of order:\n{text}"
    );
    assert!(text.contains("└─ ✗ f2 IAM-03"), "{text}");
    assert!(
        !text.contains('\u{1b}'),
        "NO_COLOR output has no escape codes"
    );
    insta::assert_snapshot!("dns-down-text", text);
}

#[test]
fn subnet_stage_has_the_subnet_tag_as_root_cause() {
    let report = json(&diagnose_json(&example("fargate-subnets-untagged")));
    assert_eq!(chain_rules(&report), vec![vec!["ING-00", "SUB-01"]]);
    assert_eq!(finding(&report, "SUB-01")["root_cause"], true);
    assert_eq!(report["next_blockers"], serde_json::json!([]));
    insta::assert_json_snapshot!("subnets-untagged-json", report);
}

#[test]
fn healthy_bundle_exits_zero_without_errors_or_warnings() {
    let out = diagnose_json(&example("healthy"));
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let report = json(&out);
    assert_eq!(report["verdict"], "healthy");
    let loud: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] != "info")
        .collect();
    assert!(loud.is_empty(), "{loud:#?}");
    assert_eq!(report["skipped_rules"], serde_json::json!([]));
}

#[test]
fn the_same_bundle_gives_byte_identical_json() {
    let a = diagnose_json(&example("fargate-dns-down"));
    let b = diagnose_json(&example("fargate-dns-down"));
    assert_eq!(a.stdout, b.stdout);
    insta::assert_snapshot!("dns-down-json", stdout(&a));
}

#[test]
fn a_tar_gz_bundle_gives_the_same_report_as_its_directory() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("bundle.tar.gz");
    let file = std::fs::File::create(&archive).unwrap();
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
        file,
        flate2::Compression::fast(),
    ));
    tar.append_dir_all("fargate-dns-down", example("fargate-dns-down"))
        .unwrap();
    tar.into_inner().unwrap().finish().unwrap();
    assert_eq!(
        diagnose_json(&archive).stdout,
        diagnose_json(&example("fargate-dns-down")).stdout
    );
}

#[test]
fn markdown_report_has_chains_and_fix() {
    let out = eksdoctor(&[
        "diagnose",
        "--bundle",
        example("fargate-dns-down").to_str().unwrap(),
        "-o",
        "markdown",
    ]);
    let md = stdout(&out);
    assert!(md.starts_with("# eksdoctor: failing"), "{md}");
    assert!(
        md.contains("## Causal chains") && md.contains("```hcl"),
        "{md}"
    );
    insta::assert_snapshot!("dns-down-markdown", md);
}

#[test]
fn focus_on_an_ingress_keeps_its_chain() {
    let out = eksdoctor(&[
        "diagnose",
        "--bundle",
        example("fargate-dns-down").to_str().unwrap(),
        "-o",
        "json",
        "--ingress",
        "shop/storefront",
    ]);
    assert_eq!(
        chain_rules(&json(&out)),
        vec![vec!["ING-00", "IAM-03", "DNS-01", "SCH-01", "FG-02"]]
    );
    let missing = eksdoctor(&[
        "diagnose",
        "--bundle",
        example("fargate-dns-down").to_str().unwrap(),
        "--ingress",
        "shop/nope",
    ]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("shop/nope"));
}

#[test]
fn unreadable_input_exits_two_with_the_path() {
    let out = eksdoctor(&["diagnose", "--bundle", "/nonexistent/bundle"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/bundle"));
    let bad_flag = eksdoctor(&["diagnose", "--bundle", "x", "--output", "yaml"]);
    assert_eq!(bad_flag.status.code(), Some(2));
}

#[test]
fn malformed_file_is_a_warning_or_with_strict_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pods.json"),
        "{\"kind\": \"List\", \"items\": [",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("ns.json"),
        r#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop"}}"#,
    )
    .unwrap();
    let path = dir.path().to_str().unwrap();
    let lenient = eksdoctor(&["diagnose", "--bundle", path]);
    assert_eq!(lenient.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&lenient.stderr).contains("pods.json:1:"),
        "{}",
        String::from_utf8_lossy(&lenient.stderr)
    );
    let strict = eksdoctor(&["diagnose", "--bundle", path, "--strict"]);
    assert_eq!(strict.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&strict.stderr).contains("pods.json"));
}

#[test]
fn rules_lists_diagnose_and_lint_rules_and_explain_prints_docs() {
    let list = stdout(&eksdoctor(&["rules"]));
    for id in ["DNS-01", "FG-02", "ING-00", "SUB-01", "TIM-01", "TF-01"] {
        assert!(list.contains(id), "{id} missing from rules:\n{list}");
    }
    let docs = eksdoctor(&["explain", "fg-02"]);
    assert_eq!(docs.status.code(), Some(0));
    let docs = stdout(&docs);
    assert!(
        docs.starts_with("# FG-02 coredns-pinned-to-ec2") && docs.contains("## Why it matters"),
        "{docs}"
    );
    let unknown = eksdoctor(&["explain", "XX-99"]);
    assert_eq!(unknown.status.code(), Some(2));
}

fn copy_dir(from: &Path, to: &Path, skip: &str) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_name() == skip {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target, skip);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn without_aws_files_the_kubernetes_chain_stands_and_aws_rules_say_not_collected() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&example("fargate-dns-down"), dir.path(), "aws");
    let report = json(&diagnose_json(dir.path()));
    assert_eq!(
        chain_rules(&report),
        vec![vec!["ING-00", "IAM-03", "DNS-01", "SCH-01", "FG-02"]]
    );
    assert_eq!(
        report["next_blockers"],
        serde_json::json!([]),
        "subnets unknown: no blocker invented"
    );
    let skipped = report["skipped_rules"].as_array().unwrap();
    let sub01 = skipped
        .iter()
        .find(|s| s["rule"] == "SUB-01")
        .expect("SUB-01 skipped");
    assert!(
        sub01["reason"]
            .as_str()
            .unwrap()
            .contains("aws ec2 describe-subnets"),
        "{sub01}"
    );
}

#[test]
fn namespace_focus_drops_unrelated_findings_but_keeps_causes() {
    let out = eksdoctor(&[
        "diagnose",
        "--bundle",
        example("fargate-dns-down").to_str().unwrap(),
        "-o",
        "json",
        "-n",
        "shop",
    ]);
    let report = json(&out);
    assert_eq!(
        chain_rules(&report),
        vec![vec!["ING-00", "IAM-03", "DNS-01", "SCH-01", "FG-02"]]
    );
    let other = eksdoctor(&[
        "diagnose",
        "--bundle",
        example("fargate-dns-down").to_str().unwrap(),
        "-o",
        "json",
        "-n",
        "nothing-here",
    ]);
    assert_eq!(json(&other)["findings"], serde_json::json!([]));
    assert_eq!(other.status.code(), Some(0));
}
