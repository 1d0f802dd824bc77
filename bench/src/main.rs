//! The benchmark's watch upstream: a stand-in API server that is never the bottleneck. Every
//! `GET ...?watch=true` stays open and receives one `ADDED` event line per `POST /emit?name=N`;
//! `GET /open` says how many watches are open. Plain HTTP/1.1, or TLS with HTTP/2 (ALPN) when
//! given a certificate, as real API servers speak it, with room for many watches per connection.
//!
//! Usage: watch-upstream --port P [--tls-port Q --tls-cert F --tls-key F]: both ports share the
//! events, so one plain `POST /emit` reaches every watch.

use std::convert::Infallible;
use std::net::SocketAddr;
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

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let port: u16 = arg(&args, "--port").unwrap_or_else(|| "0".into()).parse()?;
    let tls = match (arg(&args, "--tls-cert"), arg(&args, "--tls-key")) {
        (Some(cert), Some(key)) => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let chain = CertificateDer::pem_file_iter(cert)?.collect::<Result<Vec<_>, _>>()?;
            let key = PrivateKeyDer::from_pem_file(key)?;
            let mut config = rustls::ServerConfig::builder()
                .with_no_client_auth()
                .with_single_cert(chain, key)?;
            config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
            Some(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
        }
        _ => None,
    };
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    println!("watch-upstream listening on {}", listener.local_addr()?);
    let tls_listener = match (&tls, arg(&args, "--tls-port")) {
        (Some(_), Some(tls_port)) => {
            let address = SocketAddr::from(([127, 0, 0, 1], tls_port.parse()?));
            Some(TcpListener::bind(address).await?)
        }
        _ => None,
    };
    let (events, _) = broadcast::channel(64);
    let state = Arc::new(State {
        events,
        open: AtomicUsize::new(0),
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // kube-apiserver allows 1000 streams per connection; room for a whole benchmark's watches.
    builder.http2().max_concurrent_streams(100_000);
    let builder = Arc::new(builder);
    if let Some(tls_listener) = tls_listener {
        let (state, builder) = (state.clone(), builder.clone());
        tokio::spawn(serve(tls_listener, state, builder, tls));
    }
    serve(listener, state, builder, None).await?;
    Ok(())
}

async fn serve(
    listener: TcpListener,
    state: Arc<State>,
    builder: Arc<auto::Builder<TokioExecutor>>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> Result<(), std::io::Error> {
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
