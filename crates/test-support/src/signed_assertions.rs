//! Signed identity assertions as proxies send them (Google IAP, AWS ALB, Cloudflare Access...), with
//! keys made for the test, and a key server that publishes them and counts how often it is asked.

use std::collections::HashMap;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::{App, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A private key and its public half as a JWK and as PEM.
pub struct SigningKey {
    pub kid: String,
    pub algorithm: Algorithm,
    encoding: EncodingKey,
    pub jwk: Value,
    pub public_pem: String,
}

impl SigningKey {
    /// A P-256 key (Google IAP, AWS ALB, Pomerium).
    pub fn es256(kid: &str) -> SigningKey {
        let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let raw = pair.public_key_raw();
        assert_eq!(raw.len(), 65, "an uncompressed P-256 point");
        SigningKey {
            kid: kid.to_string(),
            algorithm: Algorithm::ES256,
            encoding: EncodingKey::from_ec_pem(pair.serialize_pem().as_bytes()).unwrap(),
            jwk: json!({
                "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": kid,
                "x": URL_SAFE_NO_PAD.encode(&raw[1..33]),
                "y": URL_SAFE_NO_PAD.encode(&raw[33..]),
            }),
            public_pem: pair.public_key_pem(),
        }
    }

    /// A 2048-bit RSA key (Cloudflare Access, most IdPs), made by openssl.
    pub fn rs256(kid: &str) -> SigningKey {
        let openssl = |args: &[&str], input: Option<&[u8]>| -> Vec<u8> {
            let mut child = Command::new("openssl")
                .args(args)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("openssl is installed");
            if let Some(input) = input {
                use std::io::Write;
                child.stdin.take().unwrap().write_all(input).unwrap();
            }
            let output = child.wait_with_output().unwrap();
            assert!(output.status.success(), "openssl {args:?} failed");
            output.stdout
        };
        let private = openssl(
            &[
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
            ],
            None,
        );
        let modulus =
            String::from_utf8(openssl(&["pkey", "-noout", "-text_pub"], Some(&private))).unwrap();
        let modulus = rsa_modulus(&modulus);
        let public_pem = String::from_utf8(openssl(&["pkey", "-pubout"], Some(&private))).unwrap();
        SigningKey {
            kid: kid.to_string(),
            algorithm: Algorithm::RS256,
            encoding: EncodingKey::from_rsa_pem(&private).unwrap(),
            jwk: json!({
                "kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid,
                "n": URL_SAFE_NO_PAD.encode(modulus), "e": "AQAB",
            }),
            public_pem,
        }
    }

    /// A compact JWS with this key's `kid` and `alg`, plus `extra` header fields.
    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(self.algorithm);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).unwrap()
    }

    /// A JWS with the header given whole, segments padded with `=` when `padded` (AWS ALB's form:
    /// the signature covers the padded segments).
    pub fn sign_raw(&self, header: &Value, claims: &Value, padded: bool) -> String {
        let encode = |value: &Value| {
            if padded {
                URL_SAFE.encode(value.to_string())
            } else {
                URL_SAFE_NO_PAD.encode(value.to_string())
            }
        };
        let input = format!("{}.{}", encode(header), encode(claims));
        let signature =
            jsonwebtoken::crypto::sign(input.as_bytes(), &self.encoding, self.algorithm).unwrap();
        let signature = if padded {
            URL_SAFE.encode(URL_SAFE_NO_PAD.decode(&signature).unwrap())
        } else {
            signature
        };
        format!("{input}.{signature}")
    }
}

/// The modulus bytes from `openssl pkey -text_pub` ("Modulus:" then hex lines).
fn rsa_modulus(text: &str) -> Vec<u8> {
    let hex: String = text
        .lines()
        .skip_while(|line| !line.starts_with("Modulus"))
        .skip(1)
        .take_while(|line| line.starts_with(' '))
        .flat_map(|line| line.trim().split(':'))
        .filter(|byte| !byte.is_empty())
        .collect();
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    // openssl writes a leading 00 when the top bit is set; a JWK's `n` has none.
    bytes.into_iter().skip_while(|b| *b == 0).collect()
}

/// An HTTP server publishing keys: a JWK set at `/jwks`, one PEM per kid at `/alb/{kid}` (AWS's
/// form), and OpenID discovery at `/.well-known/openid-configuration`.
pub struct KeyServer {
    address: std::net::SocketAddr,
    keys: Arc<Mutex<Vec<Value>>>,
    pems: Arc<Mutex<HashMap<String, String>>>,
    fetches: Arc<AtomicUsize>,
}

impl KeyServer {
    /// Must run inside an actix runtime (`#[actix_web::test]`).
    pub fn start(keys: &[&SigningKey]) -> KeyServer {
        let jwks: Arc<Mutex<Vec<Value>>> =
            Arc::new(Mutex::new(keys.iter().map(|k| k.jwk.clone()).collect()));
        let pems: Arc<Mutex<HashMap<String, String>>> = Arc::new(Mutex::new(
            keys.iter()
                .map(|k| (k.kid.clone(), k.public_pem.clone()))
                .collect(),
        ));
        let fetches = Arc::new(AtomicUsize::new(0));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let (jwks_data, pems_data, count) = (jwks.clone(), pems.clone(), fetches.clone());
        let server = HttpServer::new(move || {
            let (jwks, pems, count) = (jwks_data.clone(), pems_data.clone(), count.clone());
            let (pems_count, discovery_count) = (count.clone(), count.clone());
            App::new()
                .route(
                    "/jwks",
                    web::get().to(move || {
                        let (jwks, count) = (jwks.clone(), count.clone());
                        async move {
                            count.fetch_add(1, Ordering::SeqCst);
                            let keys = jwks.lock().unwrap().clone();
                            HttpResponse::Ok().json(json!({ "keys": keys }))
                        }
                    }),
                )
                .route(
                    "/alb/{kid}",
                    web::get().to(move |kid: web::Path<String>| {
                        let (pems, count) = (pems.clone(), pems_count.clone());
                        async move {
                            count.fetch_add(1, Ordering::SeqCst);
                            match pems.lock().unwrap().get(kid.as_str()) {
                                Some(pem) => HttpResponse::Ok().body(pem.clone()),
                                None => HttpResponse::NotFound().finish(),
                            }
                        }
                    }),
                )
                .route(
                    "/.well-known/openid-configuration",
                    web::get().to(move || {
                        let count = discovery_count.clone();
                        async move {
                            count.fetch_add(1, Ordering::SeqCst);
                            HttpResponse::Ok().json(json!({
                                "issuer": format!("http://{address}"),
                                "jwks_uri": format!("http://{address}/jwks"),
                            }))
                        }
                    }),
                )
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        actix_web::rt::spawn(server);
        KeyServer {
            address,
            keys: jwks,
            pems,
            fetches,
        }
    }

    pub fn origin(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn jwks_url(&self) -> String {
        format!("{}/jwks", self.origin())
    }

    pub fn alb_url(&self) -> String {
        format!("{}/alb/", self.origin())
    }

    /// Replaces the published keys (a rotation).
    pub fn publish(&self, keys: &[&SigningKey]) {
        *self.keys.lock().unwrap() = keys.iter().map(|k| k.jwk.clone()).collect();
        let mut pems = self.pems.lock().unwrap();
        pems.clear();
        pems.extend(keys.iter().map(|k| (k.kid.clone(), k.public_pem.clone())));
    }

    /// Requests served so far (any route).
    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}
