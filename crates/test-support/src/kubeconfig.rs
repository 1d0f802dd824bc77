//! Kubeconfig files built from named parts, so no test spells the format by hand: a test says which
//! cluster, user and context it needs (broken ones included), and the field names are kubectl's,
//! written once here and checked against kubectl itself in this crate's tests.
//!
//! The file is JSON, which is YAML: kubectl and the kube crate read it, and there is no indentation
//! to get wrong.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use serde_json::{Map, Value, json};
use tempfile::TempDir;

use crate::pki::Issued;

/// The name of the cluster (and of its context) in [`Kubeconfig::single`]: Lamplight names
/// clusters after contexts, so requests go to `/clusters/fake/...`.
pub const CLUSTER: &str = "fake";

/// The exec credential plugin API versions client-go speaks.
const EXEC_V1: &str = "client.authentication.k8s.io/v1";
const EXEC_V1BETA1: &str = "client.authentication.k8s.io/v1beta1";

/// A kubeconfig to be written: clusters, users and contexts by name, in the order given.
#[derive(Clone, Debug, Default)]
pub struct Kubeconfig {
    clusters: Vec<(String, Cluster)>,
    users: Vec<(String, User)>,
    contexts: Vec<(String, Context)>,
    current_context: Option<String>,
    files: Vec<(String, Vec<u8>)>,
    raw: Option<String>,
}

/// A `clusters[].cluster` entry.
#[derive(Clone, Debug)]
pub struct Cluster {
    server: String,
    certificate_authority: Option<FileOrData>,
    insecure_skip_tls_verify: bool,
    tls_server_name: Option<String>,
    proxy_url: Option<String>,
}

/// A `users[].user` entry: one way to authenticate, or none.
#[derive(Clone, Debug)]
pub struct User(Credential);

#[derive(Clone, Debug)]
enum Credential {
    None,
    Token(String),
    TokenFile(PathBuf),
    ClientCertificate {
        cert: FileOrData,
        key: FileOrData,
    },
    Exec(Exec),
    AuthProvider {
        name: String,
        config: Vec<(String, String)>,
    },
    Basic {
        username: String,
        password: String,
    },
}

/// PEM given inline (written base64-encoded as `...-data`) or as a path.
#[derive(Clone, Debug)]
enum FileOrData {
    Data(String),
    File(PathBuf),
}

/// An exec credential plugin (`users[].user.exec`).
#[derive(Clone, Debug)]
pub struct Exec {
    api_version: String,
    command: ExecCommand,
    args: Vec<String>,
    env: Vec<(String, String)>,
    interactive_mode: String,
}

#[derive(Clone, Debug)]
enum ExecCommand {
    Path(PathBuf),
    /// A shell script written next to the kubeconfig when it is written.
    Script(String),
}

/// A `contexts[].context` entry. Its cluster and user are names, which need not exist: a context
/// naming a missing entry is what the broken-kubeconfig tests are about.
#[derive(Clone, Debug)]
pub struct Context {
    cluster: String,
    user: Option<String>,
    namespace: Option<String>,
}

/// A kubeconfig on disk, in a temporary directory of its own that lives as long as any clone.
#[derive(Clone, Debug)]
pub struct KubeconfigFile {
    dir: Arc<TempDir>,
    path: PathBuf,
}

impl Kubeconfig {
    pub fn new() -> Self {
        Kubeconfig::default()
    }

    /// One cluster (a server URL or a [`Cluster`]) and its context, both named [`CLUSTER`], the
    /// current context; with `user` (named `lamplight`) when given. Without one the context has no
    /// user, and the API server sees whatever credential the caller sends.
    pub fn single(cluster: impl Into<Cluster>, user: Option<User>) -> Self {
        let config = Kubeconfig::new().cluster(CLUSTER, cluster.into());
        let config = match user {
            Some(user) => config
                .user("lamplight", user)
                .context(CLUSTER, Context::new(CLUSTER).user("lamplight")),
            None => config.context(CLUSTER, Context::new(CLUSTER)),
        };
        config.current_context(CLUSTER)
    }

