use std::path::Path;
use std::time::{Duration, SystemTime};

use lamplight::clusters::{Credentials, ExecPlugin, TokenFile};
use secrecy::ExposeSecret;
use test_support::executable;

async fn authorization(credentials: &Credentials) -> String {
    credentials
        .authorization()
        .await
        .unwrap()
        .unwrap()
        .expose_secret()
        .to_string()
}

/// An exec plugin: an executable shell script in `dir`; its path, as `ExecPlugin` takes it.
fn script(dir: &Path, name: &str, body: &str) -> String {
    executable(dir, name, body).display().to_string()
}

fn plugin(command: String, api_version: &str) -> Credentials {
    Credentials::Exec(ExecPlugin::new(
        command,
        vec![],
        vec![],
        api_version.to_string(),
    ))
}

fn runs(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("runs"))
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

/// A plugin that counts its runs and answers a token valid for `seconds`.
fn counting_plugin(dir: &Path, api_version: &str, seconds: i64) -> String {
    let expiry = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(seconds);
    script(
        dir,
        "plugin",
        &format!(
            "echo run >> {runs}\n\
             case \"$KUBERNETES_EXEC_INFO\" in *'\"{api_version}\"'*) ;; *) echo 'no exec info' >&2; exit 1;; esac\n\
             echo '{{\"apiVersion\":\"{api_version}\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"exec-token-'$(wc -l < {runs})'\",\"expirationTimestamp\":\"{expiry}\"}}}}'",
            runs = dir.join("runs").display(),
        ),
    )
}

#[tokio::test]
async fn a_token_file_is_reread_when_it_rotates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("token");
    std::fs::write(&path, "first\n").unwrap();
    let credentials = Credentials::TokenFile(TokenFile::new(path.clone()));
    assert_eq!(authorization(&credentials).await, "Bearer first");

    std::fs::write(&path, "second").unwrap();
    let file = std::fs::File::options().write(true).open(&path).unwrap();
    file.set_modified(SystemTime::now() + Duration::from_secs(5))
        .unwrap();
    assert_eq!(authorization(&credentials).await, "Bearer second");
}

#[tokio::test]
async fn exec_plugins_v1_and_v1beta1_are_cached_until_expiry() {
    for api_version in [
        "client.authentication.k8s.io/v1",
        "client.authentication.k8s.io/v1beta1",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let credentials = plugin(counting_plugin(dir.path(), api_version, 3600), api_version);
        assert_eq!(authorization(&credentials).await, "Bearer exec-token-1");
        assert_eq!(authorization(&credentials).await, "Bearer exec-token-1");
        assert_eq!(
            runs(dir.path()),
            1,
            "{api_version}: a valid credential is reused"
        );
    }
}

#[tokio::test]
async fn an_expired_exec_credential_is_fetched_again() {
    let dir = tempfile::tempdir().unwrap();
    let api_version = "client.authentication.k8s.io/v1";
    let credentials = plugin(counting_plugin(dir.path(), api_version, -60), api_version);
    assert_eq!(authorization(&credentials).await, "Bearer exec-token-1");
    assert_eq!(authorization(&credentials).await, "Bearer exec-token-2");
    assert_eq!(runs(dir.path()), 2);
}

#[tokio::test]
async fn a_failing_plugin_reports_its_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let command = script(
        dir.path(),
        "fail",
        "echo 'error: you must be logged in to the server' >&2\nexit 3",
    );
    let error = plugin(command, "client.authentication.k8s.io/v1")
        .authorization()
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("you must be logged in"), "{error}");
    assert!(error.contains("exit status: 3"), "{error}");
}

#[tokio::test]
async fn a_hanging_plugin_times_out_instead_of_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let command = script(dir.path(), "hang", "sleep 30");
    let plugin = ExecPlugin::new(
        command,
        vec![],
        vec![],
        "client.authentication.k8s.io/v1".into(),
    )
    .with_timeout(Duration::from_millis(300));
    let started = std::time::Instant::now();
    let error = Credentials::Exec(plugin)
        .authorization()
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("no answer within"), "{error}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_plugin_with_garbage_output_is_an_error_not_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let command = script(dir.path(), "garbage", "echo hello");
    let error = plugin(command, "client.authentication.k8s.io/v1")
        .authorization()
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("not an ExecCredential"), "{error}");
}
