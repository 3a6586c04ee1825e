//! Test double for an AWS REST-JSON service (EKS): fixed answers per path, on loopback. moto has
//! no EKS add-ons; this serves them (and refusals) over real HTTP to the real SDK.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::Value;

/// An answer: HTTP status, the AWS error type (for errors), and the JSON body.
#[derive(Clone)]
pub struct Answer {
    pub status: u16,
    pub error_type: Option<&'static str>,
    pub body: Value,
}

pub fn ok(body: Value) -> Answer {
    Answer {
        status: 200,
        error_type: None,
        body,
    }
}

pub fn denied(message: &str) -> Answer {
    Answer {
        status: 403,
        error_type: Some("AccessDeniedException"),
        body: serde_json::json!({"message": message}),
    }
}

pub struct AwsDouble {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for AwsDouble {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl AwsDouble {
    /// Serves `routes` (path → answer); anything else is a 404 `ResourceNotFoundException`.
    pub async fn start(routes: HashMap<String, Answer>) -> AwsDouble {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let routes = Arc::new(routes);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let routes = routes.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                        let answer = routes.get(req.uri().path()).cloned().unwrap_or(Answer {
                            status: 404,
                            error_type: Some("ResourceNotFoundException"),
                            body: serde_json::json!({"message": format!("no route {}", req.uri().path())}),
                        });
                        async move {
                            let mut response = Response::builder()
                                .status(answer.status)
                                .header("content-type", "application/json");
                            if let Some(kind) = answer.error_type {
                                response = response.header("x-amzn-errortype", kind);
                            }
                            Ok::<_, Infallible>(
                                response
                                    .body(Full::new(Bytes::from(answer.body.to_string())))
                                    .unwrap(),
                            )
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        AwsDouble { addr, task }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }
}
