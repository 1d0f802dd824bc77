//! The trust anchors beyond peer addresses: a client certificate from the proxy, and a signed
//! identity assertion (with presets for the proxies that sign one).

use std::path::PathBuf;
use std::time::Duration;

use actix_web::http::header::HeaderName;
use url::Url;

use super::SettingsError;
use super::flags::Key;
use super::sources::Source;
use super::validate::{Reader, parse_http_url};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCertificateSettings {
    pub ca_file: PathBuf,
    /// Lower-case CNs or DNS SANs; empty means any certificate the CA issued.
    pub allowed_names: Vec<String>,
}

/// A proxy whose signed assertion Lamplight knows how to verify without further settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    Oauth2Proxy,
    GoogleIap,
    CloudflareAccess,
    AwsAlb,
    Pomerium,
}

impl Preset {
    pub const NAMES: &'static str =
        "oauth2-proxy, google-iap, cloudflare-access, aws-alb, pomerium";

    fn parse(value: &str) -> Result<Option<Preset>, String> {
        Ok(Some(match value {
            "" => return Ok(None),
            "oauth2-proxy" => Preset::Oauth2Proxy,
            "google-iap" => Preset::GoogleIap,
            "cloudflare-access" => Preset::CloudflareAccess,
            "aws-alb" => Preset::AwsAlb,
            "pomerium" => Preset::Pomerium,
            _ => return Err(format!("expected one of {}", Preset::NAMES)),
        }))
    }

    pub fn name(self) -> &'static str {
        match self {
            Preset::Oauth2Proxy => "oauth2-proxy",
            Preset::GoogleIap => "google-iap",
            Preset::CloudflareAccess => "cloudflare-access",
            Preset::AwsAlb => "aws-alb",
            Preset::Pomerium => "pomerium",
        }
    }

    fn header(self, token_header: &HeaderName) -> HeaderName {
        match self {
            Preset::Oauth2Proxy => token_header.clone(),
            Preset::GoogleIap => HeaderName::from_static("x-goog-iap-jwt-assertion"),
            Preset::CloudflareAccess => HeaderName::from_static("cf-access-jwt-assertion"),
            Preset::AwsAlb => HeaderName::from_static("x-amzn-oidc-data"),
            Preset::Pomerium => HeaderName::from_static("x-pomerium-jwt-assertion"),
        }
    }

    /// The one algorithm the proxy signs with, where it is documented as a single one.
    pub fn algorithm(self) -> Option<&'static str> {
        match self {
            Preset::GoogleIap | Preset::AwsAlb | Preset::Pomerium => Some("ES256"),
            Preset::CloudflareAccess => Some("RS256"),
            Preset::Oauth2Proxy => None,
        }
    }
}

/// Where the keys that sign assertions come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A JWK set at a URL, refetched when a token names a key it lacks.
    JwkSetUrl(Url),
    /// A JWK set read once at start-up.
    JwkSetFile(PathBuf),
    /// The `jwks_uri` of the issuer's OpenID Connect discovery document.
    Discovery(Url),
    /// AWS ALB: one PEM public key per `kid`, at this URL followed by the `kid`.
    PemByKid(Url),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssertionSettings {
    pub preset: Option<Preset>,
    pub header: HeaderName,
    pub keys: KeySource,
    pub issuer: Option<String>,
    pub audience: String,
    /// Dotted claim paths.
    pub username_claim: String,
    pub groups_claim: Option<String>,
    pub email_claim: Option<String>,
    /// Set by the presets that document a single signing algorithm.
    pub algorithm: Option<&'static str>,
}

/// The anchor flags, read together because a preset sets the defaults of the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Anchors {
    pub client_certificate: Option<ClientCertificateSettings>,
    pub assertion: Option<AssertionSettings>,
    /// Google IAP's email header, when the preset chose it.
    pub email_header: Option<HeaderName>,
    pub stream_max_age: Option<Duration>,
}

