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
