//! Server-side apply: YAML or JSON configurations, `managedFields` per manager, conflicts with
//! other managers (409 unless forced), and removal of what an applier stops applying.

use actix_web::http::StatusCode;
use serde_json::{Value, json};

use crate::support::*;

const APPLY: &str = "application/apply-patch+yaml";

async fn apply(
    fake: &fake_apiserver::FakeApiServer,
    query: &str,
    yaml: &str,
) -> (StatusCode, Value) {
    let request = client()
        .patch(format!(
            "{}/api/v1/namespaces/default/configmaps/ssa?{query}",
            fake.url()
        ))
        .content_type(APPLY)
        .bearer_auth(ADMIN);
    let mut response = request.send_body(yaml.to_string()).await.unwrap();
    let status = response.status();
    (status, response.json::<Value>().await.unwrap())
}

fn managers(object: &Value) -> Vec<(String, String, Value)> {
    object["metadata"]["managedFields"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|e| {
                    (
                        e["manager"].as_str().unwrap().to_string(),
                        e["operation"].as_str().unwrap().to_string(),
                        e["fieldsV1"].clone(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

const CONFIG: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n  labels:\n    team: a\ndata:\n  a: \"1\"\n  b: \"2\"\n";

#[actix_web::test]
async fn apply_creates_from_yaml_and_records_the_manager() {
    let fake = start().await;
    let (code, created) = apply(&fake, "fieldManager=alice", CONFIG).await;
    assert_eq!(code, StatusCode::CREATED, "{created}");
    assert_eq!(created["data"], json!({"a": "1", "b": "2"}));
    assert_eq!(created["metadata"]["labels"], json!({"team": "a"}));
    let entries = managers(&created);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(
        (entries[0].0.as_str(), entries[0].1.as_str()),
        ("alice", "Apply")
    );
    assert_eq!(
        entries[0].2,
        json!({"f:data": {"f:a": {}, "f:b": {}}, "f:metadata": {"f:labels": {"f:team": {}}}})
    );
    let entry = &created["metadata"]["managedFields"][0];
    assert_eq!(entry["apiVersion"], "v1");
    assert_eq!(entry["fieldsType"], "FieldsV1");
    assert!(entry["time"].as_str().unwrap().ends_with('Z'));

    // Applying the same again changes nothing: 200, and no new version is stored.
    let (code, again) = apply(&fake, "fieldManager=alice", CONFIG).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(again, created, "a no-op apply stores nothing");

    let (code, body) = apply(&fake, "", CONFIG).await;
    assert_eq!(code.as_u16(), 422, "an apply needs a field manager: {body}");
    assert_status(&body, 422, "Invalid");
    let (code, body) = apply(&fake, "fieldManager=alice", "data: [unclosed").await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{body}");
    let (code, _) = apply(&fake, "fieldManager=alice", "data:\n  a: x\n").await;
    assert_eq!(
        code,
        StatusCode::BAD_REQUEST,
        "apiVersion and kind are required"
    );
}

#[actix_web::test]
async fn another_managers_field_is_a_conflict_unless_forced() {
    let fake = start().await;
    apply(&fake, "fieldManager=alice", CONFIG).await;
    // bob changes data.a with a merge patch: he owns it now.
    let mut response = client()
        .patch(format!(
            "{}/api/v1/namespaces/default/configmaps/ssa?fieldManager=bob",
            fake.url()
        ))
        .content_type("application/merge-patch+json")
        .bearer_auth(ADMIN)
        .send_json(&json!({"data": {"a": "bob's"}}))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let patched: Value = response.json().await.unwrap();
    let entries = managers(&patched);
    assert_eq!(
        entries,
        [
            (
                "alice".into(),
                "Apply".into(),
                json!({"f:data": {"f:b": {}}, "f:metadata": {"f:labels": {"f:team": {}}}})
            ),
            (
                "bob".into(),
                "Update".into(),
                json!({"f:data": {"f:a": {}}})
            ),
        ]
    );

    let changed = CONFIG.replace("a: \"1\"", "a: \"3\"");
    let (code, conflict) = apply(&fake, "fieldManager=alice", &changed).await;
    assert_eq!(code, StatusCode::CONFLICT);
    assert_status(&conflict, 409, "Conflict");
    let message = conflict["message"].as_str().unwrap();
    assert!(
        message.starts_with("Apply failed with 1 conflict: conflict with \"bob\" using v1 at ")
            && message.ends_with(": .data.a"),
        "{message}"
    );
    assert_eq!(
        conflict["details"]["causes"][0]["reason"],
        "FieldManagerConflict"
    );
    assert_eq!(conflict["details"]["causes"][0]["field"], ".data.a");
    assert_eq!(
        fake.get("configmaps", "default", "ssa").unwrap()["data"]["a"],
        "bob's",
        "a refused apply changes nothing"
    );

    // The value bob set is no conflict: alice shares the field.
    let same = CONFIG.replace("a: \"1\"", "a: \"bob's\"");
    let (code, shared) = apply(&fake, "fieldManager=alice", &same).await;
    assert_eq!(code, StatusCode::OK, "{shared}");

    let (code, forced) = apply(&fake, "fieldManager=alice&force=true", &changed).await;
    assert_eq!(code, StatusCode::OK, "{forced}");
    assert_eq!(forced["data"]["a"], "3");
    let owners: Vec<String> = managers(&forced).into_iter().map(|(m, _, _)| m).collect();
    assert_eq!(owners, ["alice"], "bob lost his only field");
}

#[actix_web::test]
async fn fields_an_applier_stops_applying_are_removed() {
    let fake = start().await;
    apply(&fake, "fieldManager=alice", CONFIG).await;
    let without_b = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  a: \"1\"\n";
    let (code, applied) = apply(&fake, "fieldManager=alice", without_b).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(
        applied["data"],
        json!({"a": "1"}),
        "b and the label are gone"
    );
    assert_eq!(applied["metadata"].get("labels"), None, "{applied}");

    // A field another manager also owns stays when one of them lets go.
    apply(&fake, "fieldManager=alice", CONFIG).await;
    let (_, _) = apply(
        &fake,
        "fieldManager=carol",
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  b: \"2\"\n",
    )
    .await;
    let (_, applied) = apply(&fake, "fieldManager=alice", without_b).await;
    assert_eq!(
        applied["data"],
        json!({"a": "1", "b": "2"}),
        "carol still applies b"
    );
}

#[actix_web::test]
async fn kubectl_server_side_apply_conflicts_with_kubectl_create() {
    let pki = Pki::new();
    let fake = start_tls(&pki).await;
    let kubectl = Kubectl::new(&fake, &pki, Credentials::Token(ADMIN));
    kubectl
        .ok(&["create", "configmap", "made", "--from-literal=a=1"])
        .await;
    let created = fake.get("configmaps", "default", "made").unwrap();
    assert_eq!(
        created["metadata"]["managedFields"][0]["manager"],
        "kubectl-create"
    );

    let manifest = kubectl.path("made.yaml");
    std::fs::write(
        &manifest,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: made\n  namespace: default\ndata:\n  a: \"2\"\n",
    )
    .unwrap();
    let manifest = manifest.to_str().unwrap();
    let refused = kubectl
        .run(&["apply", "--server-side", "-f", manifest])
        .await;
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("conflict with \"kubectl-create\"") && stderr.contains(".data.a"),
        "{stderr}"
    );
    assert_eq!(
        fake.get("configmaps", "default", "made").unwrap()["data"]["a"],
        "1"
    );

    let out = kubectl
        .ok(&[
            "apply",
            "--server-side",
            "--force-conflicts",
            "-f",
            manifest,
        ])
        .await;
    assert_eq!(out.trim(), "configmap/made serverside-applied");
    let applied = fake.get("configmaps", "default", "made").unwrap();
    assert_eq!(applied["data"]["a"], "2");
    let entries = managers(&applied);
    assert!(
        entries.iter().any(|(m, op, fields)| m == "kubectl"
            && op == "Apply"
            && fields["f:data"]["f:a"] == json!({})),
        "{entries:?}"
    );
}
