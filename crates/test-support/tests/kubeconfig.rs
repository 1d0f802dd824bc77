//! The kubeconfig builder against the reference reader: kubectl keeps the fields it knows and drops
//! the others, so a misspelled field shows up here as a missing one.

use std::process::Command;

use base64::Engine;
use serde_json::{Value, json};
use test_support::{
    CLUSTER, Ca, Cluster, Context, Exec, Kubeconfig, KubeconfigFile, User, executable,
};

/// What kubectl makes of the file: `kubectl config view --raw -o json`.
fn kubectl_view(file: &KubeconfigFile) -> Value {
    let output = Command::new("kubectl")
        .args(["config", "view", "--raw", "-o", "json"])
        .arg(format!("--kubeconfig={}", file.path().display()))
        .env_remove("KUBECONFIG")
        .output()
        .expect("kubectl runs (tests/run installs it)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("kubectl prints JSON")
}

/// The `cluster`, `user` or `context` body of the named entry of `list`.
fn entry<'a>(view: &'a Value, list: &str, name: &str) -> &'a Value {
    let body = &list[..list.len() - 1];
    let entry = view[list]
        .as_array()
        .and_then(|entries| entries.iter().find(|entry| entry["name"] == name))
        .unwrap_or_else(|| panic!("no {list} entry {name}: {view}"));
    &entry[body]
}

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

#[test]
fn every_cluster_field_reaches_kubectl() {
    let ca = Ca::new("a CA");
    let file = Kubeconfig::new()
        .cluster(
            "data",
            Cluster::new("https://10.0.0.1:6443")
                .ca_data(ca.pem())
                .tls_server_name("kubernetes.internal")
                .proxy_url("http://proxy.internal:3128"),
        )
        .cluster(
            "file",
            Cluster::new("https://10.0.0.2:6443")
                .ca_file("/etc/ca.crt")
                .insecure_skip_tls_verify(),
        )
        .write();
    let view = kubectl_view(&file);
    assert_eq!(
        entry(&view, "clusters", "data"),
        &json!({
            "server": "https://10.0.0.1:6443",
            "certificate-authority-data": b64(ca.pem()),
            "tls-server-name": "kubernetes.internal",
            "proxy-url": "http://proxy.internal:3128",
        })
    );
    assert_eq!(
        entry(&view, "clusters", "file"),
        &json!({
            "server": "https://10.0.0.2:6443",
            "certificate-authority": "/etc/ca.crt",
            "insecure-skip-tls-verify": true,
        })
    );
}

#[test]
fn every_user_field_reaches_kubectl() {
    let client = Ca::new("client CA").client_cert("alice", Some("dev"));
    let file = Kubeconfig::new()
        .user("token", User::token("t0ken"))
        .user("token-file", User::token_file("/var/run/token"))
        .user("cert-data", User::client_certificate_data(&client))
        .user(
            "cert-files",
            User::client_certificate_files("client.crt", "client.key"),
        )
        .user(
            "exec-v1",
            User::exec(Exec::v1("/usr/bin/plugin").arg("--flag").env("K", "V")),
        )
        .user("exec-v1beta1", User::exec(Exec::v1beta1("/usr/bin/other")))
        .user(
            "oidc",
            User::oidc(&[
                ("client-id", "lamplight"),
                ("idp-issuer-url", "https://idp"),
            ]),
        )
        .user("basic", User::basic("admin", "secret"))
        .user("nobody", User::none())
        .write();
    let view = kubectl_view(&file);
    let user = |name| entry(&view, "users", name);
    assert_eq!(user("token"), &json!({"token": "t0ken"}));
    assert_eq!(user("token-file"), &json!({"tokenFile": "/var/run/token"}));
    assert_eq!(
        user("cert-data"),
        &json!({
            "client-certificate-data": b64(&client.cert_pem),
            "client-key-data": b64(&client.key_pem),
        })
    );
    assert_eq!(
        user("cert-files"),
        &json!({"client-certificate": "client.crt", "client-key": "client.key"})
    );
    let exec = &user("exec-v1")["exec"];
    assert_eq!(exec["apiVersion"], "client.authentication.k8s.io/v1");
    assert_eq!(exec["command"], "/usr/bin/plugin");
    assert_eq!(exec["args"], json!(["--flag"]));
    assert_eq!(exec["env"], json!([{"name": "K", "value": "V"}]));
    assert_eq!(exec["interactiveMode"], "Never");
    assert_eq!(
        user("exec-v1beta1")["exec"]["apiVersion"],
        "client.authentication.k8s.io/v1beta1"
    );
    assert_eq!(
        user("oidc"),
        &json!({"auth-provider": {"name": "oidc", "config": {"client-id": "lamplight", "idp-issuer-url": "https://idp"}}})
    );
    assert_eq!(
        user("basic"),
        &json!({"username": "admin", "password": "secret"})
    );
    assert_eq!(user("nobody"), &json!({}));
}

#[test]
fn contexts_name_what_they_are_given_even_if_it_is_missing() {
    let file = Kubeconfig::single("http://127.0.0.1:1", None)
        .context(
            "dangling",
            Context::new("nowhere").user("nobody").namespace("team-a"),
        )
        .write();
    let view = kubectl_view(&file);
    assert_eq!(view["current-context"], CLUSTER);
    assert_eq!(entry(&view, "contexts", CLUSTER)["cluster"], CLUSTER);
    assert_eq!(
        entry(&view, "contexts", "dangling"),
        &json!({"cluster": "nowhere", "user": "nobody", "namespace": "team-a"})
    );
    assert_eq!(
        entry(&view, "clusters", CLUSTER)["server"],
        "http://127.0.0.1:1"
    );
}

#[test]
fn single_names_its_user_in_its_context() {
    let view =
        kubectl_view(&Kubeconfig::single("http://127.0.0.1:1", Some(User::token("t"))).write());
    let user = entry(&view, "contexts", CLUSTER)["user"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(entry(&view, "users", &user), &json!({"token": "t"}));
}

#[test]
fn an_exec_script_is_written_beside_the_kubeconfig_and_runs() {
    let file = Kubeconfig::new()
        .user(
            "plugin",
            User::exec(Exec::v1_script("echo from-the-script")),
        )
        .write();
    let view = kubectl_view(&file);
    let command = entry(&view, "users", "plugin")["exec"]["command"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        command.starts_with(file.dir().to_str().unwrap()),
        "{command}"
    );
    let output = Command::new(&command).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "from-the-script\n");
}

#[test]
fn companion_files_raw_text_and_several_files() {
    let file = Kubeconfig::new().file("ca.crt", "PEM").write();
    assert_eq!(
        std::fs::read_to_string(file.dir().join("ca.crt")).unwrap(),
        "PEM"
    );

    let garbage = Kubeconfig::raw("clusters: [not, a, mapping\n").write();
    assert_eq!(
        std::fs::read_to_string(garbage.path()).unwrap(),
        "clusters: [not, a, mapping\n"
    );

    assert_eq!(
        KubeconfigFile::flag_all([&file, &garbage]),
        format!(
            "-kubeconfig={}:{}",
            file.path().display(),
            garbage.path().display()
        )
    );
    assert_eq!(
        file.flag(),
        format!("-kubeconfig={}", file.path().display())
    );
}

#[test]
fn executable_writes_a_shell_script() {
    let dir = tempfile::tempdir().unwrap();
    let script = executable(dir.path(), "hello", "echo hello \"$1\"");
    let output = Command::new(&script).arg("world").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "hello world\n");
}
