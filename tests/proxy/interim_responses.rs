//! Interim (`1xx`) responses from the API server are never taken for the final one, so no answer ever
//! reaches the wrong user (issue 10, item 1).
//!
//! An API server relays a pod's `103 Early Hints` through `pods/proxy`, and an unsolicited
//! `100 Continue` is legal HTTP/1.1. A client that takes either for the final response hands its
//! connection back with the real answer still to come, and the next request on that connection,
//! whoever sent it, reads that answer. The upstream here is raw TCP so it can say exactly that:
//! `100`, then `103` with a `Link`, then, after a while, a `200` naming the request it answers.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::future::join_all;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Message as WsMessage, Role};

use test_support::{App, Kubeconfig, client};

const USERS: &[&str] = &["alice", "bob", "carol", "dave"];
const ROUNDS: usize = 20;
const EARLY_HINTS: &str =
    "HTTP/1.1 103 Early Hints\r\nLink: </assets/app.css>; rel=preload\r\n\r\n";

/// The upstream: for each request on a kept-alive connection, interim responses first (which ones
/// depends on the path), then a final `200` whose body is the request target and `Authorization`
/// it saw. A WebSocket upgrade gets `103` before its `101`, then one text frame naming it.
struct Upstream {
    address: SocketAddr,
    connections: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
}

impl Upstream {
    async fn start() -> Upstream {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(AtomicUsize::new(0));
        let (counted_connections, counted_requests) = (connections.clone(), requests.clone());
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                counted_connections.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(serve(stream, counted_requests.clone()));
            }
        });
        Upstream {
            address,
            connections,
            requests,
        }
    }

    fn kubeconfig(&self) -> Kubeconfig {
        Kubeconfig::single(format!("http://{}", self.address).as_str(), None)
    }
}

struct Request {
    target: String,
    headers: Vec<(String, String)>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// What the final answer says, so a misdelivered one names whom it was for.
    fn answer(&self) -> String {
        format!(
            "{} {}",
            self.target,
            self.header("authorization").unwrap_or("-")
        )
    }
}

/// Reads one request head (and drains its body): `None` when the client closed the connection.
async fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let target = line.split_whitespace().nth(1)?.to_string();
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).await.ok()?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let request = Request { target, headers };
    let length: u64 = request
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    tokio::io::copy(&mut (&mut *reader).take(length), &mut tokio::io::sink())
        .await
        .ok()?;
    Some(request)
}

