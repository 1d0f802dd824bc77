//! Real kubectl against the fake over HTTPS: discovery, tables, watches, logs, apply, imperative
//! commands, auth and exec as a user would run them.

use std::process::Stdio;
use std::time::Duration;

use fake_apiserver::WEB_PODS;
use serde_json::{Value, json};

use crate::support::*;

#[actix_web::test]
async fn kubectl_gets_pods_widgets_and_all_namespaces() {
    let pki = Pki::new();
    let fake = start_tls(&pki).await;
    let kubectl = Kubectl::new(&fake, &pki, Credentials::Token(ADMIN));

    let pods = kubectl.ok(&["get", "pods"]).await;
    let header: Vec<&str> = pods.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    for pod in WEB_PODS {
        let row = pods
            .lines()
            .find(|l| l.starts_with(pod))
            .expect("each web pod is listed");
        assert_eq!(
            row.split_whitespace().collect::<Vec<_>>()[1..4],
            ["1/1", "Running", "0"]
        );
    }
    assert_eq!(
        pods.lines().count(),
        3,
        "only the default namespace: {pods}"
    );

    let wide = kubectl.ok(&["get", "pods", "-A", "-o", "wide"]).await;
    assert!(wide.starts_with("NAMESPACE"), "{wide}");
    assert!(
        wide.lines().next().unwrap().contains("IP") && wide.contains("NODE"),
        "{wide}"
    );
    let coredns = wide
        .lines()
        .find(|l| l.starts_with("kube-system"))
        .expect("kube-system pods");
    assert!(
        coredns.contains("10.244.0.2") && coredns.contains("node-1"),
        "{coredns}"
    );

    let widgets = kubectl.ok(&["get", "widgets"]).await;
    let row = widgets.lines().nth(1).expect("one widget");
    assert!(row.starts_with("blue-widget"), "{widgets}");
    assert_eq!(
        row.split_whitespace().nth(1),
        Some("120m"),
        "the age, rendered: {widgets}"
    );

    // Names kubectl must have resolved through discovery (short names, groups).
    let all = kubectl.ok(&["get", "deploy,svc,cm,no,ns"]).await;
    for expected in [
        "deployment.apps/web",
        "service/web",
        "configmap/web-config",
        "node/node-2",
        "namespace/team-a",
    ] {
        assert!(all.contains(expected), "{expected} missing from {all}");
    }
}

#[actix_web::test]
async fn kubectl_watch_prints_new_pods_and_its_watch_closes_when_killed() {
    let pki = Pki::new();
    let fake = start_tls(&pki).await;
    let kubectl = Kubectl::new(&fake, &pki, Credentials::Token(ADMIN));

    let watch = kubectl.spawn(&["get", "pods", "-w"]);
    assert!(
        watch
            .line_containing("NAME", Duration::from_secs(20))
            .await
            .contains("STATUS")
    );
    for _ in WEB_PODS {
        let line = watch
            .line(Duration::from_secs(10))
            .await
            .expect("a listed pod");
        assert!(WEB_PODS.iter().any(|p| line.starts_with(p)), "{line}");
    }
    eventually("kubectl's watch", || fake.open_watches() == 1).await;

    fake.apply(json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "late-pod", "namespace": "default"},
        "spec": {"containers": [{"name": "main", "image": "busybox"}]}}))
        .unwrap();
    let line = watch
        .line_containing("late-pod", Duration::from_secs(10))
        .await;
    assert!(line.contains("Running"), "{line}");

    drop(watch);
    eventually("the watch to close after kubectl died", || {
        fake.open_watches() == 0
    })
    .await;
}

#[actix_web::test]
async fn kubectl_follows_logs() {
    let pki = Pki::new();
    let fake = start_tls(&pki).await;
    let kubectl = Kubectl::new(&fake, &pki, Credentials::Token(ADMIN));

    let logs = kubectl.spawn(&["logs", "-f", "--tail=1", WEB_PODS[0]]);
    let first = logs
        .line(Duration::from_secs(20))
        .await
        .expect("the last stored line");
    assert!(
        first.contains("req=4"),
        "tailLines=1 gives the last line: {first}"
    );
    logs.line_containing("tick=2", Duration::from_secs(10))
        .await;
    fake.append_log("default", WEB_PODS[0], "marker from the test");
    logs.line_containing("marker from the test", Duration::from_secs(10))
        .await;
}

