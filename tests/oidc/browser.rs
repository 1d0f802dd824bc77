//! A minimal browser: a cookie jar (per host, like real browsers: ports share cookies), redirects
//! followed one by one, and the provider's login and consent forms submitted like a person would.

use std::collections::BTreeMap;

use actix_web::cookie::Cookie;
use awc::Client;

#[derive(Debug)]
pub struct Page {
    pub url: String,
    pub status: u16,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub body: String,
}

#[derive(Default, Clone)]
pub struct Browser {
    /// host → (name → (value, path))
    pub jar: BTreeMap<String, BTreeMap<String, (String, String)>>,
    /// A client trusting an HTTPS app's CA (see [`Browser::with_client`]); else a plain one.
    client: Option<Client>,
}

fn split(url: &str) -> (String, String) {
    let without_scheme = url.split_once("://").map(|(_, rest)| rest).unwrap_or(url);
    let (authority, path) = without_scheme
        .split_once('/')
        .map(|(a, p)| (a, format!("/{p}")))
        .unwrap_or((without_scheme, "/".into()));
    let host = authority.split(':').next().unwrap_or(authority).to_string();
    (host, path)
}

fn absolute(base: &str, location: &str) -> String {
    if location.starts_with("http://") || location.starts_with("https://") {
        return location.to_string();
    }
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let authority_end = base[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end)
        .unwrap_or(base.len());
    format!("{}{location}", &base[..authority_end])
}

impl Browser {
    /// A browser that talks through `client` (normally `App::client()`, for an HTTPS app); it
    /// must not follow redirects.
    pub fn with_client(client: Client) -> Browser {
        Browser {
            client: Some(client),
            ..Browser::default()
        }
    }

    fn client() -> Client {
        Client::builder()
            .disable_redirects()
            .timeout(std::time::Duration::from_secs(20))
            .finish()
    }

    fn cookie_header(&self, url: &str) -> String {
        let (host, path) = split(url);
        self.jar
            .get(&host)
            .map(|cookies| {
                cookies
                    .iter()
                    .filter(|(_, (_, cookie_path))| {
                        path.starts_with(cookie_path.trim_end_matches('/')) || cookie_path == "/"
                    })
                    .map(|(name, (value, _))| format!("{name}={value}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default()
    }

    fn store(&mut self, url: &str, set_cookies: &[String]) {
        let (host, _) = split(url);
        let cookies = self.jar.entry(host).or_default();
        for header in set_cookies {
            let cookie = Cookie::parse(header.clone()).unwrap();
            let removed = cookie
                .max_age()
                .is_some_and(|age| age.is_zero() || age.is_negative())
                || cookie.value().is_empty();
            if removed {
                cookies.remove(cookie.name());
            } else {
                let path = cookie.path().unwrap_or("/").to_string();
                cookies.insert(
                    cookie.name().to_string(),
                    (cookie.value().to_string(), path),
                );
            }
        }
    }

    pub fn cookie(&self, host: &str, name: &str) -> Option<String> {
        self.jar
            .get(host)?
            .get(name)
            .map(|(value, _)| value.clone())
    }

    pub fn set_cookie(&mut self, host: &str, name: &str, value: &str, path: &str) {
        self.jar
            .entry(host.to_string())
            .or_default()
            .insert(name.to_string(), (value.to_string(), path.to_string()));
    }

    pub async fn request(
        &mut self,
        method: &str,
        url: &str,
        form: Option<&[(&str, &str)]>,
        headers: &[(&str, &str)],
    ) -> Page {
        let method = awc::http::Method::from_bytes(method.as_bytes()).unwrap();
        let client = self.client.clone().unwrap_or_else(Self::client);
        let mut request = client.request(method, url);
        let cookies = self.cookie_header(url);
        if !cookies.is_empty() {
            request = request.insert_header(("Cookie", cookies));
        }
        for header in headers {
            request = request.insert_header(*header);
        }
        let mut response = match form {
            Some(fields) => request.send_form(&fields).await,
            None => request.send().await,
        }
        .unwrap_or_else(|e| panic!("{url}: {e}"));
        let set_cookies: Vec<String> = response
            .headers()
            .get_all("set-cookie")
            .filter_map(|v| v.to_str().ok().map(String::from))
            .collect();
        self.store(url, &set_cookies);
        let body = response
            .body()
            .limit(4 << 20)
            .await
            .map(|b| String::from_utf8_lossy(&b).to_string())
            .unwrap_or_default();
        Page {
            url: url.to_string(),
            status: response.status().as_u16(),
            location: response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(|l| absolute(url, l)),
            set_cookies,
            body,
        }
    }

    pub async fn get(&mut self, url: &str) -> Page {
        self.request("GET", url, None, &[]).await
    }

    /// Follows redirects from `url` (normally Lamplight's `/oidc`) and fills the provider's login
    /// and consent forms, until a redirect leads to a URL starting with `stop_at`; returns that URL
    /// without requesting it.
    pub async fn idp_until(&mut self, url: &str, user: &str, stop_at: &str) -> String {
        let mut page = self.get(url).await;
        for _ in 0..30 {
            if let Some(next) = page.location.clone() {
                if next.starts_with(stop_at) {
                    return next;
                }
                page = self.get(&next).await;
                continue;
            }
            let action = form_action(&page.body)
                .unwrap_or_else(|| panic!("stuck at {}: {}", page.url, page.body));
            let xsrf = hidden_value(&page.body, "xsrf").unwrap_or_default();
            let fields: Vec<(&str, &str)> = if page.body.contains("value=\"login\"") {
                vec![("prompt", "login"), ("login", user), ("password", "any")]
            } else if page.body.contains("value=\"consent\"") {
                vec![("prompt", "consent")]
            } else if page.body.contains("xsrf") {
                vec![("xsrf", xsrf.as_str()), ("logout", "yes")]
            } else {
                panic!("unknown form at {}: {}", page.url, page.body)
            };
            page = self
                .request("POST", &absolute(&page.url, &action), Some(&fields), &[])
                .await;
        }
        panic!("the provider did not send the browser to {stop_at}");
    }

    /// Like [`Browser::idp_until`], then requests that URL (normally Lamplight's callback).
    pub async fn through_idp(&mut self, url: &str, user: &str, stop_at: &str) -> Page {
        let target = self.idp_until(url, user, stop_at).await;
        self.get(&target).await
    }
}

fn form_action(html: &str) -> Option<String> {
    let start = html.find("<form")?;
    let action = html[start..].find("action=\"")? + start + 8;
    let end = html[action..].find('"')? + action;
    Some(html[action..end].replace("&amp;", "&"))
}

fn hidden_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\""))?;
    let tag_start = html[..at].rfind('<')?;
    let tag_end = html[at..].find('>')? + at;
    let tag = &html[tag_start..tag_end];
    let value = tag.find("value=\"")? + 7;
    Some(tag[value..value + tag[value..].find('"')?].to_string())
}
