//! Every diagnose rule against its fixtures: a bundle where it fires and one where it must stay
//! silent (`tests/fixtures/<rule>/{fires,silent}`), with the rendered text and JSON reports kept
//! as insta snapshots.

use eksdoctor_analysis::rules::metas;
use eksdoctor_analysis::{DiagnoseOptions, LoadOptions, Report, diagnose, load_path, render};
use std::path::PathBuf;

fn fixture(rule: &str, kind: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rule.to_ascii_lowercase())
        .join(kind)
}

fn report(rule: &str, case: &str) -> Report {
    let snapshot =
        load_path(&fixture(rule, case), LoadOptions { strict: true }).expect("fixture loads");
    diagnose(&snapshot, &DiagnoseOptions::default())
}

/// Runs every case of a rule: `fires`/`fires-*` must report the rule, `silent`/`silent-*` must
/// not; each rendered report is a snapshot.
fn check(rule: &str) {
    let dir = fixture(rule, "");
    let mut cases: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    let slug = rule.to_ascii_lowercase();
    for case in &cases {
        let report = report(rule, case);
        let fired: Vec<&str> = report
            .findings
            .iter()
            .filter(|f| f.rule == rule)
            .map(|f| f.message.as_str())
            .collect();
        if case.starts_with("fires") {
            assert!(
                !fired.is_empty(),
                "{rule} should fire on `{case}`; got {:?}",
                report
                    .findings
                    .iter()
                    .map(|f| (f.rule, &f.message))
                    .collect::<Vec<_>>()
            );
        } else {
            assert!(
                case.starts_with("silent"),
                "fixture `{case}` of {rule} is neither fires* nor silent*"
            );
            assert!(
                fired.is_empty(),
                "{rule} must stay silent on `{case}`; got {fired:?}"
            );
        }
        insta::assert_snapshot!(format!("{slug}-{case}-json"), render::json(&report));
        insta::assert_snapshot!(format!("{slug}-{case}-text"), render::text(&report, false));
    }
}

macro_rules! rule_tests {
    ($($name:ident => $id:literal,)*) => {
        $(#[test] fn $name() { check($id); })*

        /// The list above names every registered rule, so no rule goes untested.
        #[test]
        fn every_rule_is_tested() {
            let tested = [$($id),*];
            for meta in metas() {
                assert!(tested.contains(&meta.id), "rule {} has no fixture test", meta.id);
                for kind in ["fires", "silent"] {
                    assert!(fixture(meta.id, kind).is_dir(), "rule {} has no `{kind}` fixture", meta.id);
                }
            }
        }
    };
}

rule_tests! {
    dns_01 => "DNS-01",
    fg_01 => "FG-01",
    fg_02 => "FG-02",
    fg_03 => "FG-03",
    fg_04 => "FG-04",
    fg_05 => "FG-05",
    iam_01 => "IAM-01",
    iam_02 => "IAM-02",
    iam_03 => "IAM-03",
    iam_04 => "IAM-04",
    iam_05 => "IAM-05",
    iam_06 => "IAM-06",
    iam_07 => "IAM-07",
    ing_00 => "ING-00",
    ing_01 => "ING-01",
    ing_02 => "ING-02",
    ing_03 => "ING-03",
    ing_04 => "ING-04",
    ing_05 => "ING-05",
    ing_06 => "ING-06",
    ing_07 => "ING-07",
    ing_08 => "ING-08",
    ing_09 => "ING-09",
    ing_10 => "ING-10",
    ing_11 => "ING-11",
    ing_12 => "ING-12",
    ing_13 => "ING-13",
    net_01 => "NET-01",
    net_02 => "NET-02",
    net_04 => "NET-04",
    sch_01 => "SCH-01",
    sub_01 => "SUB-01",
    sub_02 => "SUB-02",
    sub_03 => "SUB-03",
    sub_04 => "SUB-04",
    sub_05 => "SUB-05",
    sub_06 => "SUB-06",
    sub_08 => "SUB-08",
    tim_01 => "TIM-01",
}

#[test]
fn every_rule_has_complete_docs() {
    let mut ids: Vec<&str> = metas().map(|m| m.id).collect();
    let problems: Vec<String> = metas().flat_map(eksdoctor_rule::doc_problems).collect();
    assert!(problems.is_empty(), "{problems:#?}");
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "rule ids must be unique");
}