#[actix_web::test]
async fn kubectl_applies_twice_then_deletes() {
    let pki = Pki::new();
    let fake = start_tls(&pki).await;
    let kubectl = Kubectl::new(&fake, &pki, Credentials::Token(ADMIN));
    let manifest = kubectl.path("cm.yaml");
    let yaml = |data: &str| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  namespace: default\ndata:\n{data}"
        )
    };

    std::fs::write(&manifest, yaml("  a: \"1\"\n  gone: \"soon\"\n")).unwrap();
    let out = kubectl
        .ok(&["apply", "-f", manifest.to_str().unwrap()])
        .await;
    assert_eq!(out.trim(), "configmap/applied created");
    let stored = fake.get("configmaps", "default", "applied").unwrap();
    assert_eq!(stored["data"], json!({"a": "1", "gone": "soon"}));
    let last_applied =
        stored["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
            .as_str()
            .expect("client-side apply keeps its annotation");
    assert_eq!(
        serde_json::from_str::<Value>(last_applied).unwrap()["data"]["gone"],
        "soon"
    );

    std::fs::write(&manifest, yaml("  a: \"2\"\n  b: \"3\"\n")).unwrap();
    let out = kubectl
        .ok(&["apply", "-f", manifest.to_str().unwrap()])
        .await;
    assert_eq!(out.trim(), "configmap/applied configured");
    let stored = fake.get("configmaps", "default", "applied").unwrap();
    assert_eq!(
        stored["data"],
        json!({"a": "2", "b": "3"}),
        "the removed key is patched away"
    );
    let patch = fake
        .requests()
        .into_iter()
        .rfind(|r| r.method == "PATCH")
        .expect("the second apply patches");
    assert_eq!(
        patch.header("content-type"),
        Some("application/strategic-merge-patch+json")
    );

    let out = kubectl.ok(&["delete", "configmap", "applied"]).await;
    assert_eq!(out.trim(), "configmap \"applied\" deleted");
    assert!(fake.get("configmaps", "default", "applied").is_none());
}

/// kubectl's imperative commands post protobuf bodies; `scale` goes through `/scale`.
#[actix_web::test]
async fn kubectl_imperative_creates_and_scale() {
    let pki = Pki::new();
    let fake = start_tls(&pki).await;
    let kubectl = Kubectl::new(&fake, &pki, Credentials::Token(ADMIN));

    kubectl
        .ok(&[
            "create",
            "configmap",
            "made",
            "--from-literal=a=b",
            "--from-literal=c=d",
        ])
        .await;
    let made = fake.get("configmaps", "default", "made").unwrap();
    assert_eq!(made["data"], json!({"a": "b", "c": "d"}));
    let create = fake
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.path.ends_with("/configmaps"))
        .unwrap();
    assert_eq!(
        create.header("content-type"),
        Some("application/vnd.kubernetes.protobuf")
    );

    kubectl.ok(&["create", "namespace", "demo"]).await;
    kubectl
        .ok(&[
            "create",
            "deployment",
            "nginx",
            "--image=nginx:1.27",
            "--replicas=2",
            "--port=80",
            "-n",
            "demo",
        ])
        .await;
    let deployment = fake.get("deployments", "demo", "nginx").unwrap();
    assert_eq!(deployment["spec"]["replicas"], 2);
    assert_eq!(
        deployment["spec"]["selector"]["matchLabels"],
        json!({"app": "nginx"})
    );
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["image"], "nginx:1.27");
    assert_eq!(container["ports"], json!([{"containerPort": 80}]));

    let out = kubectl
        .ok(&["scale", "deployment", "nginx", "-n", "demo", "--replicas=5"])
        .await;
    assert_eq!(out.trim(), "deployment.apps/nginx scaled");
    let deployment = fake.get("deployments", "demo", "nginx").unwrap();
    assert_eq!(deployment["spec"]["replicas"], 5);
    assert_eq!(deployment["status"]["readyReplicas"], 5);
    let table = kubectl
        .ok(&["get", "deployment", "nginx", "-n", "demo"])
        .await;
    assert!(table.lines().nth(1).unwrap().contains("5/5"), "{table}");

    kubectl
        .ok(&["run", "tester", "--image=busybox", "--", "sleep", "3600"])
        .await;
    let pod = fake.get("pods", "default", "tester").unwrap();
    assert_eq!(
        pod["spec"]["containers"][0]["args"],
        json!(["sleep", "3600"])
    );
    assert_eq!(pod["status"]["phase"], "Running");
}

