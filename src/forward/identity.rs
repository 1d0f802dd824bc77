//! Whose credentials a forwarded request carries.

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use super::error::ForwardError;
use crate::auth::User;
use crate::clusters::{Cluster, ClusterSource, Connection};

/// The forwarding flags that decide identity.
#[derive(Debug, Clone, Copy)]
pub struct IdentityPolicy {
    /// `-proxy-auth-impersonate`.
    pub impersonate: bool,
}

/// Adds `Authorization` (and, when impersonating, `Impersonate-*`) to the upstream headers.
///
/// Order (Headlamp's, plus impersonation): the in-cluster service account when forced; else
/// impersonation of the user with the cluster's credentials; else the user's token from the proxy;
/// else the client's own `Authorization` (API clients such as kubectl); else the cluster's credentials,
/// except that the pod's own service account is never lent to an anonymous caller (Headlamp's
/// `-unsafe-use-service-account-token` is the explicit opt-in, handled as "forced" above).
pub async fn apply(
    policy: IdentityPolicy,
    cluster: &Cluster,
    connection: &Connection,
    user: Option<&User>,
    client_authorization: Option<SecretString>,
    request_id: &str,
    headers: &mut HeaderMap,
) -> Result<(), ForwardError> {
    let authorization = if connection.always_use_own_credentials {
        own(cluster, connection).await?
    } else if policy.impersonate {
        let user = user.ok_or(ForwardError::NoUserToImpersonate)?;
        impersonation_headers(user, request_id, headers)?;
        own(cluster, connection).await?
    } else if let Some(token) = user.and_then(User::token) {
        Some(SecretString::from(format!(
            "Bearer {}",
            token.expose_secret()
        )))
    } else if let Some(authorization) = client_authorization {
        Some(authorization)
    } else if user.is_none() && matches!(cluster.source, ClusterSource::InCluster) {
        return Err(ForwardError::AnonymousServiceAccount {
            cluster: cluster.name.clone(),
        });
    } else {
        own(cluster, connection).await?
    };
    if let Some(authorization) = authorization {
        let mut value = HeaderValue::from_str(authorization.expose_secret()).map_err(|_| {
            ForwardError::BadRequest("the credentials are not a valid header value".to_string())
        })?;
        value.set_sensitive(true);
        headers.insert(actix_web::http::header::AUTHORIZATION, value);
    }
    Ok(())
}

async fn own(
    cluster: &Cluster,
    connection: &Connection,
) -> Result<Option<SecretString>, ForwardError> {
    connection
        .credentials
        .authorization()
        .await
        .map_err(|error| {
            // A plugin's stderr can say anything (a login URL, a token in a debug line): it goes to
            // the operator's log, bounded, never to the caller.
            tracing::warn!(cluster = %cluster.name, %error, "cannot get the cluster's credentials");
            ForwardError::Credentials {
                cluster: cluster.name.clone(),
            }
        })
}

fn impersonation_headers(
    user: &User,
    request_id: &str,
    headers: &mut HeaderMap,
) -> Result<(), ForwardError> {
    let value = |text: &str| {
        HeaderValue::from_str(text).map_err(|_| {
            ForwardError::BadRequest(
                "the user's name or groups cannot be sent as headers".to_string(),
            )
        })
    };
    headers.insert(
        HeaderName::from_static("impersonate-user"),
        value(&user.username)?,
    );
    for group in &user.groups {
        headers.append(HeaderName::from_static("impersonate-group"), value(group)?);
    }
    // A name can be reused after its owner leaves; the signed subject cannot. RBAC does not match
    // on it, but the API server's audit log and admission webhooks see who it really was.
    if let Some(subject) = &user.subject {
        headers.insert(HeaderName::from_static("impersonate-uid"), value(subject)?);
    }
    headers.insert(
        HeaderName::from_static("impersonate-extra-lamplight-request-id"),
        value(request_id)?,
    );
    // Provenance: which anchors vouched for the identity (`peer-cidr`, `signed-assertion`...).
    for anchor in &user.anchors {
        headers.append(
            HeaderName::from_static("impersonate-extra-lamplight-anchor"),
            HeaderValue::from_static(anchor),
        );
    }
    Ok(())
}