    /// A file with exactly this text, for tests of what a broken kubeconfig does.
    pub fn raw(text: &str) -> Self {
        Kubeconfig {
            raw: Some(text.to_string()),
            ..Kubeconfig::default()
        }
    }

    pub fn cluster(mut self, name: &str, cluster: Cluster) -> Self {
        self.clusters.push((name.to_string(), cluster));
        self
    }

    pub fn user(mut self, name: &str, user: User) -> Self {
        self.users.push((name.to_string(), user));
        self
    }

    pub fn context(mut self, name: &str, context: Context) -> Self {
        self.contexts.push((name.to_string(), context));
        self
    }

    pub fn current_context(mut self, name: &str) -> Self {
        self.current_context = Some(name.to_string());
        self
    }

    /// A file written beside the kubeconfig: relative paths in a kubeconfig resolve against its
    /// folder (as kubectl does), and a test may check that they do.
    pub fn file(mut self, name: &str, contents: impl AsRef<[u8]>) -> Self {
        self.files
            .push((name.to_string(), contents.as_ref().to_vec()));
        self
    }

    /// Writes the kubeconfig (named `config`) and its companion files into a new temporary
    /// directory.
    pub fn write(&self) -> KubeconfigFile {
        let dir = tempfile::Builder::new()
            .prefix("kubeconfig-")
            .tempdir()
            .expect("a temporary directory");
        for (name, contents) in &self.files {
            write_file(&dir.path().join(name), contents);
        }
        let text = match &self.raw {
            Some(raw) => raw.clone(),
            None => {
                let document = self.document(dir.path());
                serde_json::to_string_pretty(&document).expect("JSON serializes")
            }
        };
        let path = dir.path().join("config");
        write_file(&path, text.as_bytes());
        KubeconfigFile {
            dir: Arc::new(dir),
            path,
        }
    }

    /// The kubeconfig document; exec scripts are written into `dir`.
    fn document(&self, dir: &Path) -> Value {
        let clusters: Vec<Value> = self
            .clusters
            .iter()
            .map(|(name, cluster)| json!({"name": name, "cluster": cluster.to_json()}))
            .collect();
        let users: Vec<Value> = self
            .users
            .iter()
            .enumerate()
            .map(|(index, (name, user))| {
                let script = dir.join(format!("exec-plugin-{index}"));
                json!({"name": name, "user": user.to_json(&script)})
            })
            .collect();
        let contexts: Vec<Value> = self
            .contexts
            .iter()
            .map(|(name, context)| json!({"name": name, "context": context.to_json()}))
            .collect();
        let mut document = json!({
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": clusters,
            "users": users,
            "contexts": contexts,
        });
        if let Some(current) = &self.current_context {
            document["current-context"] = json!(current);
        }
        document
    }
}

impl Cluster {
    pub fn new(server: &str) -> Self {
        Cluster {
            server: server.to_string(),
            certificate_authority: None,
            insecure_skip_tls_verify: false,
            tls_server_name: None,
            proxy_url: None,
        }
    }

    /// `certificate-authority-data`: this PEM (or any text, for a broken CA), base64-encoded.
    pub fn ca_data(mut self, pem: &str) -> Self {
        self.certificate_authority = Some(FileOrData::Data(pem.to_string()));
        self
    }

    /// `certificate-authority`: a path, absolute or relative to the kubeconfig's folder.
    pub fn ca_file(mut self, path: impl AsRef<Path>) -> Self {
        self.certificate_authority = Some(FileOrData::File(path.as_ref().to_path_buf()));
        self
    }

    pub fn insecure_skip_tls_verify(mut self) -> Self {
        self.insecure_skip_tls_verify = true;
        self
    }

    pub fn tls_server_name(mut self, name: &str) -> Self {
        self.tls_server_name = Some(name.to_string());
        self
    }

    pub fn proxy_url(mut self, url: &str) -> Self {
        self.proxy_url = Some(url.to_string());
        self
    }