#[actix_web::test]
async fn kubectl_auth_whoami_for_token_impersonation_and_certificate() {
    let pki = Pki::new();
    let fake = start_tls(&pki).await;
    let admin = Kubectl::new(&fake, &pki, Credentials::Token(ADMIN));

    let out = admin.ok(&["auth", "whoami", "-o", "json"]).await;
    let review: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(review["status"]["userInfo"]["username"], "admin");
    assert_eq!(
        review["status"]["userInfo"]["groups"],
        json!(["system:masters", "system:authenticated"])
    );

    let out = admin
        .ok(&[
            "auth",
            "whoami",
            "--as",
            "bob",
            "--as-group",
            "qa",
            "-o",
            "json",
        ])
        .await;
    let review: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(review["status"]["userInfo"]["username"], "bob");
    assert_eq!(
        review["status"]["userInfo"]["groups"],
        json!(["qa", "system:authenticated"])
    );

    let identity = pki.client("alice", "team-x");
    let alice = Kubectl::new(&fake, &pki, Credentials::Certificate(&identity));
    let out = alice.ok(&["auth", "whoami", "-o", "json"]).await;
    let review: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(review["status"]["userInfo"]["username"], "alice");
    assert_eq!(
        review["status"]["userInfo"]["groups"],
        json!(["team-x", "system:authenticated"])
    );

    let dev = Kubectl::new(&fake, &pki, Credentials::Token(DEV));
    let refused = dev.run(&["get", "secrets"]).await;
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("Forbidden")
            && stderr.contains("User \"dev\" cannot list resource \"secrets\""),
        "{stderr}"
    );
    assert_eq!(
        dev.ok(&["auth", "can-i", "get", "pods"]).await.trim(),
        "yes"
    );
    let no = dev.run(&["auth", "can-i", "get", "secrets"]).await;
    assert_eq!(String::from_utf8_lossy(&no.stdout).trim(), "no");
    let rules = dev.ok(&["auth", "can-i", "--list"]).await;
    assert!(
        rules.lines().any(|l| l.starts_with("configmaps ")),
        "{rules}"
    );
    assert!(!rules.lines().any(|l| l.starts_with("secrets ")), "{rules}");
}

#[actix_web::test]
async fn kubectl_exec_runs_commands_over_websocket() {
    let pki = Pki::new();
    let fake = start_tls(&pki).await;
    let kubectl = Kubectl::new(&fake, &pki, Credentials::Token(ADMIN));

    let out = kubectl.ok(&["exec", WEB_PODS[0], "--", "echo", "hi"]).await;
    assert_eq!(out, "hi\n");
    let exec = fake
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/exec"))
        .expect("kubectl called exec");
    assert_eq!(
        exec.header("upgrade")
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("websocket")
    );

    let failed = kubectl
        .run(&["exec", WEB_PODS[0], "--", "sh", "-c", "exit 3"])
        .await;
    assert_eq!(failed.status.code(), Some(3));

    let mut command = kubectl.command(&["exec", "-i", WEB_PODS[1], "--", "cat"]);
    command.stdin(Stdio::piped()).stdout(Stdio::piped());
    let output = actix_web::rt::task::spawn_blocking(move || {
        let mut child = command.spawn().unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), b"typed in\n").unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stdout), "typed in\n");
}

