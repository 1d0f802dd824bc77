use std::net::{SocketAddr, TcpListener};

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use tracing_actix_web::TracingLogger;

use crate::auth::Authenticator;
use crate::routes;
use crate::settings::Settings;
use crate::telemetry::{self, RequestSpan};

/// A bound, not yet running server (zero2prod's pattern: bind first, so port 0 works in tests).
pub struct Application {
    server: Server,
    address: SocketAddr,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {address}: {source}")]
pub struct BindError {
    address: SocketAddr,
    source: std::io::Error,
}

impl Application {
    pub fn build(settings: Settings) -> Result<Application, BindError> {
        let address = SocketAddr::new(settings.server.listen_addr, settings.server.port);
        let listener =
            TcpListener::bind(address).map_err(|source| BindError { address, source })?;
        let address = listener
            .local_addr()
            .map_err(|source| BindError { address, source })?;
        Self::with_listener(settings, listener, address)
    }

    fn with_listener(
        settings: Settings,
        listener: TcpListener,
        address: SocketAddr,
    ) -> Result<Self, BindError> {
        let authenticator = web::Data::new(Authenticator::from_settings(&settings));
        let settings = web::Data::new(settings);
        let server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(telemetry::request_context))
                .wrap(TracingLogger::<RequestSpan>::new())
                .app_data(authenticator.clone())
                .app_data(settings.clone())
                .configure(routes::configure(&settings))
        })
        .listen(listener)
        .map_err(|source| BindError { address, source })?
        .run();
        Ok(Application { server, address })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