    fn to_json(&self) -> Value {
        let mut cluster = Map::new();
        cluster.insert("server".into(), json!(self.server));
        if let Some(ca) = &self.certificate_authority {
            ca.insert_into(&mut cluster, "certificate-authority");
        }
        if self.insecure_skip_tls_verify {
            cluster.insert("insecure-skip-tls-verify".into(), json!(true));
        }
        if let Some(name) = &self.tls_server_name {
            cluster.insert("tls-server-name".into(), json!(name));
        }
        if let Some(url) = &self.proxy_url {
            cluster.insert("proxy-url".into(), json!(url));
        }
        Value::Object(cluster)
    }
}

impl From<&str> for Cluster {
    fn from(server: &str) -> Self {
        Cluster::new(server)
    }
}

impl User {
    /// `user: {}`: no credentials at all.
    pub fn none() -> Self {
        User(Credential::None)
    }

    pub fn token(token: &str) -> Self {
        User(Credential::Token(token.to_string()))
    }

    /// `tokenFile`: read by the client, and re-read as it rotates.
    pub fn token_file(path: impl AsRef<Path>) -> Self {
        User(Credential::TokenFile(path.as_ref().to_path_buf()))
    }

    /// `client-certificate-data` and `client-key-data`.
    pub fn client_certificate_data(issued: &Issued) -> Self {
        User(Credential::ClientCertificate {
            cert: FileOrData::Data(issued.cert_pem.clone()),
            key: FileOrData::Data(issued.key_pem.clone()),
        })
    }

    /// `client-certificate` and `client-key`: paths, absolute or relative to the kubeconfig.
    pub fn client_certificate_files(cert: impl AsRef<Path>, key: impl AsRef<Path>) -> Self {
        User(Credential::ClientCertificate {
            cert: FileOrData::File(cert.as_ref().to_path_buf()),
            key: FileOrData::File(key.as_ref().to_path_buf()),
        })
    }

    pub fn exec(exec: Exec) -> Self {
        User(Credential::Exec(exec))
    }

    /// `auth-provider: {name: oidc, config: ...}` with these `config` keys (`client-id`,
    /// `client-secret`, `idp-issuer-url`, `extra-scopes`...).
    pub fn oidc(config: &[(&str, &str)]) -> Self {
        User(Credential::AuthProvider {
            name: "oidc".to_string(),
            config: config
                .iter()
                .map(|(key, value)| (key.to_string(), value.to_string()))
                .collect(),
        })
    }

    /// `username` and `password`.
    pub fn basic(username: &str, password: &str) -> Self {
        User(Credential::Basic {
            username: username.to_string(),
            password: password.to_string(),
        })
    }

    fn to_json(&self, script_path: &Path) -> Value {
        let mut user = Map::new();
        match &self.0 {
            Credential::None => {}
            Credential::Token(token) => {
                user.insert("token".into(), json!(token));
            }
            Credential::TokenFile(path) => {
                user.insert("tokenFile".into(), json!(path));
            }
            Credential::ClientCertificate { cert, key } => {
                cert.insert_into(&mut user, "client-certificate");
                key.insert_into(&mut user, "client-key");
            }
            Credential::Exec(exec) => {
                user.insert("exec".into(), exec.to_json(script_path));
            }
            Credential::AuthProvider { name, config } => {
                let config: Map<String, Value> = config
                    .iter()
                    .map(|(key, value)| (key.clone(), json!(value)))
                    .collect();
                user.insert(
                    "auth-provider".into(),
                    json!({"name": name, "config": config}),
                );
            }
            Credential::Basic { username, password } => {
                user.insert("username".into(), json!(username));
                user.insert("password".into(), json!(password));
            }
        }
        Value::Object(user)
    }
}

impl Exec {
    /// A plugin speaking `client.authentication.k8s.io/v1`.
    pub fn v1(command: impl AsRef<Path>) -> Self {
        Exec::new(EXEC_V1, ExecCommand::Path(command.as_ref().to_path_buf()))
    }

    /// A plugin speaking `client.authentication.k8s.io/v1beta1`.
    pub fn v1beta1(command: impl AsRef<Path>) -> Self {
        Exec::new(
            EXEC_V1BETA1,
            ExecCommand::Path(command.as_ref().to_path_buf()),
        )
    }

