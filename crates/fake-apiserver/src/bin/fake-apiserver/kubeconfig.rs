//! `--kubeconfig-out`: a kubeconfig pointing at this server, so harnesses need not write one.
//!
//! Written as JSON, which every kubeconfig reader takes (it is YAML too), to a temporary file
//! renamed into place with mode 0600 (it may hold a token): a reader never sees half of it.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

use crate::cli::KubeconfigOut;

pub fn document(out: &KubeconfigOut, server: &str) -> Value {
    let mut cluster = json!({"server": server});
    if let Some(ca) = &out.ca_pem {
        cluster["certificate-authority-data"] = json!(BASE64.encode(ca));
    }
    let user = match &out.token {
        Some(token) => json!({"token": token}),
        None => json!({}),
    };
    let name = &out.context;
    json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": cluster}],
        "users": [{"name": name, "user": user}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name, "namespace": "default"}}],
        "current-context": name,
    })
}

pub fn write(out: &KubeconfigOut, server: &str) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(&document(out, server))?;
    let file_name = out
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "kubeconfig".into());
    let temporary = out
        .path
        .with_file_name(format!(".{file_name}.{}.tmp", std::process::id()));
    write_private(&temporary, text.as_bytes())?;
    std::fs::rename(&temporary, &out.path)
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.write_all(b"\n")?;
    file.sync_all()
}
