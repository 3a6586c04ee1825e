//! Test double for the Kubernetes API: a loopback HTTP server that answers LISTs from
//! kubectl-style lists (paginated by `limit`/`continue`) and pod logs (honouring `tailLines`),
//! with 403s injected per path and latency injected per request. Test-only; never in the product.
#![allow(dead_code)] // each test binary uses a different part

pub mod aws;
pub mod fixture;
pub mod from_bundle;
pub mod moto;
pub mod proxy;

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

#[derive(Default, Clone)]
pub struct Api {
    /// API path (`/api/v1/pods`) → the full list; items as the API returns them.
    pub lists: HashMap<String, Value>,
    /// `namespace/pod/container` → log text.
    pub logs: HashMap<String, String>,
    /// Paths answered with 403.
    pub forbidden: HashSet<String>,
    pub latency: Duration,
}

pub struct Server {
    pub addr: SocketAddr,
    requests: Arc<AtomicUsize>,
    paths: Arc<std::sync::Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    pub async fn start(api: Api) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(AtomicUsize::new(0));
        let paths = Arc::new(std::sync::Mutex::new(Vec::new()));
        let api = Arc::new(api);
        let (r, p) = (requests.clone(), paths.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (api, r, p) = (api.clone(), r.clone(), p.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                        let (api, r, p) = (api.clone(), r.clone(), p.clone());
                        async move {
                            r.fetch_add(1, Ordering::SeqCst);
                            p.lock().unwrap().push(req.uri().to_string());
                            tokio::time::sleep(api.latency).await;
                            Ok::<_, Infallible>(answer(&api, &req))
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Server {
            addr,
            requests,
            paths,
            task,
        }
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    pub fn paths(&self) -> Vec<String> {
        self.paths.lock().unwrap().clone()
    }

    /// A kubeconfig whose current context points here, authenticating with `token`.
    pub fn kubeconfig(&self, dir: &Path, token: &str) -> PathBuf {
        let path = dir.join("kubeconfig");
        std::fs::write(
            &path,
            format!(
                "apiVersion: v1\nkind: Config\ncurrent-context: loopback\n\
                 clusters:\n- name: loopback\n  cluster:\n    server: http://{}\n\
                 contexts:\n- name: loopback\n  context:\n    cluster: loopback\n    user: tester\n\
                 users:\n- name: tester\n  user:\n    token: {token}\n",
                self.addr
            ),
        )
        .unwrap();
        path
    }
}

fn json_response(status: StatusCode, body: &Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

fn status(code: u16, reason: &str, message: &str) -> Response<Full<Bytes>> {
    json_response(
        StatusCode::from_u16(code).unwrap(),
        &json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                "message": message, "reason": reason, "code": code}),
    )
}

fn query(req: &Request<Incoming>) -> HashMap<String, String> {
    req.uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| {
            (
                k.to_owned(),
                percent_encoding::percent_decode_str(v)
                    .decode_utf8_lossy()
                    .into_owned(),
            )
        })
        .collect()
}

fn answer(api: &Api, req: &Request<Incoming>) -> Response<Full<Bytes>> {
    let path = req.uri().path();
    if req.method() != hyper::Method::GET {
        return status(405, "MethodNotAllowed", "read-only test server");
    }
    if api.forbidden.contains(path) {
        return status(
            403,
            "Forbidden",
            &format!("User \"system:serviceaccount:ops:eksdoctor\" cannot list resource at {path}"),
        );
    }
    let q = query(req);
    if let Some(rest) = path.strip_prefix("/api/v1/namespaces/")
        && let Some((ns, rest)) = rest.split_once("/pods/")
        && let Some(pod) = rest.strip_suffix("/log")
    {
        let key = format!(
            "{ns}/{pod}/{}",
            q.get("container").cloned().unwrap_or_default()
        );
        let Some(text) = api.logs.get(&key) else {
            return status(400, "BadRequest", &format!("container not found in {key}"));
        };
        let lines: Vec<&str> = text.lines().collect();
        let tail = q
            .get("tailLines")
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(lines.len())
            .min(lines.len());
        let mut body = lines[lines.len() - tail..].join("\n");
        body.push('\n');
        if let Some(limit) = q.get("limitBytes").and_then(|n| n.parse::<usize>().ok()) {
            body.truncate(limit);
        }
        return Response::new(Full::new(Bytes::from(body)));
    }
    let Some(list) = api.lists.get(path) else {
        return status(
            404,
            "NotFound",
            "the server could not find the requested resource",
        );
    };
    let items: &[Value] = list["items"].as_array().map_or(&[], Vec::as_slice);
    let offset: usize = q
        .get("continue")
        .and_then(|c| c.strip_prefix("offset-"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let limit = q
        .get("limit")
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(usize::MAX);
    let end = offset.saturating_add(limit).min(items.len());
    let mut metadata = json!({"resourceVersion": "4242"});
    if end < items.len() {
        metadata["continue"] = json!(format!("offset-{end}"));
    }
    json_response(
        StatusCode::OK,
        &json!({
            "kind": list["kind"],
            "apiVersion": list["apiVersion"],
            "metadata": metadata,
            "items": &items[offset.min(end)..end],
        }),
    )
}