    /// A `v1` plugin that is this `/bin/sh` script, written beside the kubeconfig.
    pub fn v1_script(body: &str) -> Self {
        Exec::new(EXEC_V1, ExecCommand::Script(body.to_string()))
    }

    /// A `v1beta1` plugin that is this `/bin/sh` script, written beside the kubeconfig.
    pub fn v1beta1_script(body: &str) -> Self {
        Exec::new(EXEC_V1BETA1, ExecCommand::Script(body.to_string()))
    }

    fn new(api_version: &str, command: ExecCommand) -> Self {
        Exec {
            api_version: api_version.to_string(),
            command,
            args: Vec::new(),
            env: Vec::new(),
            // A dashboard has no terminal to prompt on; kubectl insists on the field for v1.
            interactive_mode: "Never".to_string(),
        }
    }

    pub fn arg(mut self, arg: &str) -> Self {
        self.args.push(arg.to_string());
        self
    }

    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_string(), value.to_string()));
        self
    }

    fn to_json(&self, script_path: &Path) -> Value {
        let command = match &self.command {
            ExecCommand::Path(path) => path.clone(),
            ExecCommand::Script(body) => executable_at(script_path, body),
        };
        let env: Vec<Value> = self
            .env
            .iter()
            .map(|(name, value)| json!({"name": name, "value": value}))
            .collect();
        let mut exec = json!({
            "apiVersion": self.api_version,
            "command": command,
            "interactiveMode": self.interactive_mode,
        });
        if !self.args.is_empty() {
            exec["args"] = json!(self.args);
        }
        if !env.is_empty() {
            exec["env"] = json!(env);
        }
        exec
    }
}

impl Context {
    pub fn new(cluster: &str) -> Self {
        Context {
            cluster: cluster.to_string(),
            user: None,
            namespace: None,
        }
    }

    pub fn user(mut self, user: &str) -> Self {
        self.user = Some(user.to_string());
        self
    }

    pub fn namespace(mut self, namespace: &str) -> Self {
        self.namespace = Some(namespace.to_string());
        self
    }

    fn to_json(&self) -> Value {
        let mut context = json!({"cluster": self.cluster});
        if let Some(user) = &self.user {
            context["user"] = json!(user);
        }
        if let Some(namespace) = &self.namespace {
            context["namespace"] = json!(namespace);
        }
        context
    }
}

impl FileOrData {
    /// `{field}-data` (base64) or `{field}` (a path).
    fn insert_into(&self, entry: &mut Map<String, Value>, field: &str) {
        match self {
            FileOrData::Data(pem) => {
                let encoded = base64::engine::general_purpose::STANDARD.encode(pem);
                entry.insert(format!("{field}-data"), json!(encoded));
            }
            FileOrData::File(path) => {
                entry.insert(field.to_string(), json!(path));
            }
        }
    }
}

impl KubeconfigFile {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The kubeconfig's folder, where its companion files are.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `-kubeconfig=PATH`.
    pub fn flag(&self) -> String {
        KubeconfigFile::flag_all([self])
    }

    /// `-kubeconfig=A:B...`: several files, merged in order.
    pub fn flag_all<'a>(files: impl IntoIterator<Item = &'a KubeconfigFile>) -> String {
        let paths: Vec<String> = files
            .into_iter()
            .map(|file| file.path.display().to_string())
            .collect();
        format!("-kubeconfig={}", paths.join(":"))
    }
}

/// An executable `/bin/sh` script `dir/name` with this body: an exec credential plugin, say.
pub fn executable(dir: &Path, name: &str, body: &str) -> PathBuf {
    executable_at(&dir.join(name), body)
}

fn executable_at(path: &Path, body: &str) -> PathBuf {
    write_file(path, format!("#!/bin/sh\n{body}\n").as_bytes());
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
    path.to_path_buf()
}

fn write_file(path: &Path, contents: &[u8]) {
    std::fs::write(path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}
