//! HTTP/1.1 as bytes on a socket, for the attack tests: HTTP libraries refuse or rewrite exactly what
//! those tests must send (duplicate identity headers, `X_Forwarded_User`, control characters,
//! invalid UTF-8, their own `Connection` header), and they cannot choose the local address that
//! makes a peer trusted (127.0.0.1) or not (127.0.0.2).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use httparse::Status;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// The peer the tests' `-proxy-auth-trusted-proxies=127.0.0.1/32` trusts.
pub const TRUSTED: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
/// Another loopback address (all of 127.0.0.0/8 is local on Linux), outside that network.
pub const UNTRUSTED: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

/// Requests to one server from one local address; see [`crate::App::raw`].
#[derive(Clone, Copy, Debug)]
pub struct RawHttp {
    target: SocketAddr,
    from: IpAddr,
}

/// A response as it came off the wire.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    /// Every header line, in order.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked, decoded lossily (so invalid UTF-8 shows instead of failing).
    pub body: String,
}

/// An open connection, for tests about what happens while a response is still streaming.
pub struct RawConnection {
    stream: TcpStream,
}

impl RawHttp {
    /// Requests to `target` from [`TRUSTED`].
    pub fn new(target: SocketAddr) -> Self {
        RawHttp {
            target,
            from: TRUSTED,
        }
    }

    /// Sends from this local address instead (it must be local: 127.0.0.2, `::1`...).
    pub fn from(self, from: IpAddr) -> Self {
        RawHttp { from, ..self }
    }

    /// `GET path` with these header lines exactly as given (raw bytes: duplicates, odd names and
    /// odd values reach the server untouched), then `Connection: close`, and reads the response.
    /// `Host` is `localhost` unless the headers name one.
    pub async fn get(&self, path: &str, headers: &[(&str, &[u8])]) -> RawResponse {
        let own_host = headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("host"));
        let host = if own_host { "" } else { "Host: localhost\r\n" };
        let mut request =
            format!("GET {path} HTTP/1.1\r\n{host}Connection: close\r\n").into_bytes();
        for (name, value) in headers {
            request.extend_from_slice(name.as_bytes());
            request.extend_from_slice(b": ");
            request.extend_from_slice(value);
            request.extend_from_slice(b"\r\n");
        }
        request.extend_from_slice(b"\r\n");
        self.send(&request).await
    }

    /// Sends `request` as is and reads the response until the server closes the connection (so
    /// the request should ask for `Connection: close`).
    pub async fn send(&self, request: &[u8]) -> RawResponse {
        let mut connection = self.connect().await;
        connection.send(request).await;
        connection.read_to_end().await
    }

    pub async fn connect(&self) -> RawConnection {
        let socket = match self.from {
            IpAddr::V4(_) => TcpSocket::new_v4(),
            IpAddr::V6(_) => TcpSocket::new_v6(),
        }
        .expect("a TCP socket");
        socket
            .bind(SocketAddr::new(self.from, 0))
            .unwrap_or_else(|e| panic!("bind the client address {}: {e}", self.from));
        // A server on an unspecified address (`::`) is reached at the client's own address, so
        // an IPv4 client arrives as an IPv4(-mapped) peer.
        let target = if self.target.ip().is_unspecified() {
            SocketAddr::new(self.from, self.target.port())
        } else {
            self.target
        };
        let stream = socket
            .connect(target)
            .await
            .unwrap_or_else(|e| panic!("connect from {} to {target}: {e}", self.from));
        RawConnection { stream }
    }
}

impl RawConnection {
    pub async fn send(&mut self, bytes: &[u8]) {
        self.stream
            .write_all(bytes)
            .await
            .expect("the server takes the request");
    }

    /// Reads the status line and headers, and not one byte more: the body (a stream, say) stays
    /// in the socket.
    pub async fn read_head(&mut self) -> RawResponse {
        let mut raw = Vec::new();
        while !raw.ends_with(b"\r\n\r\n") {
            let byte = self.stream.read_u8().await.unwrap_or_else(|e| {
                panic!(
                    "the connection ended before a complete response head ({e}): {}",
                    String::from_utf8_lossy(&raw)
                )
            });
            raw.push(byte);
        }
        let (response, _) = parse_head(&raw).expect("a complete response head");
        response
    }

