//! `eksdoctor collect` and live `eksdoctor diagnose` as a user runs them: a kubeconfig (token or
//! `aws eks get-token` exec plugin), the AWS credential chain from the environment, and one
//! loopback double that answers both the Kubernetes API and EKS. Collection itself is tested in
//! eksdoctor-collect.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

#[test]
fn an_unreachable_cluster_exits_2_and_says_what_was_tried() {
    let dir = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: gone\nclusters:\n- name: gone\n  cluster:\n    server: http://127.0.0.1:{port}\n\
             contexts:\n- name: gone\n  context:\n    cluster: gone\n    user: u\nusers:\n- name: u\n  user:\n    token: t\n"
        ),
    )
    .unwrap();
    let out_path = dir.path().join("bundle.tar.gz");
    let out = Command::new(env!("CARGO_BIN_EXE_eksdoctor"))
        .args(["collect", "--no-aws", "-o"])
        .arg(&out_path)
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot reach the Kubernetes API server: context \"gone\""),
        "{stderr}"
    );
    assert!(stderr.contains(&format!("127.0.0.1:{port}")), "{stderr}");
    assert!(!out_path.exists());
}

#[test]
fn a_failing_exec_plugin_exits_2_and_names_the_command() {
    let double = Double::start();
    let dir = tempfile::tempdir().unwrap();
    let user = "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      \
                command: eksdoctor-test-no-such-plugin\n      args: [eks, get-token, --cluster-name, shop]\n";
    let kc = kubeconfig(dir.path(), &double.url(), user);
    let args = [
        "collect",
        "--no-aws",
        "-o",
        "b.tar.gz",
        "--kubeconfig",
        kc.to_str().unwrap(),
    ];
    let out = eksdoctor(&args, dir.path(), None, None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot authenticate to the Kubernetes API server: context \"ctx\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("`eksdoctor-test-no-such-plugin eks get-token --cluster-name shop`"),
        "{stderr}"
    );
    assert!(!dir.path().join("b.tar.gz").exists());
    assert!(double.requests().is_empty());
}

