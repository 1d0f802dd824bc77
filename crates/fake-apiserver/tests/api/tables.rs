//! Server-side printing: `meta.k8s.io` Tables with kubectl's columns.

use fake_apiserver::WEB_PODS;
use serde_json::json;

use crate::support::*;

#[actix_web::test]
async fn tables_have_kubectl_columns() {
    let fake = start().await;
    let request = client()
        .get(format!("{}/api/v1/namespaces/default/pods", fake.url()))
        .insert_header(("Accept", TABLE));
    let (_, table) = send(request, ADMIN, None).await;
    assert_eq!(table["kind"], "Table");
    assert_eq!(table["apiVersion"], "meta.k8s.io/v1");
    assert!(table["metadata"]["resourceVersion"].is_string());
    let columns: Vec<(&str, u64)> = table["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["priority"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        columns,
        [
            ("Name", 0),
            ("Ready", 0),
            ("Status", 0),
            ("Restarts", 0),
            ("Age", 0),
            ("IP", 1),
            ("Node", 1),
            ("Nominated Node", 1),
            ("Readiness Gates", 1)
        ]
    );
    assert_eq!(table["columnDefinitions"][0]["format"], "name");
    assert_eq!(table["columnDefinitions"][0]["type"], "string");
    let row = &table["rows"][0];
    assert_eq!(row["cells"][0], WEB_PODS[1], "sorted by name");
    assert_eq!(
        cells(row)[1..5],
        [json!("1/1"), json!("Running"), json!("0"), json!("5h")]
    );
    assert_eq!(row["cells"][6], "node-2");
    assert_eq!(row["object"]["kind"], "PartialObjectMetadata");
    assert_eq!(row["object"]["apiVersion"], "meta.k8s.io/v1");
    assert_eq!(row["object"]["metadata"]["name"], WEB_PODS[1]);

    let request = client()
        .get(format!(
            "{}/apis/apps/v1/namespaces/default/deployments?includeObject=Object",
            fake.url()
        ))
        .insert_header(("Accept", TABLE));
    let (_, table) = send(request, ADMIN, None).await;
    let names: Vec<&str> = table["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names[..5],
        ["Name", "Ready", "Up-to-date", "Available", "Age"]
    );
    assert_eq!(
        cells(&table["rows"][0])[..4],
        [json!("web"), json!("2/2"), json!(2), json!(2)]
    );
    assert_eq!(table["rows"][0]["object"]["kind"], "Deployment");
    assert_eq!(table["rows"][0]["object"]["spec"]["replicas"], 2);

    let request = client()
        .get(format!(
            "{}/api/v1/namespaces/default/services/web",
            fake.url()
        ))
        .insert_header(("Accept", TABLE));
    let (_, table) = send(request, ADMIN, None).await;
    assert_eq!(table["rows"].as_array().unwrap().len(), 1);
    assert_eq!(
        cells(&table["rows"][0])[..5],
        [
            json!("web"),
            json!("ClusterIP"),
            json!("10.96.12.34"),
            json!("<none>"),
            json!("80/TCP")
        ]
    );

    let request = client()
        .get(format!(
            "{}/apis/example.com/v1/namespaces/default/widgets",
            fake.url()
        ))
        .insert_header(("Accept", TABLE));
    let (_, table) = send(request, ADMIN, None).await;
    let names: Vec<&str> = table["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Name", "Age"]);
}
