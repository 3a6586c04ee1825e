//! Behaviour of `eksdoctor lint` on fixtures written in the shapes real projects use: every rule
//! fires on its `fires` cases and stays silent on its `silent` cases, and the rendered output is
//! kept as insta snapshots (`cargo insta review` when it changes on purpose).

use eksdoctor_lint::{LintError, LintOptions, LintReport, RULES, lint_paths, render};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn cases(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn lint(path: &Path) -> LintReport {
    lint_paths(&[path.to_path_buf()], &LintOptions::default()).expect("lint runs")
}

fn name_of(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn every_rule_fires_on_its_fires_fixtures_and_not_on_its_silent_ones() {
    for rule in RULES {
        for (kind, expected) in [("fires", true), ("silent", false)] {
            let found = cases(&fixtures().join(rule.id).join(kind));
            assert!(!found.is_empty(), "{}: no `{kind}` fixture", rule.id);
            for case in found {
                let report = lint(&case);
                let case_name = name_of(&case);
                assert!(
                    report.errors.is_empty(),
                    "{}/{kind}/{case_name}: {:?}",
                    rule.id,
                    report.errors
                );
                let fired = report.findings.iter().any(|f| f.rule == rule.id);
                assert_eq!(
                    fired,
                    expected,
                    "{}/{kind}/{case_name}:\n{}",
                    rule.id,
                    render::text(&report, false)
                );
                let snap = format!("{}__{kind}__{case_name}", rule.id);
                insta::assert_snapshot!(format!("{snap}__text"), render::text(&report, false));
                insta::assert_snapshot!(format!("{snap}__json"), render::json(&report));
            }
        }
    }
}

#[test]
fn rules_are_documented_and_name_what_they_prevent() {
    for rule in RULES {
        assert_eq!(eksdoctor_rule::doc_problems(rule), Vec::<String>::new());
        assert!(rule.id.starts_with("TF-"), "{}", rule.id);
        assert!(!rule.prevents.is_empty(), "{}: empty prevents", rule.id);
        for id in rule.prevents {
            let family = id.split('-').next().unwrap_or_default();
            assert!(
                ["SUB", "IAM", "NET", "FG", "ING", "DNS", "TIM", "SCH"].contains(&family),
                "{}: {id}",
                rule.id
            );
        }
        assert!(rule.docs.contains("```hcl"), "{}: no HCL example", rule.id);
    }
    let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
    let expected: Vec<String> = (1..=11).map(|n| format!("TF-{n:02}")).collect();
    assert_eq!(ids, expected);
}

#[test]
fn fixed_configuration_has_no_findings() {
    let report = lint(&fixtures().join("fixed/fargate_shop"));
    assert_eq!(report.findings.len(), 0, "{}", render::text(&report, false));
    assert_eq!(report.files_read, 3);
    insta::assert_snapshot!("fixed__text", render::text(&report, false));
}

#[test]
fn role_tag_values_are_evaluated_per_count_instance() {
    let report = lint(&fixtures().join("TF-02/fires/count_index_value"));
    let tf02: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule == "TF-02")
        .collect();
    assert_eq!(tf02.len(), 1, "{tf02:#?}");
    assert_eq!(tf02[0].resource, "aws_subnet.public[1]");
    assert!(tf02[0].message.contains("to 2,"), "{}", tf02[0].message);
}

#[test]
fn a_module_instantiated_twice_is_judged_per_instance() {
    let report = lint(&fixtures().join("TF-01/fires/local_module_twice"));
    let resources: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.rule == "TF-01")
        .map(|f| f.resource.as_str())
        .collect();
    assert_eq!(resources, ["module.green.aws_subnet.public"]);
    let f = &report.findings[0];
    assert_eq!(f.file, "modules/subnets/main.tf");
    assert!(f.message.contains("(2 instances)"), "{}", f.message);
}

#[test]
fn wrong_key_case_is_named() {
    let report = lint(&fixtures().join("TF-01/fires/igw_association_wrong_case"));
    let f = report
        .findings
        .iter()
        .find(|f| f.rule == "TF-01")
        .expect("TF-01");
    assert!(
        f.message.contains("`Kubernetes.io/role/elb`") && f.message.contains("case-sensitive"),
        "{}",
        f.message
    );
    assert!(f.fix.hcl.contains("\"kubernetes.io/role/elb\" = \"1\""));
}

#[test]
fn missing_endpoints_are_listed() {
    let report = lint(&fixtures().join("TF-05/fires/vpc_module_no_nat"));
    let f = report
        .findings
        .iter()
        .find(|f| f.rule == "TF-05")
        .expect("TF-05");
    assert!(
        f.message.contains("for ec2, elasticloadbalancing"),
        "{}",
        f.message
    );
    assert!(!f.message.contains("sts,"), "{}", f.message);
}

