//! The small handlers. The Kubernetes forwarding path lives in its own module.

mod config;
mod frontend;

pub use frontend::CONTENT_SECURITY_POLICY;
mod health;
mod me;

use actix_web::web;

use crate::settings::Settings;

/// Registers every route under the configured base URL.
pub fn configure(
    settings: &Settings,
    oidc: bool,
    metrics: bool,
) -> impl FnOnce(&mut web::ServiceConfig) + use<> {
    let static_dir = settings.server.html_static_dir.clone();
    let base_url = settings.server.base_url.clone();
    move |cfg: &mut web::ServiceConfig| {
        cfg.service(
            web::scope(&base_url)
                .route("/healthz", web::get().to(health::healthz))
                .route("/readyz", web::get().to(health::readyz))
                .route("/config", web::get().to(config::config))
                .configure(|cfg| {
                    if metrics {
                        cfg.route("/metrics", web::get().to(crate::metrics::serve));
                    }
                })
                .route("/me", web::get().to(me::me))
                .route("/clusters/{cluster}/me", web::get().to(me::me))
                .configure(|cfg| {
                    if oidc {
                        crate::auth::oidc::routes::configure(cfg);
                    }
                })
                .configure(crate::forward::configure)
                .configure(frontend::configure(base_url.clone(), static_dir)),
        );
    }
}