#[test]
fn an_output_that_cannot_be_written_is_refused_before_collecting() {
    let double = Double::start();
    let dir = tempfile::tempdir().unwrap();
    let kc = kubeconfig(dir.path(), &double.url(), "    token: t\n");
    std::fs::create_dir(dir.path().join("full")).unwrap();
    std::fs::write(dir.path().join("full/keep.txt"), "mine").unwrap();
    let args = [
        "collect",
        "--no-aws",
        "-o",
        "full",
        "--kubeconfig",
        kc.to_str().unwrap(),
    ];
    let out = eksdoctor(&args, dir.path(), None, None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("exists and is not an empty directory"),
        "{stderr}"
    );
    assert!(double.requests().is_empty(), "{:?}", double.requests());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("full/keep.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn a_collection_killed_in_flight_leaves_no_bundle() {
    let double = Double::holding(Some("/api/v1/pods"));
    let dir = tempfile::tempdir().unwrap();
    let kc = kubeconfig(dir.path(), &double.url(), "    token: t\n");
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    for output in ["out/b.tar.gz", "out/bundle"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_eksdoctor"))
            .args(["collect", "--no-aws", "-o", output, "--kubeconfig"])
            .arg(&kc)
            .current_dir(dir.path())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Wait until the pods list is in flight (it is never answered), then kill.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !double
            .requests()
            .iter()
            .any(|r| r.contains("/api/v1/pods?"))
        {
            assert!(std::time::Instant::now() < deadline, "no pods request");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let left: Vec<_> = std::fs::read_dir(&out_dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert!(left.is_empty(), "{output}: {left:?}");
        double.requests.lock().unwrap().clear();
    }
}

#[test]
fn help_says_what_is_read_and_that_secrets_are_not() {
    let out = Command::new(env!("CARGO_BIN_EXE_eksdoctor"))
        .args(["collect", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    // Words, not line breaks: the help is wrapped to the terminal width.
    let help = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for needle in [
        "never Secrets",
        "deploy/rbac.yaml",
        "--no-aws",
        "--context",
        "--profile",
    ] {
        assert!(help.contains(needle), "{needle} missing from: {help}");
    }
}

/// The cluster's CA, as `aws eks describe-cluster` and `aws eks update-kubeconfig` give it
/// (base64 of the PEM); a real certificate, since the client loads it into its trust store.
const CA_DATA: &str = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJnVENDQVNlZ0F3SUJBZ0lVZHpJa0dQWDNqY3JRRnZSV3F6SnVUcGhaSnZvd0NnWUlLb1pJemowRUF3SXcKRlRFVE1CRUdBMVVFQXd3S2EzVmlaWEp1WlhSbGN6QWdGdzB5TmpFeU1EWXdOVEEwTXpSYUdBOHlNVEkyTVRFeApNakExTURRek5Gb3dGVEVUTUJFR0ExVUVBd3dLYTNWaVpYSnVaWFJsY3pCWk1CTUdCeXFHU000OUFnRUdDQ3FHClNNNDlBd0VIQTBJQUJOM0wxdTNHcWJsQlJuMTFJQXBXaklkNlZ2bTBOTEg5RFpzc2xZNDlxWXBBY0xiMGNHMS8KU2dYYkZzTld6R213Ull2ekRrR3F5MFNGM2RSNzBHYXZTV1NqVXpCUk1CMEdBMVVkRGdRV0JCU0o0ek10RUpMVwp2c0pKejBjS3JabzV6RXNwZFRBZkJnTlZIU01FR0RBV2dCU0o0ek10RUpMV3ZzSkp6MGNLclpvNXpFc3BkVEFQCkJnTlZIUk1CQWY4RUJUQURBUUgvTUFvR0NDcUdTTTQ5QkFNQ0EwZ0FNRVVDSVFEZTY2T0YyUDNWaXczUC9CZDAKcnBTSnpETzBKQzFrMVBTeDNsVlQ4cFJRNVFJZ1dZWXNpNTJNWjJ0SUE0SURNMjZNeTc4dExJRGlSNTJ1bi9JRApJdXBKMDB3PQotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg==";
const EXEC_TOKEN: &str = "k8s-aws-v1.exec-plugin-token-planted";
const PASSWORD: &str = "hunter2-planted";

/// A loopback server answering Kubernetes lists (empty but for one pod), pod logs, and EKS's
/// REST API (two clusters; `demo` carries `CA_DATA`, neither has the server as endpoint). Every
/// other AWS call gets a 403 AccessDenied. Records each request line and its Authorization.
struct Double {
    port: u16,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Double {
    fn start() -> Double {
        Double::holding(None)
    }

    /// Never answers a request for `path` (in time): the collection stays in flight.
    fn holding(hold: Option<&'static str>) -> Double {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let seen = seen.clone();
                std::thread::spawn(move || serve(stream, &seen, hold));
            }
        });
        Double { port, requests }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve(stream: std::net::TcpStream, seen: &Mutex<Vec<String>>, hold: Option<&str>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut stream = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0;
        let mut auth = String::new();
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).unwrap();
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            let (name, value) = header.split_once(':').unwrap_or((header, ""));
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap(),
                "authorization" => auth = value.trim().to_owned(),
                _ => {}
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let mut parts = line.split_whitespace();
        let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let body = String::from_utf8_lossy(&body).into_owned();
        let action = body.split('&').find_map(|kv| kv.strip_prefix("Action="));
        seen.lock().unwrap().push(match action {
            Some(action) => format!("{method} {target} Action={action}"),
            None => format!("{method} {target} auth={auth}"),
        });
        let path = target.split('?').next().unwrap_or("");
        if hold == Some(path) {
            std::thread::sleep(std::time::Duration::from_secs(120));
        }
        let (status, content_type, body) = answer(method, path, &body);
        let response = format!(
            "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        if stream.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

fn answer(method: &str, path: &str, body: &str) -> (&'static str, &'static str, String) {
    const JSON: &str = "application/json";
    // EC2 (query protocol, its own error shape), then ELBv2 and IAM (awsQuery): refused.
    if method == "POST" {
        let action = body
            .split('&')
            .find_map(|kv| kv.strip_prefix("Action="))
            .unwrap_or("?");
        let message = format!("You are not authorized to perform: {action}");
        let xml = if body.contains("Version=2016-11-15") {
            format!(
                "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>{message}</Message></Error></Errors><RequestID>r</RequestID></Response>"
            )
        } else {
            format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>{message}</Message></Error><RequestId>r</RequestId></ErrorResponse>"
            )
        };
        return ("403 Forbidden", "text/xml", xml);
    }
    let cluster = |name: &str, ca: &str| {
        format!(
            r#"{{"cluster": {{"name": "{name}", "arn": "arn:aws:eks:us-west-2:123456789012:cluster/{name}",
                "status": "ACTIVE", "version": "1.31",
                "endpoint": "https://{name}.gr7.us-west-2.eks.amazonaws.com",
                "certificateAuthority": {{"data": "{ca}"}},
                "resourcesVpcConfig": {{"vpcId": "vpc-1", "subnetIds": ["subnet-a"]}}}}}}"#
        )
    };
    let list = |kind: &str, items: &str| {
        format!(
            r#"{{"kind": "{kind}", "apiVersion": "v1", "metadata": {{"resourceVersion": "1"}}, "items": [{items}]}}"#
        )
    };
    let (status, body) = match (method, path) {
        ("GET", "/clusters") => ("200 OK", r#"{"clusters": ["other", "demo"]}"#.into()),
        ("GET", "/clusters/demo") => ("200 OK", cluster("demo", CA_DATA)),
        ("GET", "/clusters/other") => ("200 OK", cluster("other", "b3RoZXI=")),
        ("GET", "/clusters/demo/fargate-profiles") => {
            ("200 OK", r#"{"fargateProfileNames": []}"#.into())
        }
        ("GET", "/clusters/demo/addons") => ("200 OK", r#"{"addons": []}"#.into()),
        ("GET", "/api/v1/pods") => (
            "200 OK",
            list(
                "PodList",
                &format!(
                    r#"{{"metadata": {{"name": "web", "namespace": "app"}},
                        "spec": {{"containers": [{{"name": "web", "image": "web:1",
                                  "env": [{{"name": "DB_PASSWORD", "value": "{PASSWORD}"}}]}}]}},
                        "status": {{"phase": "Running", "conditions": [{{"type": "Ready", "status": "True"}}],
                                  "containerStatuses": [{{"name": "web", "image": "web:1", "imageID": "", "ready": true,
                                                         "restartCount": 0, "state": {{"running": {{}}}}}}]}}}}"#
                ),
            ),
        ),
        ("GET", p) if p.starts_with("/apis/elbv2.k8s.aws/") => (
            "404 Not Found",
            r#"{"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404}"#.into(),
        ),
        ("GET", p) if p.starts_with("/api/") || p.starts_with("/apis/") => {
            ("200 OK", list("List", ""))
        }
        _ => (
            "404 Not Found",
            r#"{"message": "no such route in the test double"}"#.into(),
        ),
    };
    (status, JSON, body)
}

fn kubeconfig(dir: &Path, server: &str, user: &str) -> PathBuf {
    let path = dir.join("kubeconfig");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: ctx\n\
             clusters:\n- name: c\n  cluster:\n    server: {server}\n    certificate-authority-data: {CA_DATA}\n\
             contexts:\n- name: ctx\n  context:\n    cluster: c\n    user: u\n\
             users:\n- name: u\n  user:\n{user}"
        ),
    )
    .unwrap();
    path
}

