//! `limit`/`continue`: the token names the last object returned, so the next page starts after it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::status::ApiError;

pub fn encode(namespace: &str, name: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{namespace}/{name}"))
}

/// The (namespace, name) a page ended at.
pub fn decode(token: &str) -> Result<(String, String), ApiError> {
    let invalid = || ApiError::bad_request(format!("invalid continue token: {token:?}"));
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (namespace, name) = text.split_once('/').ok_or_else(invalid)?;
    Ok((namespace.to_string(), name.to_string()))
}