    /// Reads one whole response (its body framed by `Content-Length` or chunked encoding),
    /// leaving the connection open: for answers to requests that keep it, such as an upgrade.
    pub async fn read_response(&mut self) -> RawResponse {
        let mut response = self.read_head().await;
        let mut body = Vec::new();
        if let Some(length) = response.header("content-length") {
            let length: usize = length.trim().parse().expect("a numeric Content-Length");
            body.resize(length, 0);
            self.stream
                .read_exact(&mut body)
                .await
                .expect("the whole body");
        } else if response
            .header("transfer-encoding")
            .is_some_and(|value| value.eq_ignore_ascii_case("chunked"))
        {
            while !body.ends_with(b"0\r\n\r\n") {
                body.push(self.stream.read_u8().await.expect("the whole chunked body"));
            }
            body = dechunk(&body);
        }
        response.body = String::from_utf8_lossy(&body).into_owned();
        response
    }

    /// Reads the body as it streams until `needle` has arrived; what was read, lossily decoded.
    pub async fn read_until(&mut self, needle: &str) -> String {
        let mut seen = Vec::new();
        let mut chunk = [0u8; 4096];
        while !String::from_utf8_lossy(&seen).contains(needle) {
            let read = self.stream.read(&mut chunk).await.expect("read the stream");
            assert!(
                read > 0,
                "the stream ended before {needle:?}: {}",
                String::from_utf8_lossy(&seen)
            );
            seen.extend_from_slice(&chunk[..read]);
        }
        String::from_utf8_lossy(&seen).into_owned()
    }

    /// Closes the connection abruptly (a TCP reset), as the kernel does for a browser tab that goes
    /// away while a response is still arriving. A clean close (FIN) ends only the client's half of
    /// the conversation: HTTP lets a server keep sending after it.
    pub fn reset(self) {
        self.stream
            .set_zero_linger()
            .expect("SO_LINGER is settable");
    }

    /// Ends the client's half of the connection cleanly (a FIN), keeping the socket open: what a
    /// client that has finished sends, whether or not it still reads.
    pub async fn close_write(&mut self) {
        self.stream
            .shutdown()
            .await
            .expect("the write half shuts down");
    }

    /// Reads until the server closes the connection.
    pub async fn read_to_end(mut self) -> RawResponse {
        let mut raw = Vec::new();
        self.stream
            .read_to_end(&mut raw)
            .await
            .expect("read the response");
        let (mut response, head_len) = parse_head(&raw).unwrap_or_else(|| {
            panic!(
                "not a complete HTTP response: {:?}",
                String::from_utf8_lossy(&raw)
            )
        });
        let body = &raw[head_len..];
        let body = if response
            .header("transfer-encoding")
            .is_some_and(|value| value.eq_ignore_ascii_case("chunked"))
        {
            dechunk(body)
        } else {
            body.to_vec()
        };
        response.body = String::from_utf8_lossy(&body).into_owned();
        response
    }
}

impl RawResponse {
    /// The first header of this name (case-insensitive).
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

/// The response head (with an empty body) and its length, once `raw` holds all of it.
fn parse_head(raw: &[u8]) -> Option<(RawResponse, usize)> {
    let mut headers = [httparse::EMPTY_HEADER; 128];
    let mut response = httparse::Response::new(&mut headers);
    match response.parse(raw) {
        Ok(Status::Complete(head_len)) => {
            let headers = response
                .headers
                .iter()
                .map(|header| {
                    let value = String::from_utf8_lossy(header.value).into_owned();
                    (header.name.to_string(), value)
                })
                .collect();
            let response = RawResponse {
                status: response.code.expect("a complete head has a status"),
                headers,
                body: String::new(),
            };
            Some((response, head_len))
        }
        Ok(Status::Partial) => None,
        Err(error) => panic!(
            "not an HTTP response ({error}): {:?}",
            String::from_utf8_lossy(raw)
        ),
    }
}

/// Decodes a `Transfer-Encoding: chunked` body.
fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut decoded = Vec::new();
    loop {
        let (start, size) = match httparse::parse_chunk_size(body) {
            Ok(Status::Complete((start, size))) => (start, size as usize),
            _ => panic!(
                "a malformed chunked body: {:?}",
                String::from_utf8_lossy(body)
            ),
        };
        if size == 0 {
            return decoded;
        }
        let end = start + size;
        decoded.extend_from_slice(&body[start..end]);
        // Each chunk ends with CRLF.
        body = &body[end + 2..];
    }
}
