use super::*;

fn file(path: &str, text: &str) -> BundleFile {
    BundleFile {
        path: path.to_owned(),
        contents: text.as_bytes().to_vec(),
    }
}

fn load(files: Vec<BundleFile>) -> Snapshot {
    load_files(files, LoadOptions::default()).expect("bundle loads")
}

#[test]
fn kubectl_list_with_kind_after_items_is_typed_per_item() {
    let s = load(vec![file(
        "pods.json",
        r#"{"apiVersion":"v1","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","namespace":"x"},"status":{"phase":"Pending"}}],"kind":"List","metadata":{"resourceVersion":""}}"#,
    )]);
    assert_eq!(s.pods.len(), 1);
    assert_eq!(s.pods[0].phase(), "Pending");
    assert!(s.has(Input::Kube(Kind::Pod)));
}

#[test]
fn api_server_list_without_item_kinds_uses_the_list_kind() {
    let s = load(vec![file(
        "k8s/services.json",
        r#"{"kind":"ServiceList","apiVersion":"v1","metadata":{},"items":[{"metadata":{"name":"kube-dns","namespace":"kube-system"},"spec":{"clusterIP":"172.20.0.10"}}]}"#,
    )]);
    assert_eq!(
        s.services[0].spec.cluster_ip.as_deref(),
        Some("172.20.0.10")
    );
}

#[test]
fn empty_typed_list_marks_the_kind_collected() {
    let s = load(vec![file(
        "ic.json",
        r#"{"kind":"IngressClassList","apiVersion":"networking.k8s.io/v1","items":[]}"#,
    )]);
    assert!(s.has(Input::Kube(Kind::IngressClass)));
    assert!(s.ingress_classes.is_empty());
}

#[test]
fn body_before_kind_is_buffered_and_still_typed() {
    let s = load(vec![file(
        "ing.json",
        r#"{"metadata":{"name":"web","namespace":"shop"},"spec":{"ingressClassName":"alb"},"kind":"Ingress","apiVersion":"networking.k8s.io/v1"}"#,
    )]);
    assert_eq!(
        s.ingresses[0].spec.ingress_class_name.as_deref(),
        Some("alb")
    );
}

#[test]
fn multi_document_yaml_and_v1beta1_ingress() {
    let yaml = "---\napiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: legacy\n  namespace: old\n  annotations:\n    kubernetes.io/ingress.class: alb\nspec:\n  backend:\n    serviceName: web\n    servicePort: 80\n---\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: old\n";
    let s = load(vec![file("docs.yaml", yaml)]);
    assert_eq!(s.ingresses.len(), 1);
    assert_eq!(s.namespaces.len(), 1);
    let backend = s.ingresses[0].backends().next().unwrap();
    assert_eq!(
        backend.service_ref(),
        Some(("web", crate::model::k8s::IntOrString::Int(80)))
    );
}

#[test]
fn events_k8s_io_v1_is_read_like_core_events() {
    let s = load(vec![file(
        "ev.json",
        r#"{"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"e","namespace":"shop"},"regarding":{"kind":"Ingress","name":"web","namespace":"shop"},"note":"Failed build model due to x","reason":"FailedBuildModel","type":"Warning","reportingController":"ingress","deprecatedCount":4,"eventTime":"2026-01-01T00:00:00.000000Z"}"#,
    )]);
    let e = &s.events[0];
    assert_eq!(
        (e.involved_kind.as_str(), e.involved_name.as_str(), e.count),
        ("Ingress", "web", 4)
    );
    assert_eq!(e.message, "Failed build model due to x");
    assert_eq!(e.source, "ingress");
}

#[test]
fn aws_outputs_are_recognised_by_top_level_key() {
    let s = load(vec![
        file(
            "a.json",
            r#"{"Subnets":[{"SubnetId":"subnet-1","VpcId":"vpc-1","AvailabilityZone":"eu-west-1a","Tags":[{"Key":"kubernetes.io/role/elb","Value":"1"}]}]}"#,
        ),
        file(
            "b.json",
            r#"{"cluster":{"name":"c1","arn":"arn:aws:eks:eu-west-1:1:cluster/c1","resourcesVpcConfig":{"vpcId":"vpc-1"}}}"#,
        ),
    ]);
    assert_eq!(s.aws.subnets[0].subnet_id, "subnet-1");
    assert_eq!(s.region(), Some("eu-west-1"));
    assert!(s.has(Input::Subnets) && s.has(Input::Cluster));
}

