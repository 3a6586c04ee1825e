//! Live Kubernetes collection against the loopback API double, through a generated kubeconfig.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{Server, fixture};
use eksdoctor_collect::{
    CollectError, Collected, K8sOptions, LiveOptions, collect_live, write_bundle,
};
use serde_json::Value;

/// Starts the double on its own runtime; `collect_live` runs its own and blocks.
fn serve(api: common::Api) -> (tokio::runtime::Runtime, Server) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(Server::start(api));
    (rt, server)
}

fn live(kubeconfig: &Path, page_size: u32) -> Result<Collected, CollectError> {
    collect_live(&LiveOptions {
        kubeconfig: Some(kubeconfig.to_owned()),
        no_aws: true,
        k8s: K8sOptions {
            page_size,
            ..K8sOptions::default()
        },
        ..LiveOptions::default()
    })
}

fn file<'a>(c: &'a Collected, path: &str) -> &'a [u8] {
    &c.files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("{path} not collected; files: {:?}", paths(c)))
        .contents
}

fn json(c: &Collected, path: &str) -> Value {
    serde_json::from_slice(file(c, path)).unwrap()
}

fn paths(c: &Collected) -> Vec<&str> {
    c.files.iter().map(|f| f.path.as_str()).collect()
}

#[test]
fn collects_every_kind_across_pages() {
    let (_rt, server) = serve(fixture::seed(0));
    let dir = tempfile::tempdir().unwrap();
    let c = live(&server.kubeconfig(dir.path(), fixture::KUBE_TOKEN), 2).unwrap();

    let k8s: Vec<_> = paths(&c)
        .into_iter()
        .filter(|p| p.starts_with("k8s/"))
        .collect();
    assert_eq!(
        k8s,
        [
            "k8s/daemonsets.json",
            "k8s/deployments.json",
            "k8s/endpoints.json",
            "k8s/endpointslices.json",
            "k8s/events.json",
            "k8s/events.k8s.io-events.json",
            "k8s/ingressclasses.json",
            "k8s/ingresses.json",
            "k8s/kube-system-configmaps.json",
            "k8s/mutatingwebhookconfigurations.json",
            "k8s/namespaces.json",
            "k8s/nodes.json",
            "k8s/pods.json",
            "k8s/replicasets.json",
            "k8s/serviceaccounts.json",
            "k8s/services.json",
            "k8s/validatingwebhookconfigurations.json",
        ]
    );
    // Six pods over pages of two: all of them, each with kind/apiVersion as kubectl prints.
    let pods = json(&c, "k8s/pods.json");
    assert_eq!(pods["kind"], "PodList");
    assert_eq!(pods["apiVersion"], "v1");
    let items = pods["items"].as_array().unwrap();
    assert_eq!(items.len(), 6);
    assert!(
        items
            .iter()
            .all(|p| p["kind"] == "Pod" && p["apiVersion"] == "v1")
    );
    let events = json(&c, "k8s/events.k8s.io-events.json");
    assert_eq!(events["items"][0]["apiVersion"], "events.k8s.io/v1");
    // Only ConfigMaps of kube-system, and never Secrets.
    let asked = server.paths();
    assert!(asked.iter().all(|p| !p.contains("secrets")), "{asked:?}");
    assert!(
        asked
            .iter()
            .any(|p| p.starts_with("/api/v1/namespaces/kube-system/configmaps?"))
    );

    // Logs: the LBC pods, and the crash-looping pod's previous run. CoreDNS never started.
    let logs: Vec<_> = paths(&c)
        .into_iter()
        .filter(|p| p.starts_with("logs/"))
        .collect();
    assert_eq!(
        logs,
        [
            "logs/app/billing-6f7-0/billing.log",
            "logs/kube-system/aws-load-balancer-controller-7c9-0/controller.log",
            "logs/kube-system/aws-load-balancer-controller-7c9-1/controller.log",
        ]
    );
    assert!(
        asked
            .iter()
            .any(|p| p.contains("billing-6f7-0/log?") && p.contains("previous=true"))
    );
    let lbc_log = String::from_utf8_lossy(file(
        &c,
        "logs/kube-system/aws-load-balancer-controller-7c9-0/controller.log",
    ));
    assert!(lbc_log.contains("WebIdentityErr"), "{lbc_log}");

    // Without AWS, every AWS file is a note that says why; IngressClassParams (CRD absent) is not.
    assert!(
        c.notes
            .iter()
            .all(|n| n.what.starts_with("aws/") && n.reason == "skipped: --no-aws"),
        "{:?}",
        c.notes
    );
    assert_eq!(c.notes.len(), 15);
    let notes = json(&c, "collect-notes.json");
    assert_eq!(notes["not_collected"].as_array().unwrap().len(), 15);
    let meta = json(&c, "bundle.json");
    assert!(meta["collected_at"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn a_forbidden_kind_is_noted_and_the_rest_collected() {
    let mut api = fixture::seed(0);
    api.forbidden.insert("/api/v1/events".into());
    api.forbidden
        .insert("/api/v1/namespaces/app/pods/billing-6f7-0/log".into());
    let (_rt, server) = serve(api);
    let dir = tempfile::tempdir().unwrap();
    let c = live(&server.kubeconfig(dir.path(), fixture::KUBE_TOKEN), 500).unwrap();

    let k8s_notes: BTreeMap<_, _> = c
        .notes
        .iter()
        .filter(|n| !n.what.starts_with("aws/"))
        .map(|n| (n.what.as_str(), n.reason.as_str()))
        .collect();
    assert_eq!(k8s_notes.len(), 2, "{k8s_notes:?}");
    assert!(
        k8s_notes["k8s/events"]
            .starts_with("forbidden (403): User \"system:serviceaccount:ops:eksdoctor\""),
        "{k8s_notes:?}"
    );
    assert!(
        k8s_notes["logs"].starts_with("logs/app/billing-6f7-0/billing.log: forbidden (403)"),
        "{k8s_notes:?}"
    );
    assert!(!paths(&c).contains(&"k8s/events.json"));
    assert!(paths(&c).contains(&"k8s/events.k8s.io-events.json"));
    assert!(paths(&c).contains(&"k8s/pods.json"));
    assert_eq!(
        json(&c, "collect-notes.json")["not_collected"][0],
        serde_json::json!({"what": "aws/addons", "reason": "skipped: --no-aws"})
    );
    assert!(
        json(&c, "collect-notes.json")["not_collected"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["what"] == "k8s/events")
    );
}

#[test]
fn planted_secrets_never_reach_the_bundle() {
    let (_rt, server) = serve(fixture::seed(0));
    let dir = tempfile::tempdir().unwrap();
    let c = live(&server.kubeconfig(dir.path(), fixture::KUBE_TOKEN), 500).unwrap();
    write_bundle(&c, &dir.path().join("out")).unwrap();
    write_bundle(&c, &dir.path().join("out.tar.gz")).unwrap();

    let mut checked = 0;
    for entry in walk(&dir.path().join("out")) {
        let text = String::from_utf8_lossy(&std::fs::read(&entry).unwrap()).into_owned();
        for secret in fixture::PLANTED {
            assert!(
                !text.contains(secret),
                "{secret} leaked into {}",
                entry.display()
            );
        }
        checked += 1;
    }
    assert!(checked > 20);
    let gz = std::fs::File::open(dir.path().join("out.tar.gz")).unwrap();
    let mut raw = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(gz), &mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw);
    for secret in fixture::PLANTED {
        assert!(!raw.contains(secret), "{secret} leaked into the tarball");
    }
    // What the rules need survives redaction.
    let pods = String::from_utf8_lossy(file(&c, "k8s/pods.json")).into_owned();
    assert!(pods.contains(fixture::ROLE_ARN) && pods.contains("AWS_WEB_IDENTITY_TOKEN_FILE"));
    assert!(pods.contains("/var/run/secrets/eks.amazonaws.com/serviceaccount/token"));
    let cms = json(&c, "k8s/kube-system-configmaps.json");
    assert_eq!(cms["items"][1]["data"]["mode"], "prod");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn the_written_bundle_holds_exactly_the_collected_files() {
    let (_rt, server) = serve(fixture::seed(0));
    let dir = tempfile::tempdir().unwrap();
    let c = live(&server.kubeconfig(dir.path(), fixture::KUBE_TOKEN), 500).unwrap();
    let out = dir.path().join("bundle");
    write_bundle(&c, &out).unwrap();
    let mut on_disk: Vec<(String, Vec<u8>)> = walk(&out)
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&out)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read(&p).unwrap())
        })
        .collect();
    on_disk.sort();
    let collected: Vec<(String, Vec<u8>)> = c
        .files
        .iter()
        .map(|f| (f.path.clone(), f.contents.clone()))
        .collect();
    assert_eq!(on_disk, collected);
}

