//! Headlamp's plugins: `GET /plugins` lists them as Headlamp's server does
//! (`backend/pkg/plugins/plugins.go`), and each folder is served read-only under its prefix.
//!
//! A plugin is a folder with a `main.js`; the UI fetches it and runs it with the user's session,
//! so the folders are the operator's to fill (see docs/security.md). Nothing here writes, deletes
//! or lists a folder's files; the list is read afresh on each request, so any replica with the
//! same folders gives the same answer.

use std::path::{Path, PathBuf};

use actix_web::http::StatusCode;
use actix_web::http::header::{CacheControl, CacheDirective, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::frontend::{CONTENT_SECURITY_POLICY, serve_file, with_security_headers};
use crate::settings::PluginDirs;
use crate::status::Status;

/// One entry of `GET /plugins`, in Headlamp's shape.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct PluginEntry {
    /// Relative to the base URL, e.g. `plugins/my-plugin`.
    pub path: String,
    /// `shipped`, `user` or `development`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The folder's name.
    pub name: String,
}

/// The three kinds of plugin folder: URL prefix, Headlamp's type name, in Headlamp's list order
/// (shipped first, development last: the UI gives later entries priority).
fn folders(dirs: &PluginDirs) -> [(&'static str, &'static str, Option<&PathBuf>); 3] {
    [
        ("static-plugins", "shipped", dirs.shipped.as_ref()),
        ("user-plugins", "user", dirs.user.as_ref()),
        ("plugins", "development", dirs.development.as_ref()),
    ]
}

pub fn configure(dirs: PluginDirs) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::new(dirs))
            .route("/plugins", web::get().to(list));
        for (prefix, _, _) in folders(&PluginDirs::default()) {
            cfg.route(
                &format!("/{prefix}/{{path:.*}}"),
                web::get().to(
                    move |request: HttpRequest,
                          path: web::Path<String>,
                          dirs: web::Data<PluginDirs>| {
                        file(request, path, dirs, prefix)
                    },
                ),
            );
        }
    }
}

async fn list(dirs: web::Data<PluginDirs>) -> HttpResponse {
    let dirs = dirs.get_ref().clone();
    let entries = web::block(move || plugin_list(&dirs))
        .await
        .unwrap_or_default();
    HttpResponse::Ok()
        .insert_header(CacheControl(vec![CacheDirective::NoCache]))
        .json(entries)
}

/// Every plugin folder (one with a `main.js`) of each configured folder, in Headlamp's order.
pub fn plugin_list(dirs: &PluginDirs) -> Vec<PluginEntry> {
    let mut entries = Vec::new();
    for (prefix, kind, dir) in folders(dirs) {
        let Some(dir) = dir else { continue };
        let Ok(read) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut names: Vec<String> = read
            .filter_map(Result::ok)
            .filter(|entry| entry.path().join("main.js").is_file())
            .filter_map(|entry| entry.file_name().into_string().ok())
            .collect();
        names.sort();
        for name in names {
            // Headlamp counts a development plugin installed from its catalog as a user plugin.
            let kind = if kind == "development" && catalog_installed(&dir.join(&name)) {
                "user"
            } else {
                kind
            };
            entries.push(PluginEntry {
                path: format!("{prefix}/{name}"),
                kind,
                name,
            });
        }
    }
    entries
}

fn catalog_installed(plugin: &Path) -> bool {
    std::fs::read(plugin.join("package.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|package| package.get("isManagedByHeadlampPlugin")?.as_bool())
        .unwrap_or(false)
}

/// A file of a plugin folder. The path is taken as the router decoded it and must be plain names
/// only ([`super::frontend::file_in`]): `..`, an absolute path or a link out of the folder is a 404.
async fn file(
    request: HttpRequest,
    path: web::Path<String>,
    dirs: web::Data<PluginDirs>,
    prefix: &'static str,
) -> HttpResponse {
    let dir = folders(&dirs)
        .into_iter()
        .find(|(name, _, _)| *name == prefix)
        .and_then(|(_, _, dir)| dir.cloned());
    let policy = HeaderValue::from_static(CONTENT_SECURITY_POLICY);
    let found = match &dir {
        Some(dir) => serve_file(&request, dir, &path, "no-cache").await,
        None => None,
    };
    match found {
        Some(response) => with_security_headers(response, policy),
        None => with_security_headers(
            Status::failure(StatusCode::NOT_FOUND, "no such plugin file").into_response(),
            policy,
        ),
    }
}
