//! The small handlers. The Kubernetes forwarding path lives in its own module.

mod config;
mod drain;
mod frontend;
mod ui_policy;

pub use frontend::CONTENT_SECURITY_POLICY;
mod health;
mod me;
mod plugins;
mod set_token;

use actix_web::web;

use crate::settings::Settings;

/// A route answering one method; any other gets 405 (not the UI, and not the cluster: a GET of
/// `/clusters/{cluster}/set-token` must not be taken for an API path).
fn only(path: &str, route: actix_web::Route) -> actix_web::Resource {
    web::resource(path)
        .route(route)
        .default_service(web::to(|| async {
            crate::status::Status::failure(
                actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
                "method not allowed",
            )
            .into_response()
        }))
}

/// Registers every route under the configured base URL.
pub fn configure(
    settings: &Settings,
    oidc: bool,
    metrics: bool,
) -> impl FnOnce(&mut web::ServiceConfig) + use<> {
    let static_dir = settings.server.html_static_dir.clone();
    let base_url = settings.server.base_url.clone();
    let csp_override = settings
        .ui
        .csp
        .as_deref()
        .and_then(|policy| actix_web::http::header::HeaderValue::from_str(policy).ok());
    let plugins = settings.ui.plugins.any();
    let plugin_dirs = settings.ui.plugins.clone();
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
                .service(only(
                    "/clusters/{cluster}/set-token",
                    web::post().to(set_token::set_token),
                ))
                .service(only("/drain-node", web::post().to(drain::drain_node)))
                .service(only(
                    "/drain-node-status",
                    web::get().to(drain::drain_node_status),
                ))
                .configure(|cfg| {
                    if oidc {
                        crate::auth::oidc::routes::configure(cfg);
                    }
                })
                .configure(plugins::configure(plugin_dirs))
                .configure(crate::forward::configure)
                .configure(frontend::configure(frontend::Frontend {
                    base_url: base_url.clone(),
                    static_dir,
                    csp_override,
                    plugins,
                })),
        );
    }
}
