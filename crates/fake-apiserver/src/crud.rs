//! The REST verbs on stored resources: get, list, create, update, patch, delete.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use bytes::Bytes;
use serde_json::{Value, json};

use crate::bulk::{self, BulkList};
use crate::disruption;
use crate::http::{Query, Representation, json_response, ok_json};
use crate::managed_fields::{self, Scope, Writer};
use crate::paging;
use crate::patch::{self, PatchType};
use crate::protobuf;
use crate::resources::ResourceType;
use crate::scale;
use crate::selectors::Selector;
use crate::state::Shared;
use crate::status::{self, ApiError};
use crate::store::rv_of;
use crate::table::{IncludeObject, TablePrinter, partial_metadata};

/// One request on a resource collection or object.
pub struct Target<'a> {
    pub shared: &'a Arc<Shared>,
    pub resource: &'static ResourceType,
    pub namespace: Option<&'a str>,
    pub query: &'a Query,
    pub representation: Representation,
    /// Writes through `/status` may change the status; writes of the object may not.
    pub status_subresource: bool,
}

impl Target<'_> {
    fn dry_run(&self) -> bool {
        self.query.get("dryRun").is_some_and(|v| !v.is_empty())
    }

    /// The field manager of a write: `fieldManager`, else the start of the `User-Agent`
    /// (`kubectl/v1.32.4 (linux/amd64) ...` is `kubectl`), as the API server names it.
    fn field_manager(&self, req: &HttpRequest) -> Result<String, ApiError> {
        let manager = match self.query.get("fieldManager").filter(|m| !m.is_empty()) {
            Some(manager) => manager.to_string(),
            None => req
                .headers()
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .and_then(|ua| ua.split('/').next())
                .filter(|m| !m.is_empty())
                .unwrap_or("unknown")
                .chars()
                .take(128)
                .collect(),
        };
        if manager.len() > 128 {
            return Err(options_invalid(
                "fieldManager: Invalid value: must be no more than 128 characters",
            ));
        }
        Ok(manager)
    }

    fn writer<'m>(&self, manager: &'m str) -> Writer<'m> {
        Writer {
            manager,
            scope: if self.status_subresource {
                Scope::Status
            } else {
                Scope::Main
            },
            subresource: self.status_subresource.then_some("status"),
        }
    }

    fn include(&self) -> IncludeObject {
        IncludeObject::from_query(self.query.get("includeObject"))
    }

    fn is_bulk(&self) -> bool {
        self.shared.options.bulk.is_some()
            && self.resource.plural == "configmaps"
            && self.namespace == Some(bulk::NAMESPACE)
    }

    /// One object, in the representation the client negotiated.
    fn render(&self, object: &Value) -> Value {
        match self.representation {
            Representation::Object => object.clone(),
            Representation::Table(version) => {
                let printer = TablePrinter::new(self.resource, version, self.include());
                let metadata = json!({"resourceVersion": object["metadata"]["resourceVersion"]});
                printer.table(std::slice::from_ref(object), metadata, true)
            }
            Representation::Metadata(version) => partial_metadata(object, version),
        }
    }

    pub fn get(&self, name: &str) -> Result<HttpResponse, ApiError> {
        let object = if self.is_bulk() {
            bulk::get(name, &self.shared.options)
        } else {
            self.shared
                .store
                .get(self.resource, self.namespace.unwrap_or_default(), name)
        };
        let object = object
            .ok_or_else(|| ApiError::not_found(self.resource.plural, self.resource.group, name))?;
        Ok(ok_json(&self.render(&object)))
    }

    pub fn list(&self) -> Result<HttpResponse, ApiError> {
        let selector = Selector::parse(
            self.query.get("labelSelector"),
            self.query.get("fieldSelector"),
        )?;
        let limit = match self.query.get("limit") {
            None | Some("") => None,
            Some(l) => Some(
                l.parse::<usize>()
                    .map_err(|_| ApiError::bad_request(format!("invalid limit: {l:?}")))?,
            )
            .filter(|l| *l > 0),
        };
        let after = self
            .query
            .get("continue")
            .filter(|c| !c.is_empty())
            .map(paging::decode)
            .transpose()?;
        if self.is_bulk() {
            let list = BulkList {
                selector,
                limit,
                continue_after: after.map(|(_, name)| name),
                representation: self.representation,
                include: self.include(),
            };
            return Ok(bulk::list(self.resource, &self.shared.options, list));
        }
        let (mut items, rv) = self
            .shared
            .store
            .list(self.resource, self.namespace, &selector);
        if let Some((namespace, name)) = after {
            items.retain(|item| {
                let key = (
                    item["metadata"]["namespace"].as_str().unwrap_or_default(),
                    item["metadata"]["name"].as_str().unwrap_or_default(),
                );
                key > (namespace.as_str(), name.as_str())
            });
        }
        let mut metadata = json!({"resourceVersion": rv.to_string()});
        if let Some(limit) = limit
            && items.len() > limit
        {
            let remaining = items.len() - limit;
            items.truncate(limit);
            let last = &items[limit - 1]["metadata"];
            metadata["continue"] = json!(paging::encode(
                last["namespace"].as_str().unwrap_or_default(),
                last["name"].as_str().unwrap_or_default()
            ));
            metadata["remainingItemCount"] = json!(remaining);
        }
        let body = match self.representation {
            Representation::Object => json!({
                "kind": self.resource.list_kind(),
                "apiVersion": self.resource.api_version(),
                "metadata": metadata,
                "items": items.iter().map(|i| self.list_item(i)).collect::<Vec<_>>(),
            }),
            Representation::Table(version) => {
                TablePrinter::new(self.resource, version, self.include())
                    .table(&items, metadata, true)
            }
            Representation::Metadata(version) => json!({
                "kind": "PartialObjectMetadataList",
                "apiVersion": version,
                "metadata": metadata,
                "items": items.iter().map(|i| partial_metadata(i, version)).collect::<Vec<_>>(),
            }),
        };
        Ok(ok_json(&body))
    }

    /// Built-in types' list items carry no `kind`/`apiVersion` (the list has them); custom
    /// resources, served as unstructured JSON, keep theirs.
    fn list_item(&self, item: &Value) -> Value {
        let mut item = item.clone();
        if !self.resource.is_custom()
            && let Some(map) = item.as_object_mut()
        {
            map.remove("kind");
            map.remove("apiVersion");
        }
        item
    }

    pub fn create(&self, req: &HttpRequest, body: &Bytes) -> Result<HttpResponse, ApiError> {
        let mut object = object_body(req, body, self.resource.kind)?;
        let manager = self.field_manager(req)?;
        managed_fields::record_update(self.resource, None, &mut object, &self.writer(&manager));
        let created =
            self.shared
                .store
                .create(self.resource, self.namespace, object, self.dry_run())?;
        Ok(json_response(StatusCode::CREATED, &self.render(&created)))
    }

    pub fn update(
        &self,
        req: &HttpRequest,
        name: &str,
        body: &Bytes,
    ) -> Result<HttpResponse, ApiError> {
        let mut object = object_body(req, body, self.resource.kind)?;
        let manager = self.field_manager(req)?;
        let writer = self.writer(&manager);
        let updated = self.shared.store.modify(
            self.resource,
            self.namespace,
            name,
            self.dry_run(),
            !self.status_subresource,
            |current| {
                managed_fields::record_update(self.resource, Some(current), &mut object, &writer);
                Ok(object)
            },
        )?;
        Ok(ok_json(&self.render(&updated)))
    }

    pub fn patch(
        &self,
        req: &HttpRequest,
        name: &str,
        body: &Bytes,
    ) -> Result<HttpResponse, ApiError> {
        let patch_type = PatchType::from_content_type(content_type(req))?;
        if patch_type == PatchType::Apply {
            return self.server_side_apply(name, body);
        }
        if self.query.get("force").is_some() {
            return Err(options_invalid(
                "force: Forbidden: may not be specified for non-apply patch",
            ));
        }
        let manager = self.field_manager(req)?;
        let writer = self.writer(&manager);
        let patched = self.shared.store.modify(
            self.resource,
            self.namespace,
            name,
            self.dry_run(),
            !self.status_subresource,
            |current| {
                let mut patched = patch::apply(patch_type, current, body)?;
                managed_fields::record_update(self.resource, Some(current), &mut patched, &writer);
                Ok(patched)
            },
        )?;
        Ok(ok_json(&self.render(&patched)))
    }

    /// `application/apply-patch+yaml`: creates what does not exist yet; see [`managed_fields::apply`].
    fn server_side_apply(&self, name: &str, body: &Bytes) -> Result<HttpResponse, ApiError> {
        let manager = self
            .query
            .get("fieldManager")
            .filter(|m| !m.is_empty())
            .ok_or_else(|| {
                options_invalid("fieldManager: Required value: is required for apply patch")
            })?;
        let force = self.query.flag("force");
        let config = patch::parse_apply(body)?;
        if config["metadata"]["name"]
            .as_str()
            .is_some_and(|n| !n.is_empty() && n != name)
        {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({}) does not match the name on the URL ({name})",
                config["metadata"]["name"].as_str().unwrap_or_default()
            )));
        }
        let writer = self.writer(manager);
        let store = &self.shared.store;
        let namespace = self.namespace.unwrap_or_default();
        if store.get(self.resource, namespace, name).is_none() {
            let mut object = managed_fields::apply(self.resource, None, &config, &writer, force)?;
            object["metadata"]["name"] = json!(name);
            let created = store.create(self.resource, self.namespace, object, self.dry_run())?;
            return Ok(json_response(StatusCode::CREATED, &self.render(&created)));
        }
        let applied = store.modify(
            self.resource,
            self.namespace,
            name,
            self.dry_run(),
            !self.status_subresource,
            |current| managed_fields::apply(self.resource, Some(current), &config, &writer, force),
        )?;
        Ok(ok_json(&self.render(&applied)))
    }

    pub fn get_scale(&self, name: &str) -> Result<HttpResponse, ApiError> {
        let object = self
            .shared
            .store
            .get(self.resource, self.namespace.unwrap_or_default(), name)
            .ok_or_else(|| ApiError::not_found(self.resource.plural, self.resource.group, name))?;
        Ok(ok_json(&scale::to_scale(&object)))
    }

    pub fn write_scale(
        &self,
        req: &HttpRequest,
        name: &str,
        body: &Bytes,
        is_patch: bool,
    ) -> Result<HttpResponse, ApiError> {
        let patch_type = if is_patch {
            Some(PatchType::from_content_type(content_type(req))?)
        } else {
            None
        };
        let manager = self.field_manager(req)?;
        let writer = Writer {
            manager: &manager,
            scope: Scope::Main,
            subresource: Some("scale"),
        };
        let updated = self.shared.store.modify(
            self.resource,
            self.namespace,
            name,
            self.dry_run(),
            true,
            |current| {
                let mut scaled = scale::apply(current, patch_type, body)?;
                managed_fields::record_update(self.resource, Some(current), &mut scaled, &writer);
                Ok(scaled)
            },
        )?;
        Ok(ok_json(&scale::to_scale(&updated)))
    }

    pub fn delete(&self, name: &str) -> Result<HttpResponse, ApiError> {
        let deleted =
            self.shared
                .store
                .delete(self.resource, self.namespace, name, self.dry_run())?;
        Ok(ok_json(&self.deleted_answer(&deleted)))
    }

    /// `pods/eviction`: admitted by the PodDisruptionBudgets that cover the pod (429 when one
    /// allows no disruption), then a delete, answered as the API server answers an eviction (201
    /// and a `Success` Status).
    pub fn evict(&self, name: &str) -> Result<HttpResponse, ApiError> {
        let pod = self
            .shared
            .store
            .get(self.resource, self.namespace.unwrap_or_default(), name)
            .ok_or_else(|| ApiError::not_found(self.resource.plural, self.resource.group, name))?;
        disruption::admit_eviction(&self.shared.store, &pod, self.dry_run())?;
        self.shared
            .store
            .delete(self.resource, self.namespace, name, self.dry_run())?;
        Ok(json_response(
            StatusCode::CREATED,
            &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}),
        ))
    }

    /// Objects that go through graceful deletion or finalizers are returned; others get a
    /// `Status` with `Success`, as the real registry answers.
    fn deleted_answer(&self, deleted: &Value) -> Value {
        let returns_object = self.resource.is_custom()
            || matches!(
                self.resource.kind,
                "Pod" | "Namespace" | "CustomResourceDefinition"
            );
        if returns_object {
            deleted.clone()
        } else {
            status::deleted(
                self.resource.plural,
                self.resource.group,
                deleted["metadata"]["name"].as_str().unwrap_or_default(),
                &deleted["metadata"]["uid"],
            )
        }
    }

    pub fn delete_collection(&self) -> Result<HttpResponse, ApiError> {
        let selector = Selector::parse(
            self.query.get("labelSelector"),
            self.query.get("fieldSelector"),
        )?;
        let (items, _) = self
            .shared
            .store
            .list(self.resource, self.namespace, &selector);
        let mut deleted = Vec::new();
        for item in items {
            let namespace = item["metadata"]["namespace"].as_str();
            let name = item["metadata"]["name"].as_str().unwrap_or_default();
            // Something else may have deleted it meanwhile; that is fine for a collection.
            if let Ok(object) =
                self.shared
                    .store
                    .delete(self.resource, namespace, name, self.dry_run())
            {
                deleted.push(self.list_item(&object));
            }
        }
        let rv = deleted
            .iter()
            .map(rv_of)
            .max()
            .unwrap_or_else(|| self.shared.store.current_rv());
        Ok(ok_json(&json!({
            "kind": self.resource.list_kind(),
            "apiVersion": self.resource.api_version(),
            "metadata": {"resourceVersion": rv.to_string()},
            "items": deleted,
        })))
    }
}

fn content_type(req: &HttpRequest) -> &str {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

pub fn is_protobuf(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("protobuf"))
}

/// A create or update body: JSON (what manifests are sent as) or, for the kinds kubectl's
/// imperative commands post that way, protobuf.
fn object_body(req: &HttpRequest, body: &Bytes, kind: &str) -> Result<Value, ApiError> {
    if is_protobuf(req) {
        protobuf::decode_object(kind, body)
    } else {
        json_body(req, body)
    }
}

/// A JSON object body.
pub fn json_body(req: &HttpRequest, body: &Bytes) -> Result<Value, ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json");
    if content_type.contains("protobuf") || content_type.contains("cbor") {
        return Err(ApiError::unsupported_media_type(content_type));
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!(
            "the body of the request could not be decoded as JSON: {e}"
        ))
    })?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(ApiError::bad_request(
            "the body of the request must be a JSON object",
        ))
    }
}

/// A `PatchOptions`/`CreateOptions` parameter the API server refuses.
fn options_invalid(message: &str) -> ApiError {
    ApiError::new(
        422,
        "Invalid",
        format!("PatchOptions.meta.k8s.io \"\" is invalid: {message}"),
    )
}