#[test]
fn an_unreachable_api_server_is_an_error_that_says_what_was_tried() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: dead\nclusters:\n- name: dead\n  cluster:\n    server: http://127.0.0.1:{port}\n\
             contexts:\n- name: dead\n  context:\n    cluster: dead\n    user: u\nusers:\n- name: u\n  user:\n    token: t\n"
        ),
    )
    .unwrap();
    let err = live(&kubeconfig, 500).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, CollectError::Unreachable { .. }), "{msg}");
    assert!(msg.contains("context \"dead\""), "{msg}");
    assert!(msg.contains(&format!("127.0.0.1:{port}")), "{msg}");
    assert!(msg.to_lowercase().contains("connect"), "{msg}");

    let err = collect_live(&LiveOptions {
        kubeconfig: Some(dir.path().join("missing")),
        no_aws: true,
        ..LiveOptions::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("missing"), "{err}");
}

#[test]
fn requests_grow_only_by_pagination_pages() {
    let count = |extra_pods: usize| {
        let (_rt, server) = serve(fixture::seed(extra_pods));
        let dir = tempfile::tempdir().unwrap();
        live(&server.kubeconfig(dir.path(), fixture::KUBE_TOKEN), 500).unwrap();
        server.requests()
    };
    let small = count(10);
    let large = count(2_000);
    // 2,016 pods at 500 a page: four more pages, nothing else.
    assert_eq!(large - small, 4, "small {small}, large {large}");
}

