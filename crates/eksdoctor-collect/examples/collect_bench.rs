//! How collection scales, against the loopback API double (tests/common):
//! 1. requests for 10 pods vs 10,000 pods (only pagination pages may differ);
//! 2. wall time of the standard Kubernetes set with 100 ms injected per request;
//! 3. with moto: wall time of Kubernetes and AWS together, 100 ms per request on both sides
//!    (a latency proxy in front of moto), cluster name known and found by its endpoint.
//!
//! Run: `cargo run --release -p eksdoctor-collect --example collect_bench`; for part 3, start
//! moto first (`.venv/bin/moto_server -p 5055 &`, installed by scripts/test) and set
//! `EKSDOCTOR_MOTO_ENDPOINT=http://127.0.0.1:5055`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::proxy::LatencyProxy;
use common::{Server, fixture, moto};
use eksdoctor_collect::{AwsSource, Collected, K8sOptions, Sources, collect};

const LATENCY: Duration = Duration::from_millis(100);
/// moto keeps state per region: the benchmark's own, reused across runs.
const REGION: &str = "ap-southeast-2";

struct Run {
    requests: usize,
    pods: usize,
    files: usize,
    wall: Duration,
    collected: Collected,
}

async fn run(extra_pods: usize, latency: Duration, aws: AwsSource, cluster: Option<&str>) -> Run {
    let mut api = fixture::seed(extra_pods);
    api.latency = latency;
    let server = Server::start(api).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let kubeconfig = kube::config::Kubeconfig::read_from(server.kubeconfig(dir.path(), "token"))
        .expect("kubeconfig");
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .expect("config");
    // Without a cluster name, the collector looks for the cluster whose endpoint is the server.
    let api_server = match &aws {
        AwsSource::Config(c) if cluster.is_none() => {
            let described = aws_sdk_eks::Client::new(c)
                .describe_cluster()
                .name("demo")
                .send()
                .await
                .expect("moto has the demo cluster");
            described
                .cluster()
                .and_then(|c| c.endpoint())
                .map(str::to_owned)
        }
        _ => None,
    };
    let sources = Sources {
        kube: kube::Client::try_from(config).expect("client"),
        context: "loopback".into(),
        server: api_server.unwrap_or_else(|| format!("http://{}", server.addr)),
        root_certs: Vec::new(),
        aws,
        cluster: cluster.map(str::to_owned),
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
        collected,
    }
}

fn k8s_only() -> AwsSource {
    AwsSource::Skip("benchmark: Kubernetes only".into())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

#[tokio::main]
async fn main() {
    let page = K8sOptions::default().page_size;
    println!("request count (no latency, {page} objects per page)");
    let small = run(10, Duration::ZERO, k8s_only(), None).await;
    let large = run(10_000, Duration::ZERO, k8s_only(), None).await;
    for r in [&small, &large] {
        println!(
            "  {:>6} pods: {:>3} requests, {:>2} files, {:>7.1} ms",
            r.pods,
            r.requests,
            r.files,
            ms(r.wall)
        );
    }
    let extra_pages = large.pods.div_ceil(page as usize) - small.pods.div_ceil(page as usize);
    println!(
        "  difference: {} requests = {} extra pages of pods",
        large.requests - small.requests,
        extra_pages
    );

    println!("wall time with 100 ms per request (standard set, all kinds at once)");
    let slow = run(0, LATENCY, k8s_only(), None).await;
    println!(
        "  Kubernetes only, {} pods: {} requests in {:.0} ms",
        slow.pods,
        slow.requests,
        ms(slow.wall)
    );

    let Some(endpoint) = std::env::var("EKSDOCTOR_MOTO_ENDPOINT").ok() else {
        println!("  (set EKSDOCTOR_MOTO_ENDPOINT to a running moto_server to time AWS as well)");
        return;
    };
    let direct = moto::config(&endpoint, REGION).await;
    let existing = aws_sdk_eks::Client::new(&direct)
        .list_clusters()
        .send()
        .await
        .expect("moto answers");
    if existing.clusters().is_empty() {
        moto::seed(&direct, REGION).await;
    }
    for (label, cluster) in [
        ("cluster name known", Some("demo")),
        ("cluster found by its endpoint", None),
    ] {
        let proxy = LatencyProxy::start(&endpoint, LATENCY).await;
        let config = moto::config(&proxy.endpoint(), REGION).await;
        let r = run(0, LATENCY, AwsSource::Config(Box::new(config)), cluster).await;
        let aws_files = r
            .collected
            .files
            .iter()
            .filter(|f| f.path.starts_with("aws/"))
            .count();
        println!(
            "  Kubernetes + AWS ({label}): {} + {} requests, {} AWS files, in {:.0} ms",
            r.requests,
            proxy.requests(),
            aws_files,
            ms(r.wall)
        );
    }
}