/// Runs eksdoctor with a clean AWS environment: static test credentials (or none), the double
/// as every AWS endpoint, no config files, no instance metadata.
fn eksdoctor(
    args: &[&str],
    dir: &Path,
    aws_endpoint: Option<&str>,
    path_prefix: Option<&Path>,
) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_eksdoctor"));
    cmd.args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.join("no-aws-credentials"),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("KUBECONFIG");
    for var in [
        "AWS_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_ENDPOINT_URL",
    ] {
        cmd.env_remove(var);
    }
    if let Some(endpoint) = aws_endpoint {
        cmd.env("AWS_ENDPOINT_URL", endpoint)
            .env("AWS_ACCESS_KEY_ID", "AKIDTESTING")
            .env("AWS_SECRET_ACCESS_KEY", "testing");
    }
    if let Some(prefix) = path_prefix {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut paths = vec![prefix.to_owned()];
        paths.extend(std::env::split_paths(&path));
        cmd.env("PATH", std::env::join_paths(paths).unwrap());
    }
    cmd.output().unwrap()
}

fn untar(path: &Path) -> Vec<(String, String)> {
    let gz = std::fs::File::open(path).unwrap();
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(gz));
    let mut files: Vec<(String, String)> = tar
        .entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let name = e.path().unwrap().to_string_lossy().into_owned();
            let mut text = String::new();
            e.read_to_string(&mut text).unwrap();
            (name, text)
        })
        .collect();
    files.sort();
    files
}

fn file<'a>(files: &'a [(String, String)], name: &str) -> &'a str {
    &files
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("{name} not in the bundle"))
        .1
}

