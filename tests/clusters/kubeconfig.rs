use lamplight::clusters::{ClusterRegistry, ClusterSource};
use lamplight::settings::Settings;
use test_support::{Ca, Cluster, Context, Kubeconfig, KubeconfigFile, User};

fn registry(flags: &[&str]) -> ClusterRegistry {
    let settings = Settings::from_flags(flags).unwrap();
    ClusterRegistry::load(&settings.clusters).unwrap()
}

/// Two working contexts, one whose CA is not a certificate, one OIDC user, and two contexts naming
/// entries that do not exist.
fn five_contexts() -> KubeconfigFile {
    Kubeconfig::new()
        .current_context("dev")
        .cluster("dev-cluster", Cluster::new("http://127.0.0.1:1"))
        .cluster(
            "prod-cluster",
            Cluster::new("https://127.0.0.1:2/k8s/clusters/c-1/").ca_data("not a cert"),
        )
        .user("dev-user", User::token("dev-token"))
        .user(
            "oidc-user",
            User::oidc(&[
                ("client-id", "x"),
                ("idp-issuer-url", "https://idp.example"),
            ]),
        )
        .context(
            "dev",
            Context::new("dev-cluster")
                .user("dev-user")
                .namespace("team-a"),
        )
        .context("prod", Context::new("prod-cluster").user("dev-user"))
        .context("oidc", Context::new("dev-cluster").user("oidc-user"))
        .context("dangling", Context::new("nowhere").user("dev-user"))
        .context("ghost-user", Context::new("dev-cluster").user("nobody"))
        .write()
}

#[test]
fn each_context_is_a_cluster_and_bad_ones_carry_their_error() {
    let kubeconfig = five_contexts();
    let path = kubeconfig.path().display().to_string();
    let registry = registry(&[&kubeconfig.flag()]);
    let names: Vec<&str> = registry.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["dev", "prod", "oidc", "dangling", "ghost-user"]);

    let dev = registry.get("dev").unwrap();
    assert!(dev.connection.is_ok(), "{:?}", dev.connection);
    assert_eq!(dev.namespace.as_deref(), Some("team-a"));
    assert!(matches!(&dev.source, ClusterSource::Kubeconfig(p) if p.display().to_string() == path));

    let prod = registry.get("prod").unwrap();
    let error = prod.connection.as_ref().unwrap_err().to_string();
    assert!(error.contains("certificate authority"), "{error}");

    assert_eq!(registry.get("oidc").unwrap().auth_type, "oidc");
    assert!(
        registry
            .get("dangling")
            .unwrap()
            .connection
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("\"nowhere\"")
    );
    assert!(
        registry
            .get("ghost-user")
            .unwrap()
            .connection
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("\"nobody\"")
    );
}

#[test]
fn skipped_contexts_are_left_out() {
    let kubeconfig = five_contexts();
    let registry = registry(&[&kubeconfig.flag(), "-skipped-kube-contexts=prod, dangling"]);
    assert!(registry.get("prod").is_none());
    assert!(registry.get("dangling").is_none());
    assert!(registry.get("dev").is_some());
}

#[test]
fn several_files_merge_and_the_first_name_wins() {
    let first = Kubeconfig::new()
        .cluster("c", Cluster::new("http://first:1"))
        .context("shared", Context::new("c"))
        .write();
    let second = Kubeconfig::new()
        .cluster("c", Cluster::new("http://second:1"))
        .context("shared", Context::new("c"))
        .context("only-b", Context::new("c"))
        .write();
    let registry = registry(&[&KubeconfigFile::flag_all([&first, &second])]);
    assert_eq!(registry.get("shared").unwrap().server, "http://first:1");
    assert_eq!(registry.get("only-b").unwrap().server, "http://second:1");
}

#[test]
fn kubeconfig_comes_from_the_environment_like_kubectl() {
    let kubeconfig = five_contexts();
    let path = kubeconfig.path().display().to_string();
    let env = vec![
        ("KUBECONFIG".to_string(), format!("/does/not/exist:{path}")),
        ("HOME".to_string(), "/nowhere".to_string()),
    ];
    let args = ["lamplight".to_string()];
    let lamplight::settings::Loaded::Run(settings) = Settings::load_from(args, env).unwrap() else {
        panic!()
    };
    assert_eq!(
        settings.clusters.kubeconfigs,
        [std::path::PathBuf::from(&path)]
    );
}

#[test]
fn a_missing_or_broken_kubeconfig_is_a_clear_startup_error() {
    let message = Settings::from_flags(&["-kubeconfig=/no/such/kubeconfig"])
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("-kubeconfig") && message.contains("/no/such/kubeconfig"),
        "{message}"
    );

    let garbage = Kubeconfig::raw("clusters: [not, a, mapping\n").write();
    let path = garbage.path().display().to_string();
    let settings = Settings::from_flags(&[&garbage.flag()]).unwrap();
    let message = ClusterRegistry::load(&settings.clusters)
        .unwrap_err()
        .to_string();
    assert!(message.contains(&path), "{message}");
}

#[test]
fn in_cluster_uses_the_mounted_service_account() {
    let dir = tempfile::tempdir().unwrap();
    // The files Kubernetes mounts into a pod: not a kubeconfig.
    std::fs::write(dir.path().join("ca.crt"), Ca::new("kubernetes").pem()).unwrap();
    std::fs::write(dir.path().join("token"), "sa-token\n").unwrap();
    std::fs::write(dir.path().join("namespace"), "lamplight\n").unwrap();
    let env = vec![
        (
            "KUBERNETES_SERVICE_HOST".to_string(),
            "10.96.0.1".to_string(),
        ),
        ("KUBERNETES_SERVICE_PORT".to_string(), "443".to_string()),
        (
            "LAMPLIGHT_SERVICE_ACCOUNT_DIR".to_string(),
            dir.path().display().to_string(),
        ),
    ];
    let args = ["lamplight", "-in-cluster", "-in-cluster-context-name=home"].map(String::from);
    let lamplight::settings::Loaded::Run(settings) = Settings::load_from(args, env).unwrap() else {
        panic!()
    };
    let registry = ClusterRegistry::load(&settings.clusters).unwrap();
    let home = registry.get("home").unwrap();
    assert_eq!(home.server, "https://10.96.0.1:443");
    assert_eq!(home.namespace.as_deref(), Some("lamplight"));
    assert!(matches!(home.source, ClusterSource::InCluster));
    assert!(home.connection.is_ok(), "{:?}", home.connection);
}

#[test]
fn in_cluster_outside_a_pod_and_misused_flags_are_refused() {
    let message = Settings::from_flags(&["-in-cluster"])
        .unwrap_err()
        .to_string();
    assert!(message.contains("KUBERNETES_SERVICE_HOST"), "{message}");
    let message = Settings::from_flags(&["-unsafe-use-service-account-token"])
        .unwrap_err()
        .to_string();
    assert!(message.contains("-in-cluster"), "{message}");
    let message = Settings::from_flags(&["-proxy-auth-impersonate"])
        .unwrap_err()
        .to_string();
    assert!(message.contains("-proxy-auth=true"), "{message}");
}