#[test]
fn unknown_and_unrecognised_files_are_ignored_not_fatal() {
    let s = load(vec![
        file("notes.txt", "hello"),
        file("other.json", r#"{"hello":"world"}"#),
        file("arr.json", "[1,2]"),
    ]);
    assert_eq!(s.ignored_files, vec!["arr.json", "notes.txt", "other.json"]);
    assert!(s.file_errors.is_empty());
}

#[test]
fn malformed_file_is_reported_with_position_and_the_rest_is_read() {
    let s = load(vec![
        file("bad.json", "{\n  \"kind\": \"List\",\n  \"items\": [\n}"),
        file(
            "ok.json",
            r#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}}"#,
        ),
    ]);
    assert_eq!(s.namespaces.len(), 1);
    let e = &s.file_errors[0];
    assert_eq!((e.file.as_str(), e.line), ("bad.json", Some(4)));
    assert!(e.to_string().starts_with("bad.json:4:"), "{e}");
}

#[test]
fn strict_mode_fails_on_the_malformed_file() {
    let err = load_files(
        vec![file("k8s/bad.yaml", "kind: [unclosed")],
        LoadOptions { strict: true },
    )
    .unwrap_err();
    assert!(err.to_string().contains("k8s/bad.yaml"), "{err}");
}

#[test]
fn logs_are_found_below_any_top_directory() {
    let s = load(vec![file(
        "bundle-1/logs/kube-system/lbc-1/controller.log",
        "ok\n{\"level\":\"error\",\"msg\":\"Reconciler error\"}\n",
    )]);
    let log = &s.logs[0];
    assert_eq!(
        (
            log.namespace.as_str(),
            log.pod.as_str(),
            log.container.as_str()
        ),
        ("kube-system", "lbc-1", "controller")
    );
    assert_eq!(log.lines.len(), 1);
}

#[test]
fn now_is_collected_at_else_the_newest_time() {
    let with_meta = load(vec![file(
        "bundle.json",
        r#"{"cluster":"c","region":"r","collected_at":"2026-03-02T09:40:00Z"}"#,
    )]);
    assert_eq!(
        with_meta.now.map(|t| t.to_string()).as_deref(),
        Some("2026-03-02T09:40:00Z")
    );
    let without = load(vec![file(
        "p.json",
        r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","creationTimestamp":"2026-01-01T00:00:00Z"}}"#,
    )]);
    assert_eq!(
        without.now.map(|t| t.to_string()).as_deref(),
        Some("2026-01-01T00:00:00Z")
    );
    // A controller log written later than any object dates the bundle.
    let with_log = load(vec![
        file(
            "p.json",
            r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","creationTimestamp":"2026-01-01T00:00:00Z"}}"#,
        ),
        file(
            "logs/kube-system/lbc-1/controller.log",
            "{\"level\":\"error\",\"ts\":\"2026-01-01T00:20:00Z\",\"msg\":\"Reconciler error\"}\n",
        ),
    ]);
    assert_eq!(
        with_log.now.map(|t| t.to_string()).as_deref(),
        Some("2026-01-01T00:20:00Z")
    );
}

#[test]
fn not_a_bundle_path_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("x.json");
    std::fs::write(&plain, "{}").unwrap();
    assert!(matches!(
        load_path(&plain, LoadOptions::default()),
        Err(LoadError::NotABundle(_))
    ));
    let missing = dir.path().join("nope");
    let err = load_path(&missing, LoadOptions::default()).unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
}

#[test]
fn batches_cover_every_file_once_in_order() {
    let source = |path: &str, mb: u64| Source {
        path: path.to_owned(),
        size: mb << 20,
        data: Data::Memory(Vec::new()),
    };
    let sources = vec![
        source("a", 40),
        source("b", 30),
        source("c", 1),
        source("d", 100),
        source("e", 1),
    ];
    let paths: Vec<Vec<&str>> = batches(&sources)
        .iter()
        .map(|b| b.iter().map(|s| s.path.as_str()).collect())
        .collect();
    assert_eq!(paths, vec![vec!["a", "b"], vec!["c", "d"], vec!["e"]]);
    assert!(batches(&[]).is_empty());
}
