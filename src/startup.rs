use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tracing_actix_web::TracingLogger;

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use crate::auth::Authenticator;
use crate::auth::hosts::{AllowedHosts, require_allowed_host};
use crate::auth::oidc::{Oidc, OidcSetupError, PendingCookies};
use crate::auth::token_cookie::TokenCookies;
use crate::auth::trust::{TrustedProxies, client_certificate};
use crate::clusters::{ClusterRegistry, KubeconfigError};
use crate::demo::{Demo, DemoError};
use crate::forward::{Forwarding, UpstreamClients};
use crate::metrics::Metrics;
use crate::routes;
use crate::settings::{OidcSettings, Settings, TlsFiles};
use crate::telemetry::{self, RequestSpan};

/// A bound, not yet running server (zero2prod's pattern: bind first, so port 0 works in tests).
pub struct Application {
    server: Server,
    address: SocketAddr,
    /// Kept alive as long as the server: the `--demo` cluster.
    demo: Option<Demo>,
    /// `-metrics-port`: `/metrics` on a listener of its own, and its address.
    metrics_server: Option<(Server, SocketAddr)>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Kubeconfig(#[from] KubeconfigError),
    #[error(transparent)]
    Tls(#[from] ServerTlsError),
    #[error(transparent)]
    Oidc(#[from] OidcSetupError),
    #[error(transparent)]
    Demo(#[from] DemoError),
    #[error("proxy authentication: {0}")]
    ProxyAuth(String),
}

impl StartupError {
    /// 2 for input the user must fix (as for settings), 1 for the environment (port in use...).
    pub fn exit_code(&self) -> u8 {
        match self {
            StartupError::Bind { .. } => 1,
            #[cfg(feature = "demo")]
            StartupError::Demo(DemoError::Start(_)) => 1,
            #[cfg(not(feature = "demo"))]
            StartupError::Demo(DemoError::NotBuiltIn) => 2,
            StartupError::Kubeconfig(_)
            | StartupError::Tls(_)
            | StartupError::Oidc(_)
            | StartupError::ProxyAuth(_) => 2,
        }
    }
}

impl Application {
    /// Loads the clusters (and starts the `--demo` cluster when asked), then binds the listener,
    /// so `-port=0` works in tests (zero2prod's pattern). Must run inside an actix runtime.
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        let mut registry = ClusterRegistry::load(&settings.clusters)?;
        let demo = if settings.clusters.demo {
            let (demo, cluster) = Demo::start().await?;
            registry.add(cluster);
            Some(demo)
        } else {
            None
        };
        // One crypto provider for the whole process (rustls panics if it has to guess between two).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let address = SocketAddr::new(settings.server.listen_addr, settings.server.port);
        let bind_error = |source| StartupError::Bind { address, source };
        let client_ca = settings
            .proxy_auth
            .client_certificate
            .as_ref()
            .map(|c| c.ca_file.as_path());
        let tls = settings
            .server
            .tls
            .as_ref()
            .map(|files| server_tls(files, client_ca))
            .transpose()?;
        let listener = TcpListener::bind(address).map_err(bind_error)?;
        let address = listener.local_addr().map_err(bind_error)?;

        for cluster in registry.iter() {
            match &cluster.connection {
                Ok(_) => {
                    tracing::info!(cluster = %cluster.name, server = %cluster.server, "cluster loaded")
                }
                Err(error) => tracing::warn!(cluster = %cluster.name, %error, "cluster not loaded"),
            }
        }
        let registry = Arc::new(registry);
        // The one trust boundary: every question about headers a proxy sets goes through it.
        let trusted = TrustedProxies::new(&settings.proxy_auth);
        let oidc = match oidc_settings(&settings, &registry) {
            Some(oidc_settings) => {
                let oidc = Oidc::new(&settings, &oidc_settings, trusted.clone())?;
                let oidc = Arc::new(oidc);
                oidc.start_discovery();
                Some(oidc)
            }
            None => None,
        };
        let oidc_enabled = oidc.is_some();
        let metrics = Metrics::new();
        let authenticator = web::Data::new(match &oidc {
            Some(oidc) => Authenticator::with_oidc(oidc.clone(), metrics.clone()),
            None => Authenticator::from_settings(&settings, &trusted, metrics.clone())
                .map_err(StartupError::ProxyAuth)?,
        });
        let forwarding = web::Data::new(Forwarding::new(
            &settings,
            registry.clone(),
            trusted.clone(),
            metrics.clone(),
        ));
        let metrics_data = web::Data::from(metrics);
        let metrics_address = match (settings.metrics.enabled, settings.metrics.port) {
            (true, Some(port)) => Some(SocketAddr::new(settings.server.listen_addr, port)),
            _ => None,
        };
        let metrics_on_main = settings.metrics.enabled && metrics_address.is_none();
        let hosts = web::Data::new(AllowedHosts::new(&settings));
        let token_cookies = token_cookies(&settings, &trusted)?;
        let trusted = web::Data::new(trusted);
        let registry_data = web::Data::from(registry.clone());
        let settings = web::Data::new(settings);
        let main_metrics = metrics_data.clone();
        let server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(set_pending_cookies))
                .wrap(from_fn(require_allowed_host))
                // Outside the host check: its 421s are counted too.
                .wrap(from_fn(crate::metrics::record))
                .wrap(from_fn(telemetry::request_context))
                .wrap(TracingLogger::<RequestSpan>::new())
                .app_data(authenticator.clone())
                .app_data(hosts.clone())
                .app_data(trusted.clone())
                .app_data(settings.clone())
                .app_data(registry_data.clone())
                .app_data(forwarding.clone())
                .app_data(main_metrics.clone())
                .app_data(web::Data::new(UpstreamClients::new(&registry)))
                .configure(|cfg| {
                    if let Some(oidc) = &oidc {
                        cfg.app_data(web::Data::new(oidc.clone()));
                    }
                    if let Some(cookies) = &token_cookies {
                        cfg.app_data(cookies.clone());
                    }
                })
                .configure(routes::configure(&settings, oidc_enabled, metrics_on_main))
        })
        // The client certificate (if any) is read once per connection, for every request on it.
        .on_connect(client_certificate::remember)
        // A client that closes its side has gone (Go's servers, kube-apiserver's included, read it
        // so): an idle watch or log stream must end with it, not at the next event it fails to get.
        .h1_allow_half_closed(false);
        let server = match tls {
            Some(config) => server.listen_rustls_0_23(listener, config),
            None => server.listen(listener),
        }
        .map_err(bind_error)?
        .run();
        let metrics_server = match metrics_address {
            Some(address) => Some(metrics_server(address, metrics_data)?),
            None => None,
        };
        Ok(Application {
            server,
            address,
            demo,
            metrics_server,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// `-metrics-port`'s bound address, when metrics have a listener of their own.
    pub fn metrics_address(&self) -> Option<SocketAddr> {
        self.metrics_server.as_ref().map(|(_, address)| *address)
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let _demo = self.demo;
        // The metrics listener lives as long as the main server, which alone decides when to stop.
        if let Some((metrics, _)) = self.metrics_server {
            actix_web::rt::spawn(metrics);
        }
        self.server.await
    }
}

/// Headlamp's token sign-in, when a cookie secret can seal its cookie (see `auth::token_cookie`).
fn token_cookies(
    settings: &Settings,
    trusted: &TrustedProxies,
) -> Result<Option<web::Data<TokenCookies>>, StartupError> {
    let Some(secret) = settings.cookie_secret() else {
        return Ok(None);
    };
    let ttl = settings
        .oidc
        .as_ref()
        .map(|o| o.session_ttl)
        .or_else(|| settings.oidc_template.as_ref().map(|t| t.session_ttl))
        .unwrap_or(std::time::Duration::from_secs(86_400));
    let proxy = &settings.proxy_auth;
    let cookies = TokenCookies::new(
        secret,
        &settings.server.base_url,
        ttl,
        trusted.clone(),
        !proxy.enabled || proxy.allow_set_token,
    )
    .map_err(|error| StartupError::Oidc(OidcSetupError::from(error)))?;
    Ok(Some(web::Data::new(cookies)))
}

/// Why `-tls-cert-path` / `-tls-key-path` (or the client CA) cannot serve HTTPS.
#[derive(Debug, thiserror::Error)]
pub enum ServerTlsError {
    #[error("-tls-cert-path / -tls-key-path: {}: {source}", path.display())]
    Pem {
        path: std::path::PathBuf,
        source: rustls::pki_types::pem::Error,
    },
    #[error("-tls-cert-path: {}: no PEM certificate found", .0.display())]
    NoCertificate(std::path::PathBuf),
    #[error("-tls-cert-path / -tls-key-path: {0}")]
    Rustls(#[from] rustls::Error),
    #[error("-proxy-auth-client-ca-file {}: {reason}", path.display())]
    ClientCa {
        path: std::path::PathBuf,
        reason: String,
    },
}

/// `/metrics` alone, for a port only Prometheus reaches.
fn metrics_server(
    address: SocketAddr,
    metrics: web::Data<Metrics>,
) -> Result<(Server, SocketAddr), StartupError> {
    let bind_error = |source| StartupError::Bind { address, source };
    let listener = TcpListener::bind(address).map_err(bind_error)?;
    let address = listener.local_addr().map_err(bind_error)?;
    let server = HttpServer::new(move || {
        App::new()
            .app_data(metrics.clone())
            .route("/metrics", web::get().to(crate::metrics::serve))
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1)
    .listen(listener)
    .map_err(bind_error)?
    .run();
    Ok((server, address))
}

fn server_tls(
    files: &TlsFiles,
    client_ca: Option<&std::path::Path>,
) -> Result<rustls::ServerConfig, ServerTlsError> {
    let pem_error = |path: &std::path::Path| {
        let path = path.to_path_buf();
        move |source| ServerTlsError::Pem { path, source }
    };
    let chain = CertificateDer::pem_file_iter(&files.cert_path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(pem_error(&files.cert_path))?;
    if chain.is_empty() {
        return Err(ServerTlsError::NoCertificate(files.cert_path.clone()));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key_path).map_err(pem_error(&files.key_path))?;
    let mut config = rustls::ServerConfig::builder_with_provider(crate::clusters::tls::provider())
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(client_certificate::verifier(client_ca).map_err(|reason| {
            ServerTlsError::ClientCa {
                path: client_ca.map(Into::into).unwrap_or_default(),
                reason,
            }
        })?)
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// Adds the cookies the `User` extractor decided on (a refreshed OIDC session) to the response.
async fn set_pending_cookies(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut response = next.call(request).await?;
    let pending = response
        .request()
        .extensions_mut()
        .remove::<PendingCookies>();
    if let Some(PendingCookies(cookies)) = pending {
        for cookie in cookies {
            response.response_mut().add_cookie(&cookie)?;
        }
    }
    Ok(response)
}

/// The OIDC client: from the flags, or (as Headlamp does) from the first kubeconfig context whose
/// user signs in with `auth-provider: oidc`, completed by the flags' cookie secret and tuning.
fn oidc_settings(settings: &Settings, registry: &ClusterRegistry) -> Option<OidcSettings> {
    if let Some(explicit) = &settings.oidc {
        return Some(explicit.clone());
    }
    if settings.proxy_auth.enabled {
        return None;
    }
    let (cluster, config) = registry
        .iter()
        .find_map(|c| c.oidc_provider.as_ref().map(|config| (c, config)))?;
    let Some(template) = settings.oidc_template.clone() else {
        tracing::warn!(
            cluster = %cluster.name,
            "this context signs in with OIDC (auth-provider: oidc); set -oidc-cookie-secret to let users sign in"
        );
        return None;
    };
    match template.completed_by_auth_provider(config) {
        Ok(oidc) => {
            tracing::info!(cluster = %cluster.name, issuer = %oidc.issuer_url, "OIDC client taken from the kubeconfig");
            Some(oidc)
        }
        Err(reason) => {
            tracing::warn!(cluster = %cluster.name, %reason, "cannot use this context's OIDC settings");
            None
        }
    }
}