pub(super) fn settings(
    reader: &Reader,
    token_header: &HeaderName,
    tls: bool,
) -> Result<Anchors, SettingsError> {
    let client_certificate = client_certificate(reader, tls)?;
    let preset = reader.parse(Key::ProxyAuthPreset, Preset::parse)?;
    let explicit = |key: Key| reader.optional_text(key);
    let header = match (explicit(Key::ProxyAuthJwtHeader), preset) {
        (Some(_), _) => Some(reader.header(Key::ProxyAuthJwtHeader)?),
        (None, Some(preset)) => Some(preset.header(token_header)),
        (None, None) => None,
    };
    let email_header = (preset == Some(Preset::GoogleIap)
        && matches!(reader.source(Key::ProxyAuthEmailHeader), Source::Default))
    .then(|| HeaderName::from_static("x-goog-authenticated-user-email"));
    let assertion = match header {
        Some(header) => Some(assertion(reader, preset, header)?),
        None => {
            let stray = [
                Key::ProxyAuthJwksUrl,
                Key::ProxyAuthJwksFile,
                Key::ProxyAuthJwtIssuer,
                Key::ProxyAuthJwtAudience,
                Key::ProxyAuthJwtUsernameClaim,
                Key::ProxyAuthJwtGroupsClaim,
                Key::ProxyAuthJwtEmailClaim,
            ]
            .into_iter()
            .find(|key| explicit(*key).is_some());
            if let Some(key) = stray {
                return Err(SettingsError::Conflict(format!(
                    "-{key} is set but no assertion is expected: set -proxy-auth-jwt-header or -proxy-auth-preset"
                )));
            }
            None
        }
    };
    let stream_max_age = reader.parse(Key::ProxyAuthStreamMaxAge, |value| {
        value
            .parse::<u64>()
            .map(|secs| (secs > 0).then(|| Duration::from_secs(secs)))
            .map_err(|_| "expected a number of seconds (0: no limit)".to_string())
    })?;
    Ok(Anchors {
        client_certificate,
        assertion,
        email_header,
        stream_max_age,
    })
}

fn client_certificate(
    reader: &Reader,
    tls: bool,
) -> Result<Option<ClientCertificateSettings>, SettingsError> {
    let names: Vec<String> = reader
        .text(Key::ProxyAuthAllowedNames)
        .split(',')
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty())
        .collect();
    let Some(path) = reader.optional_text(Key::ProxyAuthClientCaFile) else {
        if !names.is_empty() {
            return Err(SettingsError::Conflict(
                "-proxy-auth-allowed-names needs -proxy-auth-client-ca-file: it narrows the certificates that CA \
                 issued"
                    .to_string(),
            ));
        }
        return Ok(None);
    };
    if !tls {
        return Err(SettingsError::Conflict(
            "-proxy-auth-client-ca-file needs -tls-cert-path and -tls-key-path: a client certificate is presented \
             only in a TLS handshake with Lamplight itself"
                .to_string(),
        ));
    }
    if !std::path::Path::new(&path).is_file() {
        return Err(reader.invalid(Key::ProxyAuthClientCaFile, "no such file"));
    }
    Ok(Some(ClientCertificateSettings {
        ca_file: path.into(),
        allowed_names: names,
    }))
}

fn assertion(
    reader: &Reader,
    preset: Option<Preset>,
    header: HeaderName,
) -> Result<AssertionSettings, SettingsError> {
    let explicit = |key: Key| reader.optional_text(key);
    let audience = explicit(Key::ProxyAuthJwtAudience).ok_or_else(|| {
        SettingsError::Conflict(format!(
            "-proxy-auth-jwt-audience is required with {}: without it an assertion the proxy signed for another \
             application would be accepted here ({})",
            match preset {
                Some(preset) => format!("-proxy-auth-preset={}", preset.name()),
                None => "-proxy-auth-jwt-header".to_string(),
            },
            audience_hint(preset)
        ))
    })?;
    let issuer = match (explicit(Key::ProxyAuthJwtIssuer), preset) {
        (Some(issuer), _) => Some(issuer),
        (None, Some(Preset::GoogleIap)) => Some("https://cloud.google.com/iap".to_string()),
        (
            None,
            Some(preset @ (Preset::Oauth2Proxy | Preset::CloudflareAccess | Preset::Pomerium)),
        ) => {
            return Err(SettingsError::Conflict(format!(
                "-proxy-auth-preset={} needs -proxy-auth-jwt-issuer ({})",
                preset.name(),
                match preset {
                    Preset::Oauth2Proxy =>
                        "the issuer URL of the IdP oauth2-proxy signs users in with",
                    Preset::CloudflareAccess =>
                        "your team domain, https://<team>.cloudflareaccess.com",
                    _ =>
                        "the iss Pomerium puts in its assertions, e.g. authenticate.corp.example.com",
                }
            )));
        }
        (None, _) => None,
    };
    let keys = keys(reader, preset, issuer.as_deref(), &audience)?;
    if preset == Some(Preset::AwsAlb) && !audience.starts_with("arn:aws") {
        return Err(reader.invalid(
            Key::ProxyAuthJwtAudience,
            "with -proxy-auth-preset=aws-alb the audience is the load balancer's ARN \
             (arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/app/NAME/ID)",
        ));
    }
    let claim = |key: Key, default: Option<&str>| -> Option<String> {
        explicit(key).or_else(|| default.map(String::from))
    };
    let username_claim = claim(
        Key::ProxyAuthJwtUsernameClaim,
        Some(if preset.is_some() { "email" } else { "sub" }),
    )
    .unwrap_or_default();
    let groups_claim = claim(
        Key::ProxyAuthJwtGroupsClaim,
        match preset {
            Some(Preset::GoogleIap | Preset::AwsAlb) => None,
            _ => Some("groups"),
        },
    );
    Ok(AssertionSettings {
        preset,
        header,
        keys,
        issuer,
        audience,
        username_claim,
        groups_claim,
        email_claim: claim(Key::ProxyAuthJwtEmailClaim, Some("email")),
        algorithm: preset.and_then(Preset::algorithm),
    })
}