#[test]
fn plan_json_is_recognised_by_content() {
    let report = lint(&fixtures().join("TF-01/fires/plan_vpc_module"));
    assert_eq!(report.files_read, 1);
    let tf01: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule == "TF-01")
        .collect();
    let resources: Vec<&str> = tf01.iter().map(|f| f.resource.as_str()).collect();
    // public only through the route table association to the internet gateway
    assert_eq!(
        resources,
        [
            "module.vpc.aws_subnet.public[0]",
            "module.vpc.aws_subnet.public[1]"
        ]
    );
    assert!(
        tf01.iter()
            .all(|f| f.file == "plan.json" && f.line > 1 && f.message.contains("public subnet"))
    );
}

#[test]
fn unparsable_file_is_an_error_and_the_rest_is_linted() {
    let report = lint(&fixtures().join("errors/malformed"));
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert_eq!(report.errors[0].file, "broken.tf");
    assert!(
        report.errors[0].message.contains("line 6, column"),
        "{}",
        report.errors[0].message
    );
    assert_eq!(report.files_read, 2);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.rule == "TF-01" && f.file == "good.tf")
    );
    insta::assert_snapshot!("errors__text", render::text(&report, false));
    insta::assert_snapshot!("errors__json", render::json(&report));
}

#[test]
fn sarif_has_the_required_2_1_0_fields() {
    let report = lint(&fixtures().join("TF-06/fires/ingress_v1_default_target"));
    let sarif: serde_json::Value =
        serde_json::from_str(&render::sarif(&report)).expect("valid JSON");
    assert_eq!(sarif["version"], "2.1.0");
    assert!(sarif["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "eksdoctor");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), RULES.len());
    for r in rules {
        assert!(
            r["id"].is_string()
                && r["shortDescription"]["text"].is_string()
                && r["help"]["text"].is_string()
        );
    }
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        assert!(r["ruleId"].is_string());
        assert!(r["message"]["text"].is_string());
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1);
        assert!(region["startColumn"].as_u64().unwrap() >= 1);
        assert!(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].is_string());
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
    }
    let mut redacted = sarif.clone();
    redacted["runs"][0]["tool"]["driver"]["version"] = "x".into();
    insta::assert_json_snapshot!("sarif", redacted);
}

#[test]
fn json_report_follows_the_contract() {
    let report = lint(&fixtures().join("TF-09/fires/set_blocks_without_cluster_name"));
    let json: serde_json::Value = serde_json::from_str(&render::json(&report)).unwrap();
    assert_eq!(json["schema"], "eksdoctor.lint/v1");
    let keys: Vec<&str> = json["findings"][0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = vec![
        "rule",
        "prevents",
        "severity",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "resource",
        "message",
        "fix",
    ];
    expected.sort_unstable();
    let mut keys = keys;
    keys.sort_unstable();
    assert_eq!(keys, expected);
    assert!(
        json["findings"][0]["fix"]["hcl"]
            .as_str()
            .unwrap()
            .contains("clusterName")
    );
    assert!(json["files_read"].is_u64() && json["errors"].is_array());
}

#[test]
fn a_missing_path_cannot_be_linted() {
    let err = lint_paths(
        &[fixtures().join("does-not-exist")],
        &LintOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, LintError::NotFound(_)), "{err}");
    let empty = tempfile::tempdir().unwrap();
    let err = lint_paths(&[empty.path().to_path_buf()], &LintOptions::default()).unwrap_err();
    assert!(matches!(err, LintError::NothingToLint(_)), "{err}");
}

#[test]
fn select_runs_only_the_named_rules() {
    let path = fixtures().join("TF-01/fires/count_merge_public");
    let opts = LintOptions {
        select: vec!["tf-02".into()],
    };
    assert!(
        lint_paths(std::slice::from_ref(&path), &opts)
            .unwrap()
            .findings
            .is_empty()
    );
    let opts = LintOptions {
        select: vec!["TF-99".into()],
    };
    assert!(matches!(
        lint_paths(&[path], &opts),
        Err(LintError::UnknownRule(_))
    ));
}

#[test]
fn a_byte_order_mark_and_crlf_line_ends_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let text = "\u{feff}resource \"aws_subnet\" \"edge\" {\r\n  vpc_id                  = \"vpc-0c1d\"\r\n  map_public_ip_on_launch = true\r\n  tags = { Name = \"edge\" }\r\n}\r\nresource \"aws_eks_cluster\" \"bay\" {\r\n  name = \"bay\"\r\n}\r\n";
    std::fs::write(dir.path().join("main.tf"), text).unwrap();
    let report = lint(dir.path());
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let f = report
        .findings
        .iter()
        .find(|f| f.rule == "TF-01")
        .expect("TF-01");
    assert_eq!((f.line, f.column), (4, 3));
}
