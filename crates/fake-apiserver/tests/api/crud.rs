//! Create, update, patch and delete with the API server's status answers.

use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use serde_json::{Value, json};

use crate::support::*;

#[actix_web::test]
async fn create_update_patch_delete_with_real_status_answers() {
    let fake = start().await;
    let url = |path: &str| format!("{}/api/v1/namespaces/default/configmaps{path}", fake.url());

    let (code, created) = send(client().post(url("")), ADMIN, Some(configmap("one"))).await;
    assert_eq!(code, StatusCode::CREATED);
    let rv: u64 = created["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let (code, body) = send(client().post(url("")), ADMIN, Some(configmap("one"))).await;
    assert_eq!(code, StatusCode::CONFLICT);
    assert_status(&body, 409, "AlreadyExists");
    assert_eq!(body["message"], "configmaps \"one\" already exists");

    let generated = json!({"metadata": {"generateName": "gen-"}, "data": {}});
    let (code, body) = send(client().post(url("")), ADMIN, Some(generated)).await;
    assert_eq!(code, StatusCode::CREATED);
    let name = body["metadata"]["name"].as_str().unwrap();
    assert!(name.starts_with("gen-") && name.len() == 9, "{name}");

    let mut update = created.clone();
    update["data"]["key"] = json!("updated");
    let (code, updated) = send(client().put(url("/one")), ADMIN, Some(update.clone())).await;
    assert_eq!(code, StatusCode::OK);
    let new_rv: u64 = updated["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(new_rv > rv, "resourceVersion grows: {rv} -> {new_rv}");
    assert_eq!(updated["metadata"]["uid"], created["metadata"]["uid"]);
    let (code, body) = send(client().put(url("/one")), ADMIN, Some(update)).await;
    assert_eq!(code, StatusCode::CONFLICT, "a stale resourceVersion");
    assert_status(&body, 409, "Conflict");

    let merge = client()
        .patch(url("/one"))
        .content_type("application/merge-patch+json");
    let (code, patched) = send(
        merge,
        ADMIN,
        Some(json!({"data": {"key": null, "added": "1"}})),
    )
    .await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(patched["data"], json!({"added": "1"}));
    let json_patch = client()
        .patch(url("/one"))
        .content_type("application/json-patch+json");
    let ops = json!([{"op": "replace", "path": "/data/added", "value": "2"}]);
    let (_, patched) = send(json_patch, ADMIN, Some(ops)).await;
    assert_eq!(patched["data"]["added"], "2");

    let (code, body) = send(client().delete(url("/one")), ADMIN, None).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(body["kind"], "Status");
    assert_eq!(body["status"], "Success");
    assert_eq!(body["details"]["name"], "one");
    let (code, body) = get(&fake, "/api/v1/namespaces/default/configmaps/one", ADMIN).await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    assert_status(&body, 404, "NotFound");
    assert_eq!(body["message"], "configmaps \"one\" not found");

    let (code, body) = send(client().put(url("")), ADMIN, Some(configmap("x"))).await;
    assert_eq!(code, StatusCode::METHOD_NOT_ALLOWED);
    assert_status(&body, 405, "MethodNotAllowed");
    let (code, body) = send(
        client().post(url("")),
        ADMIN,
        Some(json!({"metadata": {"name": "Not_Valid"}})),
    )
    .await;
    assert_eq!(code.as_u16(), 422);
    assert_status(&body, 422, "Invalid");
    let bad_json = client()
        .post(url(""))
        .bearer_auth(ADMIN)
        .content_type("application/json");
    let mut response = bad_json.send_body("{not json").await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_status(&response.json::<Value>().await.unwrap(), 400, "BadRequest");
}

fn image_ids(pod: &Value) -> Vec<Value> {
    pod["status"]["containerStatuses"]
        .as_array()
        .expect("container statuses")
        .iter()
        .map(|s| s["imageID"].clone())
        .collect()
}

/// The official Python client refuses a pod whose container statuses lack `imageID`.
#[actix_web::test]
async fn container_statuses_always_carry_image_ids() {
    let fake = start().await;
    let url = format!("{}/api/v1/namespaces/default/pods", fake.url());
    let pod = json!({"metadata": {"name": "posted"},
                     "spec": {"containers": [{"name": "app", "image": "busybox:1.36"}]}});
    let (code, created) = send(client().post(&url), ADMIN, Some(pod)).await;
    assert_eq!(code, StatusCode::CREATED);
    let ids = image_ids(&created);
    assert!(
        ids[0]
            .as_str()
            .unwrap()
            .starts_with("docker.io/library/busybox@sha256:"),
        "{ids:?}"
    );

    // Through the test API, with a status that leaves it out, running and waiting.
    fake.apply(json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "applied", "namespace": "default"},
        "spec": {"containers": [{"name": "a", "image": "nginx:1.27"}, {"name": "b", "image": "envoy"}]},
        "status": {"phase": "Pending", "containerStatuses": [
            {"name": "a", "ready": true, "restartCount": 0, "state": {"running": {}}},
            {"name": "b", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "ContainerCreating"}}}]}}))
    .unwrap();
    let applied = fake.get("pods", "default", "applied").unwrap();
    let ids = image_ids(&applied);
    assert!(
        ids[0]
            .as_str()
            .unwrap()
            .starts_with("docker.io/library/nginx@sha256:")
    );
    assert_eq!(
        ids[1], "",
        "an image not pulled yet has an empty imageID, as the kubelet says"
    );

    // A client's status write without it.
    let mut status = applied.clone();
    status["status"]["containerStatuses"] = json!([{"name": "a", "image": "nginx:1.27",
        "ready": true, "restartCount": 1, "state": {"running": {}}}]);
    let (code, written) = send(
        client().put(format!("{url}/applied/status")),
        ADMIN,
        Some(status),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{written}");
    assert!(
        image_ids(&written)[0]
            .as_str()
            .unwrap()
            .contains("@sha256:")
    );

    let (_, all) = get(&fake, "/api/v1/pods", ADMIN).await;
    for pod in all["items"].as_array().unwrap() {
        assert!(
            image_ids(pod).iter().all(Value::is_string),
            "{}",
            pod["metadata"]["name"]
        );
    }
}

#[actix_web::test]
async fn the_demo_churn_keeps_a_bounded_number_of_events() {
    let fake = builder().demo_users().start().await.unwrap();
    for object in fake_apiserver::demo::workload() {
        fake.apply(object).unwrap();
    }
    fake_apiserver::demo::keep_changing(fake.objects(), Duration::from_millis(5));
    let rounds = fake_apiserver::demo::EVENTS_KEPT * 2;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, events) = get(&fake, "/api/v1/namespaces/team-a/events", ADMIN).await;
        let (_, pods) = get(&fake, "/api/v1/namespaces/team-a/pods", ADMIN).await;
        // Round r leaves a worker with r / 2 restarts.
        let rounds_done: i64 = pods["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                p["status"]["containerStatuses"][0]["restartCount"]
                    .as_i64()
                    .unwrap()
                    * 2
            })
            .max()
            .unwrap();
        let count = names(&events).len();
        assert!(
            count <= fake_apiserver::demo::EVENTS_KEPT,
            "{count} events kept"
        );
        if rounds_done as usize >= rounds {
            assert!(count >= fake_apiserver::demo::EVENTS_KEPT - 2, "{count}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the churn is too slow: {rounds_done} rounds"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}