#[cfg(unix)]
#[test]
fn exec_auth_names_the_cluster_and_region_and_its_token_stays_out_of_the_bundle() {
    use std::os::unix::fs::PermissionsExt;
    let double = Double::start();
    let dir = tempfile::tempdir().unwrap();
    // A stand-in for the aws CLI: prints the ExecCredential `aws eks get-token` would.
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let aws = bin.join("aws");
    std::fs::write(
        &aws,
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\ncat <<'JSON'\n{{\"kind\": \"ExecCredential\", \"apiVersion\": \"client.authentication.k8s.io/v1beta1\", \"spec\": {{}}, \"status\": {{\"expirationTimestamp\": \"2099-01-01T00:00:00Z\", \"token\": \"{EXEC_TOKEN}\"}}}}\nJSON\n",
            dir.path().join("aws-calls").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&aws, std::fs::Permissions::from_mode(0o755)).unwrap();
    let user = "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: aws\n      \
                args: [--region, ap-northeast-1, eks, get-token, --cluster-name, shop]\n";
    let kc = kubeconfig(dir.path(), &double.url(), user);
    let out = eksdoctor(
        &[
            "collect",
            "--no-aws",
            "-o",
            "b.tar.gz",
            "--kubeconfig",
            kc.to_str().unwrap(),
        ],
        dir.path(),
        None,
        Some(&bin),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // Summary on stderr, no progress drawing when stderr is not a terminal.
    assert!(stderr.contains("collected 17 Kubernetes lists"), "{stderr}");
    assert!(
        stderr.contains("(cluster shop, ap-northeast-1)"),
        "{stderr}"
    );
    assert!(stderr.contains("skipped: --no-aws"), "{stderr}");
    assert!(
        !stderr.contains('\x1b') && !stderr.contains('\r'),
        "{stderr:?}"
    );
    assert!(out.stdout.is_empty());

    let files = untar(&dir.path().join("b.tar.gz"));
    let meta: serde_json::Value = serde_json::from_str(file(&files, "bundle.json")).unwrap();
    assert_eq!(meta["cluster"], "shop");
    assert_eq!(meta["region"], "ap-northeast-1");
    let calls = std::fs::read_to_string(dir.path().join("aws-calls")).unwrap();
    assert!(
        calls.contains("eks get-token --cluster-name shop"),
        "{calls}"
    );
    assert!(
        double
            .requests()
            .iter()
            .all(|r| r.ends_with(&format!("auth=Bearer {EXEC_TOKEN}"))),
        "{:?}",
        double.requests()
    );
    for (name, text) in &files {
        assert!(!text.contains(EXEC_TOKEN), "exec token in {name}");
        assert!(!text.contains(PASSWORD), "password in {name}");
    }
}

#[test]
fn aws_finds_the_cluster_by_its_ca_when_the_server_is_not_its_endpoint() {
    let double = Double::start();
    let dir = tempfile::tempdir().unwrap();
    // A token user and a loopback server: nothing names the cluster; its CA does.
    let kc = kubeconfig(
        dir.path(),
        &double.url(),
        "    token: t0ken-planted-0123456789\n",
    );
    let url = double.url();
    let args = [
        "collect",
        "-o",
        "out",
        "--region",
        "us-west-2",
        "--kubeconfig",
        kc.to_str().unwrap(),
    ];
    let out = eksdoctor(&args, dir.path(), Some(&url), None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("(cluster demo, us-west-2)"), "{stderr}");
    let cluster =
        std::fs::read_to_string(dir.path().join("out/aws/eks-describe-cluster.json")).unwrap();
    assert!(cluster.contains("\"name\": \"demo\""), "{cluster}");
    // Refused AWS calls are notes that name the action; the rest of the bundle is there.
    let notes = std::fs::read_to_string(dir.path().join("out/collect-notes.json")).unwrap();
    assert!(
        notes.contains("access denied (ec2:DescribeSubnets)"),
        "{notes}"
    );
    assert!(
        stderr.contains("access denied (ec2:DescribeSubnets)"),
        "{stderr}"
    );
    assert!(dir.path().join("out/k8s/pods.json").exists());
    // Only reads: GETs to the Kubernetes API and EKS; the other services' calls are
    // read-only Describe*/List*/Get* actions (query protocol POSTs).
    let requests = double.requests();
    for request in &requests {
        let read_only = request.starts_with("GET ")
            || ["Describe", "List", "Get"]
                .iter()
                .any(|verb| request.starts_with(&format!("POST / Action={verb}")));
        assert!(read_only, "{request}");
    }
    assert!(
        requests
            .iter()
            .any(|r| r == "POST / Action=DescribeSubnets"),
        "{requests:?}"
    );

    // Live diagnose on the same sources: refused evidence becomes skipped rules.
    let out = eksdoctor(
        &[
            "diagnose",
            "-o",
            "json",
            "--region",
            "us-west-2",
            "--kubeconfig",
            kc.to_str().unwrap(),
        ],
        dir.path(),
        Some(&url),
        None,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["schema"], "eksdoctor.report/v1");
    let skipped = report["skipped_rules"].to_string();
    assert!(
        skipped.contains("aws/subnets not collected: access denied"),
        "{skipped}"
    );
}
