//! The usual setup of a forwarding test: the fake API server with the tests' users, a kubeconfig
//! for it, and Lamplight in front, reading that kubeconfig.

use std::time::Duration;

use fake_apiserver::{FakeApiServer, FakeApiServerBuilder, RecordedRequest};
use serde_json::Value;

use crate::app::{App, AppBuilder};
use crate::kubeconfig::{CLUSTER, Cluster, Kubeconfig, KubeconfigFile, User};

/// `admin`: in `system:masters`, may impersonate; the credential of the stack's kubeconfig.
pub const ADMIN_TOKEN: &str = "admin-token";
/// `dev`: forbidden from secrets, so a test can tell whose authorization the API server applied.
pub const DEV_TOKEN: &str = "dev-token";
/// `alice`: a token an authenticating proxy might hand over.
pub const ALICE_TOKEN: &str = "alice-token";

/// The fake API server with the tests' users, recording requests, not yet started (so a test can
/// add TLS, bulk data...). Its seeded `default` namespace has pods, so lists are not empty.
pub fn fake_apiserver() -> FakeApiServerBuilder {
    FakeApiServer::builder()
        .record_requests(10_000)
        .user(ADMIN_TOKEN, "admin", &["system:masters"])
        .user(DEV_TOKEN, "dev", &["dev"])
        .user(ALICE_TOKEN, "alice", &["alice-group"])
        .forbid("dev", "secrets")
        .impersonator("admin")
        // Followed logs print a line of their own this often: short, so log tests are quick.
        .log_interval(Duration::from_millis(100))
}

/// Lamplight in front of the fake API server, which it knows as cluster [`CLUSTER`].
pub struct Stack {
    pub fake: FakeApiServer,
    pub app: App,
    pub kubeconfig: KubeconfigFile,
}

type Edit<T> = Box<dyn FnOnce(T) -> T>;

/// See [`Stack::builder`].
pub struct StackBuilder {
    fake: FakeApiServerBuilder,
    cluster: Edit<Cluster>,
    user: Option<User>,
    kubeconfig: Edit<Kubeconfig>,
    app: AppBuilder,
}

impl Stack {
    /// [`fake_apiserver`], a kubeconfig whose user is `admin`, and Lamplight with `flags` (plain
    /// HTTP, no sign-in unless the flags ask for one).
    pub async fn start(flags: &[&str]) -> Stack {
        Stack::builder().flags(flags).start().await
    }

    pub fn builder() -> StackBuilder {
        StackBuilder {
            fake: fake_apiserver(),
            cluster: Box::new(|cluster| cluster),
            user: Some(User::token(ADMIN_TOKEN)),
            kubeconfig: Box::new(|kubeconfig| kubeconfig),
            app: App::builder(),
        }
    }

    /// An URL of Lamplight's.
    pub fn url(&self, path: &str) -> String {
        self.app.url(path)
    }

    /// The URL through which Lamplight forwards `path` to the fake (`/api/v1/pods`).
    pub fn cluster_url(&self, path: &str) -> String {
        self.app.url(&format!("/clusters/{CLUSTER}{path}"))
    }

    /// The last request the fake API server received for `path` (no query).
    pub fn seen(&self, path: &str) -> RecordedRequest {
        self.fake
            .requests()
            .into_iter()
            .rev()
            .find(|request| request.path == path)
            .unwrap_or_else(|| panic!("the fake API server never saw {path}"))
    }

    /// The headers of [`Stack::seen`] (credentials as fingerprints, see `fake_apiserver::redact`).
    pub fn seen_headers(&self, path: &str) -> Vec<(String, String)> {
        self.seen(path).headers
    }

    /// Whom the fake API server took the last request for `path` to come from, after
    /// impersonation; `None` when it authenticated nobody.
    pub fn seen_user(&self, path: &str) -> Option<String> {
        self.seen(path).user
    }

    /// Whether any request for `path` reached the fake API server.
    pub fn saw(&self, path: &str) -> bool {
        self.fake
            .requests()
            .iter()
            .any(|request| request.path == path)
    }

    /// The name of the first pod in `default`, listed through Lamplight.
    pub async fn first_pod(&self) -> String {
        let mut response = self
            .app
            .client()
            .get(self.cluster_url("/api/v1/namespaces/default/pods"))
            .send()
            .await
            .expect("list the pods through Lamplight");
        let pods: Value = response.json().await.expect("a pod list");
        pods["items"][0]["metadata"]["name"]
            .as_str()
            .unwrap_or_else(|| panic!("the fake has no pod in default: {pods}"))
            .to_string()
    }
}

impl StackBuilder {
    /// Changes the fake API server before it starts (TLS, bulk data, other users...).
    pub fn fake(mut self, edit: impl FnOnce(FakeApiServerBuilder) -> FakeApiServerBuilder) -> Self {
        self.fake = edit(self.fake);
        self
    }

    /// Changes the kubeconfig's cluster entry (its CA, say).
    pub fn cluster(mut self, edit: impl FnOnce(Cluster) -> Cluster + 'static) -> Self {
        self.cluster = Box::new(edit);
        self
    }

    /// The kubeconfig's user instead of `admin`'s token.
    pub fn user(mut self, user: User) -> Self {
        self.user = Some(user);
        self
    }

    /// A kubeconfig context without a user: what reaches the API server is the caller's own
    /// credential (an OIDC session's token, kubectl's).
    pub fn anonymous(mut self) -> Self {
        self.user = None;
        self
    }

    /// Adds to the kubeconfig (more contexts, broken ones...).
    pub fn kubeconfig(mut self, edit: impl FnOnce(Kubeconfig) -> Kubeconfig + 'static) -> Self {
        self.kubeconfig = Box::new(edit);
        self
    }

    pub fn flags<S: AsRef<str>>(mut self, flags: &[S]) -> Self {
        self.app = self.app.flags(flags);
        self
    }

    /// Changes how Lamplight starts (its own TLS, a fixed port...); the kubeconfig is added.
    pub fn app(mut self, edit: impl FnOnce(AppBuilder) -> AppBuilder) -> Self {
        self.app = edit(self.app);
        self
    }

    pub async fn start(self) -> Stack {
        let fake = self
            .fake
            .start()
            .await
            .unwrap_or_else(|e| panic!("the fake API server did not start: {e}"));
        let cluster = (self.cluster)(Cluster::new(fake.url()));
        let kubeconfig = (self.kubeconfig)(Kubeconfig::single(cluster, self.user)).write();
        let app = self.app.kubeconfig(&kubeconfig).start().await;
        Stack {
            fake,
            app,
            kubeconfig,
        }
    }
}