fn audience_hint(preset: Option<Preset>) -> &'static str {
    match preset {
        Some(Preset::GoogleIap) => {
            "for a backend service: /projects/PROJECT_NUMBER/global/backendServices/SERVICE_ID"
        }
        Some(Preset::CloudflareAccess) => "the Access application's AUD tag",
        Some(Preset::AwsAlb) => "the load balancer's ARN",
        Some(Preset::Pomerium) => "the route's host name, e.g. lamplight.corp.example.com",
        Some(Preset::Oauth2Proxy) => "oauth2-proxy's client ID at the IdP",
        None => "the aud your proxy puts in its assertions",
    }
}

fn keys(
    reader: &Reader,
    preset: Option<Preset>,
    issuer: Option<&str>,
    audience: &str,
) -> Result<KeySource, SettingsError> {
    let url = |key: Key, text: &str| -> Result<Url, SettingsError> {
        let url = parse_http_url(text).map_err(|reason| reader.invalid(key, reason))?;
        if url.scheme() == "http" && !is_loopback(&url) {
            return Err(reader.invalid(
                key,
                "keys must come over https (http only from a loopback address): anyone on the path could \
                 swap them",
            ));
        }
        Ok(url)
    };
    match (
        reader.optional_text(Key::ProxyAuthJwksUrl),
        reader.optional_text(Key::ProxyAuthJwksFile),
    ) {
        (Some(_), Some(_)) => Err(SettingsError::Conflict(
            "-proxy-auth-jwks-url and -proxy-auth-jwks-file are both set: choose one".to_string(),
        )),
        (None, Some(path)) if preset == Some(Preset::AwsAlb) => Err(reader.invalid(
            Key::ProxyAuthJwksFile,
            format!(
                "aws-alb publishes one key per kid, not a JWK set; leave it out ({path} is not read)"
            ),
        )),
        (None, Some(path)) => {
            if !std::path::Path::new(&path).is_file() {
                return Err(reader.invalid(Key::ProxyAuthJwksFile, "no such file"));
            }
            Ok(KeySource::JwkSetFile(path.into()))
        }
        (Some(text), None) => {
            let mut parsed = url(Key::ProxyAuthJwksUrl, &text)?;
            if preset == Some(Preset::AwsAlb) && !parsed.path().ends_with('/') {
                parsed.set_path(&format!("{}/", parsed.path()));
            }
            Ok(match preset {
                Some(Preset::AwsAlb) => KeySource::PemByKid(parsed),
                _ => KeySource::JwkSetUrl(parsed),
            })
        }
        (None, None) => {
            let fixed = |text: &str| Url::parse(text).map_err(|e| SettingsError::Conflict(e.to_string()));
            match preset {
                Some(Preset::GoogleIap) => Ok(KeySource::JwkSetUrl(fixed(
                    "https://www.gstatic.com/iap/verify/public_key-jwk",
                )?)),
                Some(Preset::CloudflareAccess) => {
                    let issuer = issuer.unwrap_or_default().trim_end_matches('/');
                    Ok(KeySource::JwkSetUrl(url(
                        Key::ProxyAuthJwtIssuer,
                        &format!("{issuer}/cdn-cgi/access/certs"),
                    )?))
                }
                Some(Preset::Pomerium) => Ok(KeySource::JwkSetUrl(url(
                    Key::ProxyAuthJwtAudience,
                    &format!("https://{audience}/.well-known/pomerium/jwks.json"),
                )?)),
                Some(Preset::AwsAlb) => {
                    let region = audience.split(':').nth(3).filter(|r| {
                        !r.is_empty() && r.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    });
                    let Some(region) = region else {
                        return Err(reader.invalid(
                            Key::ProxyAuthJwtAudience,
                            "the load balancer's ARN names no region (arn:aws:elasticloadbalancing:REGION:...)",
                        ));
                    };
                    Ok(KeySource::PemByKid(fixed(&format!(
                        "https://public-keys.auth.elb.{region}.amazonaws.com/"
                    ))?))
                }
                Some(Preset::Oauth2Proxy) => Ok(KeySource::Discovery(url(
                    Key::ProxyAuthJwtIssuer,
                    issuer.unwrap_or_default(),
                )?)),
                None => match issuer {
                    Some(issuer) if issuer.starts_with("http") => {
                        Ok(KeySource::Discovery(url(Key::ProxyAuthJwtIssuer, issuer)?))
                    }
                    _ => Err(SettingsError::Conflict(
                        "-proxy-auth-jwt-header needs the keys that sign the assertions: \
                         -proxy-auth-jwks-url, -proxy-auth-jwks-file, or an https -proxy-auth-jwt-issuer \
                         with OpenID Connect discovery"
                            .to_string(),
                    )),
                },
            }
        }
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    }
}
