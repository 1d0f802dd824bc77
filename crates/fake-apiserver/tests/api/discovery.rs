//! Discovery documents: /version, /api, /apis, the resource lists, the root.

use actix_web::http::StatusCode;
use serde_json::json;

use crate::support::*;

#[actix_web::test]
async fn discovery_documents() {
    let fake = start().await;
    let (_, version) = get(&fake, "/version", ADMIN).await;
    assert_eq!(version["major"], "1");
    assert!(version["gitVersion"].as_str().unwrap().starts_with("v1."));

    let (_, core) = get(&fake, "/api/v1", ADMIN).await;
    assert_eq!(core["kind"], "APIResourceList");
    let pods = core["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "pods")
        .unwrap();
    assert_eq!(pods["shortNames"], json!(["po"]));
    assert_eq!(pods["namespaced"], true);
    assert!(pods["verbs"].as_array().unwrap().contains(&json!("watch")));
    let nodes = core["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "nodes")
        .unwrap();
    assert_eq!(nodes["namespaced"], false);

    let (_, groups) = get(&fake, "/apis", ADMIN).await;
    let group_names: Vec<&str> = groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    for group in [
        "apps",
        "apiextensions.k8s.io",
        "example.com",
        "authentication.k8s.io",
    ] {
        assert!(group_names.contains(&group), "{group} in {group_names:?}");
    }
    let (_, widgets) = get(&fake, "/apis/example.com/v1", ADMIN).await;
    assert_eq!(widgets["groupVersion"], "example.com/v1");
    assert_eq!(widgets["resources"][0]["kind"], "Widget");

    let (_, root) = get(&fake, "/", ADMIN).await;
    let paths = root["paths"].as_array().unwrap();
    assert!(paths.contains(&json!("/apis/example.com/v1")) && paths.contains(&json!("/version")));

    let (code, body) = get(&fake, "/apis/nothing.example/v1", ADMIN).await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    assert_status(&body, 404, "NotFound");
}
