//! Starts the real application on port 0 and talks to it over real sockets.

use std::net::{IpAddr, SocketAddr};

use lamplight::settings::Settings;
use lamplight::startup::Application;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;

pub const TRUSTED: &str = "127.0.0.1";
pub const UNTRUSTED: &str = "127.0.0.2";

pub struct TestApp {
    pub address: SocketAddr,
}

/// The app with these flags, listening on 127.0.0.1, port 0.
pub async fn spawn_app(flags: &[&str]) -> TestApp {
    spawn_app_on("127.0.0.1", flags).await
}

pub async fn spawn_app_on(listen_addr: &str, flags: &[&str]) -> TestApp {
    let listen = format!("-listen-addr={listen_addr}");
    let mut all = vec![listen.as_str(), "-port=0"];
    all.extend_from_slice(flags);
    let settings = Settings::from_flags(&all).expect("test settings are valid");
    let application = Application::build(settings).await.expect("the app binds");
    let address = application.address();
    actix_web::rt::spawn(application.run_until_stopped());
    TestApp { address }
}

/// The proxy-auth setup of the acceptance test.
pub async fn spawn_proxy_app() -> TestApp {
    spawn_app(&[
        "-proxy-auth=true",
        "-proxy-auth-trusted-proxies=127.0.0.1/32",
        "-proxy-auth-logout-url=/oauth2/sign_out",
    ])
    .await
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

impl TestApp {
    /// `GET path` from the given local address, with the headers exactly as given (raw bytes, so
    /// duplicates, odd names and odd values reach the server untouched).
    pub async fn get_from(&self, from: &str, path: &str, headers: &[(&str, &[u8])]) -> Response {
        let mut request =
            format!("GET {path} HTTP/1.1\r\nHost: lamplight.test\r\nConnection: close\r\n")
                .into_bytes();
        for (name, value) in headers {
            request.extend_from_slice(name.as_bytes());
            request.extend_from_slice(b": ");
            request.extend_from_slice(value);
            request.extend_from_slice(b"\r\n");
        }
        request.extend_from_slice(b"\r\n");
        self.send_raw(from, &request).await
    }

    pub async fn get(&self, path: &str, headers: &[(&str, &[u8])]) -> Response {
        self.get_from(TRUSTED, path, headers).await
    }

    pub async fn send_raw(&self, from: &str, request: &[u8]) -> Response {
        let from: IpAddr = from.parse().unwrap();
        let socket = if from.is_ipv4() {
            TcpSocket::new_v4()
        } else {
            TcpSocket::new_v6()
        }
        .unwrap();
        socket
            .bind(SocketAddr::new(from, 0))
            .expect("bind the client address");
        let target = match self.address.ip() {
            ip if ip.is_unspecified() => SocketAddr::new(from, self.address.port()),
            _ => self.address,
        };
        let mut stream = socket.connect(target).await.expect("connect to the app");
        stream.write_all(request).await.unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.unwrap();
        parse_response(&raw)
    }
}

fn parse_response(raw: &[u8]) -> Response {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_string(), value.trim().to_string()))
        .collect();
    Response {
        status,
        headers,
        body: body.to_string(),
    }
}
