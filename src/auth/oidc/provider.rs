//! The identity provider as discovered: its metadata (with `end_session_endpoint`) and signing keys.

use std::sync::Arc;

use openidconnect::core::{
    CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClient, CoreClientAuthMethod, CoreGrantType,
    CoreJsonWebKey, CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm, CoreResponseMode, CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::{
    AdditionalProviderMetadata, ClientId, ClientSecret, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, ProviderMetadata,
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use super::error::IdpError;
use super::http_client::send;
use crate::settings::OidcSettings;

/// RP-initiated logout is not part of Core discovery.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct LogoutMetadata {
    pub end_session_endpoint: Option<String>,
}

impl AdditionalProviderMetadata for LogoutMetadata {}

pub type Metadata = ProviderMetadata<
    LogoutMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

pub type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

#[derive(Debug)]
pub struct Provider {
    pub metadata: Metadata,
}

impl Provider {
    pub async fn discover(
        issuer: &IssuerUrl,
        tls: Arc<rustls::ClientConfig>,
    ) -> Result<Provider, IdpError> {
        let http = move |request| send(tls.clone(), request);
        let metadata = Metadata::discover_async(issuer.clone(), &http)
            .await
            .map_err(|source| IdpError::Discovery {
                issuer: issuer.to_string(),
                source: IdpError::boxed(source),
            })?;
        Ok(Provider { metadata })
    }

    pub fn client(&self, settings: &OidcSettings) -> Client {
        Client::from_provider_metadata(
            self.metadata.clone(),
            ClientId::new(settings.client_id.clone()),
            settings
                .client_secret
                .as_ref()
                .map(|s| ClientSecret::new(s.expose_secret().to_string())),
        )
    }

    pub fn end_session_endpoint(&self) -> Option<&str> {
        self.metadata
            .additional_metadata()
            .end_session_endpoint
            .as_deref()
    }

    pub fn jwks(&self) -> &CoreJsonWebKeySet {
        self.metadata.jwks()
    }

    pub async fn fetch_jwks(
        &self,
        tls: Arc<rustls::ClientConfig>,
    ) -> Result<CoreJsonWebKeySet, IdpError> {
        let http = move |request| send(tls.clone(), request);
        CoreJsonWebKeySet::fetch_async(self.metadata.jwks_uri(), &http)
            .await
            .map_err(|e| IdpError::Jwks(IdpError::boxed(e)))
    }
}