#[test]
fn a_cluster_that_refuses_every_list_is_an_error_that_points_at_the_rbac() {
    let mut api = fixture::seed(0);
    let paths: Vec<String> = api.lists.keys().cloned().collect();
    api.forbidden.extend(paths);
    let (_rt, server) = serve(api);
    let dir = tempfile::tempdir().unwrap();
    let err = live(&server.kubeconfig(dir.path(), fixture::KUBE_TOKEN), 500).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, CollectError::Refused { .. }), "{msg}");
    assert!(msg.contains("refused every list"), "{msg}");
    assert!(msg.contains("forbidden (403)"), "{msg}");
    assert!(msg.contains("deploy/rbac.yaml"), "{msg}");
    // Nothing was listed, so no log was asked for.
    assert!(server.paths().iter().all(|p| !p.contains("/log?")));
}

/// Collects the controller's log when it holds `text`, with these tail bounds; returns the log
/// as written to the bundle and the log requests the server saw.
fn collect_controller_log(text: String, log_lines: u32, log_bytes: usize) -> (String, Vec<String>) {
    let mut api = fixture::seed(0);
    let key = "kube-system/aws-load-balancer-controller-7c9-0/controller";
    api.logs.insert(key.to_owned(), text);
    let (_rt, server) = serve(api);
    let dir = tempfile::tempdir().unwrap();
    let c = collect_live(&LiveOptions {
        kubeconfig: Some(server.kubeconfig(dir.path(), fixture::KUBE_TOKEN)),
        no_aws: true,
        k8s: K8sOptions {
            log_lines,
            log_bytes,
            ..K8sOptions::default()
        },
        ..LiveOptions::default()
    })
    .unwrap();
    let log = String::from_utf8_lossy(file(
        &c,
        "logs/kube-system/aws-load-balancer-controller-7c9-0/controller.log",
    ))
    .into_owned();
    let asked = server
        .paths()
        .into_iter()
        .filter(|p| p.contains("aws-load-balancer-controller-7c9-0/log?"))
        .collect();
    (log, asked)
}

#[test]
fn log_tails_are_bounded_in_lines_and_bytes_and_keep_the_newest() {
    let long: String = (0..20_000)
        .map(|i| format!("{{\"level\":\"info\",\"msg\":\"line {i:05}\"}}\n"))
        .collect();
    let (log, asked) = collect_controller_log(long, 300, 4_096);
    assert!(log.len() <= 4_096, "{} bytes", log.len());
    assert!(log.ends_with("\"line 19999\"}\n"), "{log}");
    // Whole lines only: the cut falls on a line boundary.
    assert!(log.starts_with("{\"level\""), "{log}");
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(asked[0].contains("tailLines=300"), "{asked:?}");
    assert!(asked[0].contains("limitBytes="), "{asked:?}");
}

#[test]
fn a_log_of_long_lines_still_keeps_its_newest_lines() {
    // 300 lines of 1 KiB are more than the server sends (limitBytes cuts the newest ones):
    // one more request, for as many lines as fit, gets them.
    let long: String = (0..1_000)
        .map(|i| format!("line {i:05} {}\n", "x".repeat(1_000)))
        .collect();
    let (log, asked) = collect_controller_log(long, 300, 8_192);
    assert!(log.len() <= 8_192, "{} bytes", log.len());
    assert!(log.starts_with("line "), "{log}");
    assert!(
        log.trim_end()
            .rsplit('\n')
            .next()
            .unwrap()
            .starts_with("line 00999 ")
    );
    assert_eq!(asked.len(), 2, "{asked:?}");
}