/// Every section of a dashboard has rows: storage, networking, access control and policy kinds are
/// served with their short names and printed with kubectl's columns.
#[actix_web::test]
async fn kubectl_gets_storage_networking_access_control_and_policy_kinds() {
    let pki = Pki::new();
    let fake = start_tls(&pki).await;
    let kubectl = Kubectl::new(&fake, &pki, Credentials::Token(ADMIN));

    let header_and_row = |output: &str, name: &str| -> (Vec<String>, Vec<String>) {
        let words = |line: &str| line.split_whitespace().map(str::to_string).collect();
        let row = output
            .lines()
            .find(|l| l.split_whitespace().any(|w| w == name))
            .unwrap_or_else(|| panic!("{name} missing from {output}"));
        (words(output.lines().next().unwrap_or_default()), words(row))
    };

    let claims = kubectl.ok(&["get", "pvc", "-A"]).await;
    let (header, bound) = header_and_row(&claims, "web-cache");
    assert_eq!(
        header,
        [
            "NAMESPACE",
            "NAME",
            "STATUS",
            "VOLUME",
            "CAPACITY",
            "ACCESS",
            "MODES",
            "STORAGECLASS",
            "VOLUMEATTRIBUTESCLASS",
            "AGE"
        ]
    );
    assert_eq!(bound[2], "Bound");
    assert_eq!(
        bound[3..6],
        ["pvc-5b8e2c1a-7f3d-4e6b-9a0c-2d1f4e8b6a73", "1Gi", "RWO"]
    );
    let (_, pending) = header_and_row(&claims, "scratch");
    assert_eq!(pending[..3], ["team-a", "scratch", "Pending"]);

    let volume = kubectl.ok(&["get", "pv"]).await;
    assert!(
        volume.contains("default/web-cache"),
        "the claim is named: {volume}"
    );
    let classes = kubectl.ok(&["get", "sc"]).await;
    assert!(classes.contains("standard (default)"), "{classes}");

    let (_, ingress) = header_and_row(&kubectl.ok(&["get", "ing"]).await, "web");
    assert_eq!(
        ingress[1..5],
        ["traefik", "web.example.com", "192.168.49.2", "80,"]
    );
    let endpoints = kubectl.ok(&["get", "endpoints", "web"]).await;
    assert!(
        endpoints.contains("10.244.0.17:8080,10.244.1.18:8080"),
        "the web pods' addresses: {endpoints}"
    );
    let policies = kubectl.ok(&["get", "netpol", "-A"]).await;
    assert!(
        policies.contains("app=web") && policies.contains("<none>"),
        "{policies}"
    );

    let bindings = kubectl
        .ok(&["get", "rolebindings", "-A", "-o", "wide"])
        .await;
    let (_, team) = header_and_row(&bindings, "team-a-edit");
    assert_eq!(team[2], "ClusterRole/edit");
    assert!(
        team.contains(&"team-a".to_string()),
        "the group subject: {bindings}"
    );
    let accounts = kubectl.ok(&["get", "sa", "-A"]).await;
    for namespace in ["default", "kube-system", "team-a"] {
        assert!(
            accounts
                .lines()
                .any(|l| l.starts_with(namespace) && l.contains(" default ")),
            "each namespace has its default service account: {accounts}"
        );
    }

    let (_, hpa) = header_and_row(&kubectl.ok(&["get", "hpa"]).await, "web");
    assert_eq!(hpa[1..4], ["Deployment/web", "cpu:", "23%/70%"]);
    let (_, pdb) = header_and_row(&kubectl.ok(&["get", "pdb"]).await, "web");
    assert_eq!(pdb[1..4], ["1", "N/A", "1"]);
    let quota = kubectl.ok(&["get", "quota", "-n", "team-a"]).await;
    assert!(
        quota.contains("requests.cpu: 0/4") && quota.contains("limits.cpu: 0/8"),
        "{quota}"
    );

    // kubectl creates these imperatively in protobuf: decoded, stored and listed like any other.
    kubectl
        .ok(&["create", "serviceaccount", "builder", "-n", "team-a"])
        .await;
    kubectl
        .ok(&[
            "create",
            "role",
            "pod-reader",
            "--verb=get,list",
            "--resource=pods",
            "-n",
            "team-a",
        ])
        .await;
    kubectl
        .ok(&[
            "create",
            "rolebinding",
            "builder-reads-pods",
            "--role=pod-reader",
            "--serviceaccount=team-a:builder",
            "--user=alice",
            "-n",
            "team-a",
        ])
        .await;
    let role = kubectl
        .ok(&["get", "role", "pod-reader", "-n", "team-a", "-o", "json"])
        .await;
    let role: Value = serde_json::from_str(&role).unwrap();
    assert_eq!(
        role["rules"],
        json!([{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}])
    );
    let binding = kubectl
        .ok(&[
            "get",
            "rolebinding",
            "builder-reads-pods",
            "-n",
            "team-a",
            "-o",
            "wide",
        ])
        .await;
    let (_, row) = header_and_row(&binding, "builder-reads-pods");
    assert_eq!(row[1], "Role/pod-reader");
    assert!(
        row.contains(&"alice".to_string()) && row.contains(&"team-a/builder".to_string()),
        "{binding}"
    );
}
