//! The HTTP/1.1 server under the fake API.
//!
//! `actix_web::HttpServer` would negotiate HTTP/2 over TLS (awc turns on actix-http's `http2`
//! feature for the whole workspace), and actix's HTTP/2 streams only
//! notice a client that went away on their next write: an idle watch would stay "open"
//! forever. Serving HTTP/1.1 only (clients fall back to it through ALPN) with half-closed
//! connections treated as gone makes every stream end as soon as its client disconnects.

use std::net::TcpListener;
use std::sync::Arc;

use actix_http::HttpService;
use actix_server::Server;
use actix_service::map_config;
use actix_tls::accept::rustls_0_23::TlsStream;
use actix_web::body::MessageBody;
use actix_web::dev::{AppConfig, Extensions, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::rt::net::TcpStream;
use actix_web::{App, web};
use rustls::ServerConfig;

use crate::router;
use crate::state::Shared;
use crate::tls;

const WORKERS: usize = 2;

fn app(
    shared: Arc<Shared>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(web::Data::from(shared))
        .wrap(from_fn(router::websocket_post_as_get))
        .default_service(web::to(router::dispatch))
}

/// `AppConfig` has no public constructor but its default, whose host and address are placeholders.
/// Nothing here reads them: HTTP/1.1 requests carry `Host`, which is what discovery reports.
fn app_config() -> AppConfig {
    AppConfig::default()
}

pub fn start(
    shared: Arc<Shared>,
    listener: TcpListener,
    tls: Option<ServerConfig>,
) -> std::io::Result<Server> {
    let address = listener.local_addr()?;
    let builder = Server::build()
        .workers(WORKERS)
        .disable_signals()
        .shutdown_timeout(1);
    let builder = match tls {
        Some(mut config) => {
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            builder.listen("fake-api-https", listener, move || {
                HttpService::build()
                    .h1_allow_half_closed(false)
                    .secure()
                    .local_addr(address)
                    .on_connect_ext(|io: &TlsStream<TcpStream>, data: &mut Extensions| {
                        tls::remember_client_certificate(io, data)
                    })
                    .h1(map_config(app(shared.clone()), move |_| app_config()))
                    .rustls_0_23(config.clone())
            })?
        }
        None => builder.listen("fake-api-http", listener, move || {
            HttpService::build()
                .h1_allow_half_closed(false)
                .local_addr(address)
                .h1(map_config(app(shared.clone()), move |_| app_config()))
                .tcp()
        })?,
    };
    Ok(builder.run())
}
