//! Bearer JWTs checked like kube-apiserver's OIDC authenticator, against an issuer served here:
//! discovery and keys fetched and cached, signature, algorithm, issuer, audience and expiry
//! verified, the user named by the configured claims.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, HttpServer, web};
use fake_apiserver::{FakeApiServer, redact};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::support::*;

const AUDIENCE: &str = "lamplight";

/// An OpenID issuer with ES256 keys that can be rotated, counting how often its keys are read.
struct Issuer {
    url: String,
    keys: Arc<Mutex<Vec<Jwk>>>,
    signing: Mutex<(String, EncodingKey)>,
    key_fetches: Arc<AtomicUsize>,
    server: actix_web::dev::ServerHandle,
}

fn new_key(kid: &str) -> (EncodingKey, Jwk) {
    let pair = rcgen::KeyPair::generate().unwrap();
    let key = EncodingKey::from_ec_der(&pair.serialize_der());
    let mut jwk = Jwk::from_encoding_key(&key, Algorithm::ES256).unwrap();
    jwk.common.key_id = Some(kid.to_string());
    (key, jwk)
}

impl Issuer {
    async fn start() -> Self {
        let (key, jwk) = new_key("k1");
        let keys = Arc::new(Mutex::new(vec![jwk]));
        let key_fetches = Arc::new(AtomicUsize::new(0));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (served_keys, fetches, issuer) = (keys.clone(), key_fetches.clone(), url.clone());
        let server = HttpServer::new(move || {
            let (keys, fetches, issuer) = (served_keys.clone(), fetches.clone(), issuer.clone());
            App::new()
                .route(
                    "/.well-known/openid-configuration",
                    web::get().to(move || {
                        let issuer = issuer.clone();
                        async move {
                            HttpResponse::Ok().json(json!({
                                "issuer": issuer, "jwks_uri": format!("{issuer}/jwks"),
                                "id_token_signing_alg_values_supported": ["ES256"],
                            }))
                        }
                    }),
                )
                .route(
                    "/jwks",
                    web::get().to(move || {
                        let (keys, fetches) = (keys.clone(), fetches.clone());
                        async move {
                            fetches.fetch_add(1, Ordering::SeqCst);
                            let keys = keys.lock().unwrap().clone();
                            HttpResponse::Ok().json(JwkSet { keys })
                        }
                    }),
                )
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Issuer {
            url,
            keys,
            signing: Mutex::new(("k1".to_string(), key)),
            key_fetches,
            server: handle,
        }
    }

    /// Publishes a new key and signs with it from now on.
    fn rotate(&self, kid: &str) {
        let (key, jwk) = new_key(kid);
        self.keys.lock().unwrap().push(jwk);
        *self.signing.lock().unwrap() = (kid.to_string(), key);
    }

    fn claims(&self, subject: &str) -> Value {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        json!({"iss": self.url, "aud": AUDIENCE, "sub": subject, "groups": ["dev", "ops"],
               "iat": now, "exp": now + 300})
    }

    fn sign(&self, claims: &Value) -> String {
        let signing = self.signing.lock().unwrap();
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(signing.0.clone());
        jsonwebtoken::encode(&header, claims, &signing.1).unwrap()
    }

    fn fetches(&self) -> usize {
        self.key_fetches.load(Ordering::SeqCst)
    }
}

async fn whoami(fake: &FakeApiServer, token: &str) -> (StatusCode, Value) {
    let request = client().post(format!(
        "{}/apis/authentication.k8s.io/v1/selfsubjectreviews",
        fake.url()
    ));
    let review = json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"});
    send(request, token, Some(review)).await
}

#[actix_web::test]
async fn a_verified_token_authenticates_its_subject_with_kube_apiserver_defaults() {
    let issuer = Issuer::start().await;
    let fake = builder()
        .oidc_issuer(&issuer.url, AUDIENCE)
        .oidc_signing_algs(&["ES256"])
        .oidc_groups_claim("groups")
        .start()
        .await
        .unwrap();
    let token = issuer.sign(&issuer.claims("alice"));
    let (code, review) = whoami(&fake, &token).await;
    assert_eq!(code, StatusCode::CREATED, "{review}");
    let user = format!("{}#alice", issuer.url);
    assert_eq!(review["status"]["userInfo"]["username"], user.as_str());
    assert_eq!(
        review["status"]["userInfo"]["groups"],
        json!(["dev", "ops", "system:authenticated"])
    );
    let recorded = fake.requests().pop().unwrap();
    assert_eq!(recorded.user.as_deref(), Some(user.as_str()));
    assert_eq!(recorded.bearer_claims.as_ref().unwrap()["sub"], "alice");
    assert!(recorded.authorization_is(&format!("Bearer {token}")));
    assert_eq!(
        recorded.header("authorization"),
        Some(redact(&format!("Bearer {token}")).as_str())
    );

    whoami(&fake, &token).await;
    assert_eq!(issuer.fetches(), 1, "the keys are cached");

    // A new key is fetched when a token names it.
    issuer.rotate("k2");
    let (code, _) = whoami(&fake, &issuer.sign(&issuer.claims("bob"))).await;
    assert_eq!(code, StatusCode::CREATED);
    assert_eq!(issuer.fetches(), 2);
    issuer.server.stop(false).await;
}

#[actix_web::test]
async fn tokens_that_do_not_verify_get_401() {
    let issuer = Issuer::start().await;
    let fake = builder()
        .oidc_issuer(&issuer.url, AUDIENCE)
        .oidc_signing_algs(&["ES256"])
        .oidc_username_claim("email")
        .start()
        .await
        .unwrap();
    let mut good = issuer.claims("alice");
    good["email"] = json!("alice@example.com");
    let (code, review) = whoami(&fake, &issuer.sign(&good)).await;
    assert_eq!(code, StatusCode::CREATED);
    assert_eq!(
        review["status"]["userInfo"]["username"], "alice@example.com",
        "an email is not prefixed"
    );

    let mut bad: Vec<(&str, String)> = Vec::new();
    let mut claims = good.clone();
    claims["aud"] = json!("someone-else");
    bad.push(("another audience", issuer.sign(&claims)));
    let mut claims = good.clone();
    claims["exp"] = json!(claims["iat"].as_u64().unwrap() - 10);
    bad.push(("expired", issuer.sign(&claims)));
    let mut claims = good.clone();
    claims["email_verified"] = json!(false);
    bad.push(("unverified email", issuer.sign(&claims)));
    let signed = issuer.sign(&good);
    let parts: Vec<&str> = signed.split('.').collect();
    let mut forged = good.clone();
    forged["email"] = json!("admin@example.com");
    let forged_payload = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        forged.to_string(),
    );
    bad.push((
        "a changed payload",
        format!("{}.{forged_payload}.{}", parts[0], parts[2]),
    ));
    let mut claims = good.clone();
    claims["iss"] = json!("http://127.0.0.1:1");
    bad.push(("another issuer", issuer.sign(&claims)));
    for (what, token) in bad {
        let (code, body) = whoami(&fake, &token).await;
        assert_eq!(code, StatusCode::UNAUTHORIZED, "{what}: {body}");
        assert_eq!(fake.requests().pop().unwrap().user, None, "{what}");
    }

    // By default only RS256 is accepted, as kube-apiserver's --oidc-signing-algs.
    let rs256_only = builder()
        .oidc_issuer(&issuer.url, AUDIENCE)
        .start()
        .await
        .unwrap();
    let (code, _) = whoami(&rs256_only, &issuer.sign(&good)).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    issuer.server.stop(false).await;
}
