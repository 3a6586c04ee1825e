//! How collection scales, against the loopback API double (tests/common):
//! 1. requests for 10 pods vs 10,000 pods (only pagination pages may differ);
//! 2. wall time of the standard set with 100 ms injected per request.
//!
//! Run: `cargo run --release -p eksdoctor-collect --example collect_bench`

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{Server, fixture};
use eksdoctor_collect::{AwsSource, K8sOptions, Sources, collect};

struct Run {
    requests: usize,
    pods: usize,
    files: usize,
    wall: Duration,
}

async fn run(extra_pods: usize, latency: Duration) -> Run {
    let mut api = fixture::seed(extra_pods);
    api.latency = latency;
    let server = Server::start(api).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let kubeconfig = kube::config::Kubeconfig::read_from(server.kubeconfig(dir.path(), "token"))
        .expect("kubeconfig");
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .expect("config");
    let sources = Sources {
        kube: kube::Client::try_from(config).expect("client"),
        context: "loopback".into(),
        server: format!("http://{}", server.addr),
        aws: AwsSource::Skip("benchmark: Kubernetes only".into()),
        cluster: None,
        region: None,
    };
    let start = Instant::now();
    let collected = collect(sources, &K8sOptions::default(), false)
        .await
        .expect("collect");
    let wall = start.elapsed();
    let pods = collected
        .files
        .iter()
        .find(|f| f.path == "k8s/pods.json")
        .and_then(|f| serde_json::from_slice::<serde_json::Value>(&f.contents).ok())
        .and_then(|v| v["items"].as_array().map(Vec::len))
        .unwrap_or(0);
    Run {
        requests: server.requests(),
        pods,
        files: collected.files.len(),
        wall,
    }
}

#[tokio::main]
async fn main() {
    let page = K8sOptions::default().page_size;
    println!("request count (no latency, {page} objects per page)");
    let small = run(10, Duration::ZERO).await;
    let large = run(10_000, Duration::ZERO).await;
    for r in [&small, &large] {
        println!(
            "  {:>6} pods: {:>3} requests, {:>2} files, {:>7.1} ms",
            r.pods,
            r.requests,
            r.files,
            r.wall.as_secs_f64() * 1e3
        );
    }
    let extra_pages = large.pods.div_ceil(page as usize) - small.pods.div_ceil(page as usize);
    println!(
        "  difference: {} requests = {} extra pages of pods",
        large.requests - small.requests,
        extra_pages
    );

    println!("wall time with 100 ms per request (standard set, all kinds at once)");
    let slow = run(0, Duration::from_millis(100)).await;
    println!(
        "  {} pods: {} requests in {:.0} ms",
        slow.pods,
        slow.requests,
        slow.wall.as_secs_f64() * 1e3
    );
}
