//! A watch upstream: a stand-in API server for long-lived streams, never the bottleneck, for tests
//! and for the benchmark (`bench`'s `watch-upstream` binary). Every `GET ...?watch=true` stays open
//! and receives one `ADDED` event line per `POST /emit?name=N`; `GET /open` says how many watches
//! are open. Plain HTTP/1.1, and TLS with HTTP/2 (ALPN) as real API servers speak it, both sharing
//! the events; `max_streams` is the HTTP/2 `SETTINGS_MAX_CONCURRENT_STREAMS` it announces.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use futures_util::stream;
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio::sync::broadcast;

type Body = BoxBody<Bytes, Infallible>;

struct State {
    events: broadcast::Sender<Bytes>,
    open: AtomicUsize,
}

/// Counts a watch as open for as long as its body lives.
struct Open(Arc<State>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A TLS acceptor offering `h2` and `http/1.1` with this certificate chain and key (PEM files).
pub fn tls_acceptor(
    cert: &Path,
    key: &Path,
) -> Result<tokio_rustls::TlsAcceptor, Box<dyn std::error::Error>> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let chain = CertificateDer::pem_file_iter(cert)?.collect::<Result<Vec<_>, _>>()?;
    let key = PrivateKeyDer::from_pem_file(key)?;
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// Serves `plain` (HTTP/1.1) and, when given, `tls` (TLS, HTTP/2 or HTTP/1.1) until the task is
/// dropped.
pub async fn serve(
    plain: TcpListener,
    tls: Option<(TcpListener, tokio_rustls::TlsAcceptor)>,
    max_streams: u32,
) -> std::io::Result<()> {
    let (events, _) = broadcast::channel(64);
    let state = Arc::new(State {
        events,
        open: AtomicUsize::new(0),
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http2().max_concurrent_streams(max_streams);
    let builder = Arc::new(builder);
    if let Some((listener, acceptor)) = tls {
        tokio::spawn(accept(
            listener,
            state.clone(),
            builder.clone(),
            Some(acceptor),
        ));
    }
    accept(plain, state, builder, None).await
}

/// A watch upstream on 127.0.0.1 for a test: plain and TLS ports, stopped when dropped.
pub struct WatchUpstream {
    pub plain: SocketAddr,
    pub tls: SocketAddr,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl WatchUpstream {
    /// Serves TLS with `cert` and `key` (PEM files for 127.0.0.1), announcing `max_streams`.
    pub async fn start(cert: &Path, key: &Path, max_streams: u32) -> WatchUpstream {
        let plain = TcpListener::bind("127.0.0.1:0").await.expect("bind a port");
        let tls = TcpListener::bind("127.0.0.1:0").await.expect("bind a port");
        let (plain_address, tls_address) = (
            plain.local_addr().expect("an address"),
            tls.local_addr().expect("an address"),
        );
        let acceptor = tls_acceptor(cert, key).expect("a TLS configuration");
        let task = tokio::spawn(serve(plain, Some((tls, acceptor)), max_streams));
        WatchUpstream {
            plain: plain_address,
            tls: tls_address,
            task,
        }
    }

    /// Sends one `ADDED` event named `name` to every open watch; returns how many it reached.
    pub async fn emit(&self, name: &str) -> u64 {
        let mut response = crate::client()
            .post(format!("http://{}/emit?name={name}", self.plain))
            .send()
            .await
            .expect("the watch upstream answers");
        let body: serde_json::Value = response.json().await.expect("JSON");
        body["receivers"].as_u64().expect("a receiver count")
    }
}

impl Drop for WatchUpstream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept(
    listener: TcpListener,
    state: Arc<State>,
    builder: Arc<auto::Builder<TokioExecutor>>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> std::io::Result<()> {
    loop {
        let (socket, _) = listener.accept().await?;
        let _ = socket.set_nodelay(true);
        let (state, builder, tls) = (state.clone(), builder.clone(), tls.clone());
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let state = state.clone();
                async move { Ok::<_, Infallible>(answer(request, &state)) }
            });
            let _ = match tls {
                Some(tls) => match tls.accept(socket).await {
                    Ok(stream) => {
                        builder
                            .serve_connection(TokioIo::new(stream), service)
                            .await
                    }
                    Err(_) => return,
                },
                None => {
                    builder
                        .serve_connection(TokioIo::new(socket), service)
                        .await
                }
            };
        });
    }
}

fn answer(request: Request<Incoming>, state: &Arc<State>) -> Response<Body> {
    let query = request.uri().query().unwrap_or("");
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
            .map(str::to_string)
    };
    match (request.method().as_str(), request.uri().path()) {
        ("POST", "/emit") => {
            let name = param("name").unwrap_or_else(|| "event".into());
            let line = format!(
                "{{\"type\":\"ADDED\",\"object\":{{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\
                 \"metadata\":{{\"name\":\"{name}\",\"namespace\":\"default\",\"resourceVersion\":\"2\"}}}}}}\n"
            );
            let receivers = state.events.send(Bytes::from(line)).unwrap_or(0);
            json(StatusCode::OK, format!("{{\"receivers\":{receivers}}}"))
        }
        ("GET", "/open") => json(
            StatusCode::OK,
            format!("{{\"open\":{}}}", state.open.load(Ordering::Relaxed)),
        ),
        ("GET", "/version") => json(StatusCode::OK, r#"{"major":"1","minor":"34","gitVersion":"v1.34.0-bench"}"#.into()),
        ("GET", _) if matches!(param("watch").as_deref(), Some("true" | "1")) => watch(state),
        _ => json(
            StatusCode::NOT_FOUND,
            r#"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}"#.into(),
        ),
    }
}

fn watch(state: &Arc<State>) -> Response<Body> {
    state.open.fetch_add(1, Ordering::Relaxed);
    let open = Open(state.clone());
    let events = state.events.subscribe();
    let body = stream::unfold((events, open), |(mut events, open)| async move {
        loop {
            match events.recv().await {
                Ok(line) => return Some((Ok(Frame::data(line)), (events, open))),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    let mut response = Response::new(StreamBody::new(body).boxed());
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}

fn json(status: StatusCode, body: String) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(body)).boxed());
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}
