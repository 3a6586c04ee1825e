//! Whatever a bundle holds, loading and diagnosing it never panics: bad files become errors that
//! name the file, odd but valid ones are read or ignored.

use eksdoctor_analysis::{BundleFile, DiagnoseOptions, LoadOptions, diagnose, load_files, render};

fn file(path: &str, contents: &[u8]) -> BundleFile {
    BundleFile {
        path: path.to_owned(),
        contents: contents.to_vec(),
    }
}

#[test]
fn hostile_files_never_panic_and_errors_name_the_file() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let cases: Vec<BundleFile> = vec![
        file("empty.json", b""),
        file("null.json", b"null"),
        file("binary.json", &[0xff, 0xfe, 0x00, 0x7b]),
        file("deep.json", deep.as_bytes()),
        file("wrong-types.json", br#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":5},"spec":"x"}"#),
        file("list-without-kind.json", br#"{"kind":"List","items":[{"metadata":{"name":"x"}}]}"#),
        file("huge-number.json", br#"{"apiVersion":"v1","kind":"Event","metadata":{"name":"e"},"count":1e400}"#),
        file("bad-time.json", br#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","creationTimestamp":"yesterday"}}"#),
        file("yaml-anchors.yaml", b"a: &x [1, 2]\nb: *x\n"),
        file("yaml-tab.yml", b"apiVersion: v1\n\tkind: Pod\n"),
        file("subnets-wrong.json", br#"{"Subnets": {"SubnetId": "subnet-1"}}"#),
        file("logs/ns/pod/c.log", &[0xc3, 0x28, b'e', b'r', b'r', b'o', b'r', b'\n']),
        file("logs/too/shallow.log", b"error"),
        file("bundle.json", br#"{"collected_at": 17}"#),
    ];
    let names: Vec<String> = cases.iter().map(|f| f.path.clone()).collect();
    let snapshot =
        load_files(cases, LoadOptions::default()).expect("a bundle with bad files still loads");
    for error in &snapshot.file_errors {
        assert!(
            names.contains(&error.file),
            "error names a file of the bundle: {error}"
        );
        assert!(!error.message.is_empty());
    }
    let errored: Vec<&str> = snapshot
        .file_errors
        .iter()
        .map(|e| e.file.as_str())
        .collect();
    assert!(
        errored.contains(&"deep.json") || snapshot.ignored_files.iter().any(|f| f == "deep.json"),
        "a 10,000-deep array is refused or ignored, without overflowing the stack"
    );
    for must_fail in [
        "binary.json",
        "wrong-types.json",
        "subnets-wrong.json",
        "bundle.json",
    ] {
        assert!(
            errored.contains(&must_fail),
            "{must_fail} should be reported; errors: {errored:?}"
        );
    }
    // The bad timestamp is read as unknown, not as an error.
    assert_eq!(snapshot.pods.len(), 1);
    let report = diagnose(&snapshot, &DiagnoseOptions::default());
    let _ = render::text(&report, true);
    let _ = render::markdown(&report);
    serde_json::from_str::<serde_json::Value>(&render::json(&report)).expect("valid JSON report");
}

#[test]
fn an_empty_bundle_is_healthy_with_every_rule_explaining_what_it_lacked() {
    let snapshot = load_files(Vec::new(), LoadOptions::default()).unwrap();
    let report = diagnose(&snapshot, &DiagnoseOptions::default());
    assert!(report.findings.is_empty());
    assert!(!report.skipped_rules.is_empty());
    assert!(
        report
            .skipped_rules
            .iter()
            .all(|s| s.reason.starts_with("no ")),
        "{:?}",
        report.skipped_rules
    );
}
