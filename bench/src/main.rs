//! The benchmark's watch upstream (see `test_support::watch_upstream`), as a binary.
//!
//! Usage: watch-upstream --port P [--tls-port Q --tls-cert F --tls-key F] [--max-streams N]: both
//! ports share the events, so one plain `POST /emit` reaches every watch. `--max-streams` defaults
//! to 100,000, room for a whole benchmark's watches on one HTTP/2 connection.

use std::net::SocketAddr;
use std::path::Path;

use test_support::watch_upstream::{serve, tls_acceptor};
use tokio::net::TcpListener;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

async fn listen(port: &str) -> Result<TcpListener, Box<dyn std::error::Error>> {
    Ok(TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port.parse()?))).await?)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let plain = listen(&arg(&args, "--port").unwrap_or_else(|| "0".into())).await?;
    println!("watch-upstream listening on {}", plain.local_addr()?);
    let tls = match (
        arg(&args, "--tls-port"),
        arg(&args, "--tls-cert"),
        arg(&args, "--tls-key"),
    ) {
        (Some(port), Some(cert), Some(key)) => Some((
            listen(&port).await?,
            tls_acceptor(Path::new(&cert), Path::new(&key))?,
        )),
        _ => None,
    };
    let max_streams = arg(&args, "--max-streams")
        .unwrap_or_else(|| "100000".into())
        .parse()?;
    serve(plain, tls, max_streams).await?;
    Ok(())
}
