//! Requests Lamplight makes to a cluster on a caller's behalf (Headlamp's node drain): the same
//! credentials [`identity::apply`] gives the caller's own forwarded requests, the same clients,
//! nothing kept once the answer is back.

use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::web::Bytes;
use actix_web::{HttpMessage, HttpRequest};
use http_body_util::BodyExt;
use secrecy::SecretString;
use tracing_actix_web::RequestId;

use super::body::RequestBody;
use super::error::ForwardError;
use super::http::{send, to_actix_status, upstream_request};
use super::prepare::Prepared;
use super::{Forwarding, UpstreamClients, identity};
use crate::auth::User;

/// Answers larger than this (a node's pod list is a fraction of it) are refused.
const MAX_ANSWER: usize = 32 << 20;

/// One caller's view of one cluster.
pub struct ClusterCall<'a> {
    forwarding: &'a Forwarding,
    clients: &'a UpstreamClients,
    cluster: String,
    user: Option<&'a User>,
    /// The caller's own `Authorization`, or the set-token cookie's token for this cluster.
    client_authorization: Option<SecretString>,
    request_id: String,
    /// The caller's request, for the audit log.
    request: HttpRequest,
}

/// An API server's answer, read whole.
pub struct Answer {
    pub status: StatusCode,
    pub body: Bytes,
}

impl<'a> ClusterCall<'a> {
    pub fn new(
        forwarding: &'a Forwarding,
        clients: &'a UpstreamClients,
        request: &HttpRequest,
        user: Option<&'a User>,
        cluster: &str,
        client_authorization: Option<SecretString>,
    ) -> Self {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(|id| id.to_string())
            .unwrap_or_default();
        ClusterCall {
            forwarding,
            clients,
            cluster: cluster.to_string(),
            user,
            client_authorization,
            request_id,
            request: request.clone(),
        }
    }

    /// `method path` (with its query) on the cluster's API server, with a JSON body if any; in
    /// the audit log as the caller's own request would be.
    pub async fn send(
        &self,
        method: Method,
        path_and_query: &str,
        content_type: Option<&'static str>,
        body: Option<Vec<u8>>,
    ) -> Result<Answer, ForwardError> {
        let started = std::time::Instant::now();
        let outcome = self
            .exchange(method.clone(), path_and_query, content_type, body)
            .await;
        let status = match &outcome {
            Ok(answer) => answer.status,
            Err(error) => actix_web::ResponseError::status_code(error),
        };
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let call = crate::audit::Call {
            cluster: &self.cluster,
            method: method.as_str(),
            rest: path.trim_start_matches('/'),
            query,
        };
        crate::audit::record_call(&self.request, self.user, &call, status, started);
        outcome
    }

    async fn exchange(
        &self,
        method: Method,
        path_and_query: &str,
        content_type: Option<&'static str>,
        body: Option<Vec<u8>>,
    ) -> Result<Answer, ForwardError> {
        let (cluster, connection) = self.forwarding.reach(&self.cluster)?;
        let clients = self
            .clients
            .get(&cluster.name)
            .ok_or_else(|| ForwardError::UnknownCluster(cluster.name.clone()))?;
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(content_type) = content_type {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        identity::apply(
            self.forwarding.policy,
            cluster,
            connection,
            self.user,
            self.client_authorization.clone(),
            &self.request_id,
            &mut headers,
        )
        .await?;
        let prepared = Prepared {
            cluster,
            connection,
            url: format!("{}{path_and_query}", connection.base_url),
            headers,
            upgrade: None,
        };
        let body = match body {
            Some(bytes) => RequestBody::full(Bytes::from(bytes)),
            None => RequestBody::empty(),
        };
        let upstream = upstream_request(&method, &prepared, body)?;
        let response = send(&prepared, &clients.http, upstream).await?;
        let status = to_actix_status(response.status());
        let collected = http_body_util::Limited::new(response.into_body(), MAX_ANSWER)
            .collect()
            .await
            .map_err(|error| ForwardError::Unreachable {
                cluster: cluster.name.clone(),
                reason: format!("reading the answer: {error}"),
            })?;
        Ok(Answer {
            status,
            body: collected.to_bytes(),
        })
    }
}
