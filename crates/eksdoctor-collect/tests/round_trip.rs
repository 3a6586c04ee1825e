//! Live diagnose (collect, then diagnose in memory) gives the same report, byte for byte, as
//! diagnose on the bundle that collect wrote, as a directory and as a .tar.gz.

mod common;

use common::{Server, fixture};
use eksdoctor_analysis::{DiagnoseOptions, LoadOptions, diagnose, load_files, load_path, render};
use eksdoctor_collect::{AwsSource, Collected, K8sOptions, Sources, collect, write_bundle};
use serde_json::Value;

async fn kube_client(server: &Server, dir: &std::path::Path) -> kube::Client {
    let kubeconfig =
        kube::config::Kubeconfig::read_from(server.kubeconfig(dir, fixture::KUBE_TOKEN)).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    kube::Client::try_from(config).unwrap()
}

fn report_of_files(c: &Collected) -> String {
    let snapshot = load_files(c.files.clone(), LoadOptions::default()).unwrap();
    render::json(&diagnose(&snapshot, &DiagnoseOptions::default()))
}

fn report_of_path(path: &std::path::Path) -> String {
    let snapshot = load_path(path, LoadOptions::default()).unwrap();
    render::json(&diagnose(&snapshot, &DiagnoseOptions::default()))
}

#[tokio::test(flavor = "multi_thread")]
async fn live_and_bundle_reports_are_identical() {
    let mut api = fixture::seed(0);
    // A refused kind must reach the report as "not collected", not as an empty cluster.
    api.forbidden
        .insert("/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations".into());
    let server = Server::start(api).await;
    let dir = tempfile::tempdir().unwrap();
    let sources = Sources {
        kube: kube_client(&server, dir.path()).await,
        context: "loopback".into(),
        server: format!("http://{}", server.addr),
        root_certs: Vec::new(),
        aws: AwsSource::Skip("no AWS credentials found; Kubernetes-only diagnosis".into()),
        cluster: Some("demo".into()),
        region: Some("us-west-2".into()),
    };
    let c = collect(sources, &K8sOptions::default(), false)
        .await
        .unwrap();
    write_bundle(&c, &dir.path().join("bundle")).unwrap();
    write_bundle(&c, &dir.path().join("bundle.tar.gz")).unwrap();

    // Every file collect writes is recognised by its content (CONTRACT.md §1): none ignored.
    let snapshot = load_files(c.files.clone(), LoadOptions::default()).unwrap();
    assert!(
        snapshot.ignored_files.is_empty(),
        "{:?}",
        snapshot.ignored_files
    );
    assert!(snapshot.file_errors.is_empty());

    let live = report_of_files(&c);
    assert_eq!(live, report_of_path(&dir.path().join("bundle")));
    assert_eq!(live, report_of_path(&dir.path().join("bundle.tar.gz")));

    let report: Value = serde_json::from_str(&live).unwrap();
    assert_eq!(report["verdict"], "failing", "{live}");
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"ING-00") && rules.contains(&"DNS-01"),
        "{rules:?}"
    );
    let skipped = report["skipped_rules"].to_string();
    assert!(
        skipped.contains("not collected: no AWS credentials found"),
        "{skipped}"
    );
    for secret in fixture::PLANTED {
        assert!(!live.contains(secret), "{secret} in the report");
    }
}

/// The example bundles served by the API double, collected, diagnosed: the same findings,
/// chains and verdict as diagnose on the example's own Kubernetes files and logs. Nothing the
/// rules read is lost on the way (kind/apiVersion, pagination, redaction, log tails).
#[tokio::test(flavor = "multi_thread")]
async fn example_bundles_served_live_give_their_own_diagnosis() {
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/bundles");
    let mut names: Vec<_> = std::fs::read_dir(&examples)
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("k8s").is_dir())
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert!(names.len() >= 3, "{names:?}");
    for name in names {
        let example = examples.join(&name);
        let server = Server::start(common::from_bundle::api(&example)).await;
        let dir = tempfile::tempdir().unwrap();
        let sources = Sources {
            kube: kube_client(&server, dir.path()).await,
            context: "loopback".into(),
            server: format!("http://{}", server.addr),
            root_certs: Vec::new(),
            aws: AwsSource::Skip("example: Kubernetes only".into()),
            cluster: None,
            region: None,
        };
        let k8s = K8sOptions {
            page_size: 3,
            ..K8sOptions::default()
        };
        let mut c = collect(sources, &k8s, false).await.unwrap();
        // "Now" of the example, so that ages are the same on both sides.
        let meta = std::fs::read(example.join("bundle.json")).unwrap();
        c.files
            .iter_mut()
            .find(|f| f.path == "bundle.json")
            .unwrap()
            .contents = meta.clone();

        // The example's own Kubernetes side: k8s/, logs/ and bundle.json.
        let own = tempfile::tempdir().unwrap();
        for sub in ["k8s", "logs"] {
            copy_dir(&example.join(sub), &own.path().join(sub));
        }
        std::fs::write(own.path().join("bundle.json"), meta).unwrap();

        let findings = |report: &str| {
            let mut v: Value = serde_json::from_str(report).unwrap();
            for key in ["skipped_rules", "ignored_files"] {
                v.as_object_mut().unwrap().remove(key);
            }
            v
        };
        let live = findings(&report_of_files(&c));
        let offline = findings(&report_of_path(own.path()));
        assert_eq!(
            live, offline,
            "{name}: live\n{live:#}\noffline\n{offline:#}"
        );
        // Not vacuous: the failing examples keep their chains, the healthy one stays clean.
        let rules: Vec<&str> = live["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap())
            .collect();
        match name.as_str() {
            "fargate-dns-down" => assert!(rules.contains(&"FG-02"), "{name}: {rules:?}"),
            "fargate-subnets-untagged" => assert!(rules.contains(&"SUB-01"), "{name}: {rules:?}"),
            "healthy" => assert!(rules.is_empty(), "{name}: {rules:?}"),
            _ => {}
        }
        assert!(
            c.files.iter().any(|f| f.path.starts_with("logs/")) || !example.join("logs").is_dir(),
            "{name}: no logs collected"
        );
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    if !from.is_dir() {
        return;
    }
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