async fn serve(stream: TcpStream, requests: Arc<AtomicUsize>) {
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_request(&mut reader).await {
        let count = requests.fetch_add(1, Ordering::SeqCst);
        if request
            .header("upgrade")
            .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
            && !request.target.starts_with("/ignores-upgrade/")
        {
            return upgrade(reader, request).await;
        }
        // Before the final answer: what an API server relaying a pod (or a Go proxy) may send.
        let interim = if request.target.starts_with("/interim-content-length/") {
            // The header alone: a 1xx never has content (RFC 9110 §15.2), so this frames nothing.
            "HTTP/1.1 103 Early Hints\r\nContent-Length: 5\r\n\r\n".to_string()
        } else if request.target.starts_with("/interim-body/") {
            // A 1xx followed by bytes that are no response at all: the connection is broken.
            "HTTP/1.1 103 Early Hints\r\nContent-Length: 5\r\n\r\nhello".to_string()
        } else {
            format!("HTTP/1.1 100 Continue\r\n\r\n{EARLY_HINTS}")
        };
        let stream = reader.get_mut();
        if stream.write_all(interim.as_bytes()).await.is_err() {
            return;
        }
        // Slow, and unevenly so: the next request on this connection must not read this answer.
        let delay = 50 + (count * 37) % 150;
        tokio::time::sleep(Duration::from_millis(delay as u64)).await;
        let body = request.answer();
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if stream.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

async fn upgrade(reader: BufReader<TcpStream>, request: Request) {
    let Some(key) = request.header("sec-websocket-key") else {
        return;
    };
    let switching = format!(
        "{EARLY_HINTS}HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n",
        derive_accept_key(key.as_bytes())
    );
    let buffered = reader.buffer().to_vec();
    let mut stream = reader.into_inner();
    if stream.write_all(switching.as_bytes()).await.is_err() {
        return;
    }
    let mut socket =
        WebSocketStream::from_partially_read(stream, buffered, Role::Server, None).await;
    if socket
        .send(WsMessage::text(request.answer()))
        .await
        .is_err()
    {
        return;
    }
    // Until the client leaves.
    while let Some(Ok(_)) = socket.next().await {}
}

async fn app(upstream: &Upstream) -> App {
    App::builder()
        .kubeconfig(&upstream.kubeconfig().write())
        .flags(&[
            "-proxy-auth=true",
            "-proxy-auth-trusted-proxies=127.0.0.1/32",
        ])
        .start()
        .await
}

/// One user's request through Lamplight: `Ok(body)` on a `200`, `Err(what came instead)`.
async fn ask(client: &awc::Client, app: &App, user: &str, path: &str) -> Result<String, String> {
    let request = client
        .get(app.url(path))
        .insert_header(("X-Forwarded-User", user))
        .insert_header(("Authorization", format!("Bearer token-of-{user}")))
        .send();
    let mut response = match tokio::time::timeout(Duration::from_secs(10), request).await {
        Err(_) => return Err("no response head within 10 s".to_string()),
        Ok(Err(error)) => return Err(format!("no response: {error}")),
        Ok(Ok(response)) => response,
    };
    let status = response.status();
    let body = match tokio::time::timeout(Duration::from_secs(10), response.body()).await {
        Err(_) => return Err(format!("{status}, then no body within 10 s")),
        Ok(Err(error)) => return Err(format!("{status}, then a broken body: {error}")),
        Ok(Ok(body)) => String::from_utf8_lossy(&body).into_owned(),
    };
    if status == 200 {
        Ok(body)
    } else {
        Err(format!("{status} {body}"))
    }
}

fn expected(target: &str, user: &str) -> String {
    format!("{target} Bearer token-of-{user}")
}

/// Every user asks at once, round after round; each must get exactly its own answer.
async fn rounds(app: &App, prefix: &str, rounds: usize) -> Vec<String> {
    let mut wrong = Vec::new();
    for round in 0..rounds {
        // A different order each round, so pooled connections pass between users.
        let mut users = USERS.to_vec();
        users.rotate_left(round % USERS.len());
        let asked = users.into_iter().map(|user| async move {
            // A client per user, as separate browsers: only Lamplight's upstream pool is shared.
            let target = format!("/{prefix}/{user}?round={round}");
            let got = ask(&client(), app, user, &format!("/clusters/fake{target}")).await;
            (user, target, got)
        });
        for (user, target, got) in join_all(asked).await {
            match got {
                Ok(body) if body == expected(&target, user) => {}
                Ok(body) => wrong.push(format!("{user} asked {target} and got {body:?}")),
                Err(error) => wrong.push(format!("{user} asked {target} and got {error}")),
            }
        }
    }
    wrong
}

fn assert_none_wrong(wrong: &[String], total: usize) {
    assert!(
        wrong.is_empty(),
        "{} of {total} answers were wrong, first ones:\n{}",
        wrong.len(),
        wrong
            .iter()
            .take(12)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[actix_web::test]
async fn interim_responses_never_deliver_one_users_answer_to_another() {
    let upstream = Upstream::start().await;
    let app = app(&upstream).await;

    let wrong = rounds(&app, "interim", ROUNDS).await;

    assert_none_wrong(&wrong, ROUNDS * USERS.len());
    // The upstream connections were kept alive and shared, or this proved nothing.
    let (requests, connections) = (
        upstream.requests.load(Ordering::SeqCst),
        upstream.connections.load(Ordering::SeqCst),
    );
    assert!(
        requests >= 2 * connections,
        "{requests} requests over {connections} connections: the pool was not exercised"
    );
}

#[actix_web::test]
async fn a_content_length_on_an_interim_response_does_not_desynchronise_the_connection() {
    let upstream = Upstream::start().await;
    let app = app(&upstream).await;

    // A 1xx has no content whatever its headers say: the final answer that follows is this one's.
    let wrong = rounds(&app, "interim-content-length", ROUNDS / 2).await;
    assert_none_wrong(&wrong, ROUNDS / 2 * USERS.len());

    // Bytes after a 1xx that are not a response: this request fails, and that connection with it.
    let broken = rounds(&app, "interim-body", 2).await;
    assert_eq!(broken.len(), 2 * USERS.len(), "{broken:#?}");
    for failure in &broken {
        assert!(
            failure.contains("got 502") && !failure.contains("token-of-"),
            "a broken upstream connection must fail its own request and nothing else: {failure}"
        );
    }
    // And nothing of it is left over for anyone after.
    let wrong = rounds(&app, "interim", ROUNDS / 2).await;
    assert_none_wrong(&wrong, ROUNDS / 2 * USERS.len());
}

#[actix_web::test]
async fn an_interim_response_to_a_websocket_upgrade_is_not_its_answer() {
    let upstream = Upstream::start().await;
    let app = app(&upstream).await;

    let opened = USERS.iter().map(|user| {
        let app = &app;
        async move {
            let target = format!("/api/v1/namespaces/default/pods/{user}/exec?command=sh");
            let connected = client()
                .ws(app.url(&format!("/clusters/fake{target}")))
                .protocols(["v5.channel.k8s.io"])
                .header("X-Forwarded-User", *user)
                .header("Authorization", format!("Bearer token-of-{user}"))
                .connect();
            let (response, framed) = tokio::time::timeout(Duration::from_secs(10), connected)
                .await
                .unwrap_or_else(|_| panic!("{user}: no upgrade within 10 s"))
                .unwrap_or_else(|e| panic!("{user}: the upgrade failed: {e:?}"));
            assert_eq!(
                response.headers().get("sec-websocket-protocol").unwrap(),
                "v5.channel.k8s.io",
                "{user}: the upstream's sub-protocol is relayed"
            );
            let (_sink, mut stream) = framed.split();
            let frame = tokio::time::timeout(Duration::from_secs(10), stream.next())
                .await
                .unwrap_or_else(|_| panic!("{user}: no frame within 10 s"))
                .unwrap_or_else(|| panic!("{user}: the socket closed"))
                .unwrap();
            let awc::ws::Frame::Text(text) = frame else {
                panic!("{user}: {frame:?} is not the upstream's text frame");
            };
            assert_eq!(String::from_utf8_lossy(&text), expected(&target, user));
        }
    });
    join_all(opened).await;
}

#[actix_web::test]
async fn an_upgrade_the_api_server_ignored_is_never_answered_with_200() {
    let upstream = Upstream::start().await;
    let app = app(&upstream).await;
    // HTTP lets a server ignore `Upgrade` and answer as usual: a 200 relayed to a WebSocket client
    // would say its upgrade worked, and it did not.
    let answered = client()
        .ws(app.url("/clusters/fake/ignores-upgrade/exec"))
        .header("X-Forwarded-User", "alice")
        .connect()
        .await;
    assert!(
        matches!(answered, Err(awc::error::WsClientError::InvalidResponseStatus(status)) if status == 502),
        "{:?}",
        answered.err()
    );
}
