//! The npm `oidc-provider` as a child process, with dynamic client registration.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

pub struct Idp {
    child: Child,
    pub issuer: String,
}

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Client {
    pub id: String,
    pub secret: String,
}

impl Idp {
    /// Starts the provider; `env` sets token lifetimes (`ID_TOKEN_TTL`...) or `PORT`.
    pub fn start(env: &[(&str, &str)]) -> Idp {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oidc/provider.mjs");
        assert!(
            std::path::Path::new(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/oidc/node_modules/oidc-provider"
            ))
            .exists(),
            "run `npm ci --prefix tests/oidc` first (tests/run does)"
        );
        let mut child = Command::new("node")
            .arg(script)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let issuer = line
            .trim()
            .strip_prefix("issuer ")
            .unwrap_or_else(|| panic!("provider said {line:?}"))
            .to_string();
        Idp { child, issuer }
    }

    /// Registers a client (RFC 7591) with these redirect URIs.
    pub async fn register(
        &self,
        redirect_uris: &[String],
        post_logout: &[String],
        refresh: bool,
    ) -> Client {
        let grants = if refresh {
            json!(["authorization_code", "refresh_token"])
        } else {
            json!(["authorization_code"])
        };
        let mut response = awc::Client::new()
            .post(format!("{}/reg", self.issuer))
            .send_json(&json!({
                "redirect_uris": redirect_uris,
                "post_logout_redirect_uris": post_logout,
                "grant_types": grants,
                "response_types": ["code"],
            }))
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        assert_eq!(response.status(), 201, "{body}");
        Client {
            id: body["client_id"].as_str().unwrap().into(),
            secret: body["client_secret"].as_str().unwrap().into(),
        }
    }
}
