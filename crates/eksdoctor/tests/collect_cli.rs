//! `eksdoctor collect` as a user runs it; collection itself is tested in eksdoctor-collect.

use std::process::Command;

#[test]
fn an_unreachable_cluster_exits_2_and_says_what_was_tried() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
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
