//! Lists: namespaces, selectors, paging, and the streamed bulk namespace.

use actix_web::http::StatusCode;
use fake_apiserver::WEB_PODS;
use serde_json::Value;

use crate::support::*;

#[actix_web::test]
async fn lists_honour_namespaces_selectors_and_limits() {
    let fake = start().await;
    let (_, all) = get(&fake, "/api/v1/pods", ADMIN).await;
    assert_eq!(all["kind"], "PodList");
    assert_eq!(all["apiVersion"], "v1");
    assert!(
        all["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .is_ok()
    );
    assert_eq!(names(&all).len(), 3);
    let (_, default) = get(&fake, "/api/v1/namespaces/default/pods", ADMIN).await;
    let mut expected = WEB_PODS.map(String::from).to_vec();
    expected.sort();
    assert_eq!(names(&default), expected);
    let pod = &default["items"][0];
    assert_eq!(pod["status"]["phase"], "Running");
    assert_eq!(pod["metadata"]["ownerReferences"][0]["kind"], "ReplicaSet");
    assert!(pod["metadata"]["uid"].is_string() && pod["metadata"]["creationTimestamp"].is_string());

    let (_, selected) = get(
        &fake,
        "/api/v1/pods?labelSelector=app%3Dweb%2Cmissing!%3Dx",
        ADMIN,
    )
    .await;
    assert_eq!(names(&selected).len(), 2);
    let (_, by_field) = get(
        &fake,
        &format!("/api/v1/pods?fieldSelector=metadata.name%3D{}", WEB_PODS[1]),
        ADMIN,
    )
    .await;
    assert_eq!(names(&by_field), [WEB_PODS[1]]);
    let (_, by_namespace) = get(
        &fake,
        "/api/v1/pods?fieldSelector=metadata.namespace%3Dkube-system",
        ADMIN,
    )
    .await;
    assert_eq!(names(&by_namespace), ["coredns-7db6d8ff4d-lk8zt"]);

    let (_, page) = get(&fake, "/api/v1/pods?limit=2", ADMIN).await;
    assert_eq!(names(&page).len(), 2);
    let token = page["metadata"]["continue"]
        .as_str()
        .expect("a continue token");
    let (_, rest) = get(
        &fake,
        &format!("/api/v1/pods?limit=2&continue={token}"),
        ADMIN,
    )
    .await;
    assert_eq!(
        names(&rest),
        ["coredns-7db6d8ff4d-lk8zt"],
        "namespace, then name order"
    );
    assert!(rest["metadata"].get("continue").is_none());
}

#[actix_web::test]
async fn bulk_configmaps_stream_as_one_valid_list() {
    let count = 20_000;
    let fake = builder().bulk_configmaps(count, 200).start().await.unwrap();
    let mut response = client()
        .get(format!("{}/api/v1/namespaces/bulk/configmaps", fake.url()))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert!(
        response.headers().get("content-length").is_none(),
        "streamed, not buffered"
    );
    let body = response.body().limit(64 * 1024 * 1024).await.unwrap();
    assert!(body.len() > count * 200);
    let list: Value = serde_json::from_slice(&body).expect("one valid JSON list");
    assert_eq!(list["kind"], "ConfigMapList");
    let listed = names(&list);
    assert_eq!(listed.len(), count);
    assert_eq!(listed[0], "bulk-000000");
    assert_eq!(listed[count - 1], format!("bulk-{:06}", count - 1));
    assert_eq!(
        list["items"][7]["data"]["payload"].as_str().unwrap().len(),
        200
    );

    let (_, page) = get(
        &fake,
        "/api/v1/namespaces/bulk/configmaps?limit=3&labelSelector=shard%3D4",
        ADMIN,
    )
    .await;
    assert_eq!(names(&page), ["bulk-000004", "bulk-000014", "bulk-000024"]);
    let token = page["metadata"]["continue"].as_str().unwrap();
    let (_, next) = get(
        &fake,
        &format!(
            "/api/v1/namespaces/bulk/configmaps?limit=1&labelSelector=shard%3D4&continue={token}"
        ),
        ADMIN,
    )
    .await;
    assert_eq!(names(&next), ["bulk-000034"]);
    let (code, one) = get(
        &fake,
        "/api/v1/namespaces/bulk/configmaps/bulk-000123",
        ADMIN,
    )
    .await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(one["data"]["index"], "123");
}
