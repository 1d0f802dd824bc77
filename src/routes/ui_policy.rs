//! The page of an `-html-static-dir` build: `index.html` as Headlamp's server rewrites it for
//! `-base-url`, and the Content-Security-Policy that lets exactly that build run.
//!
//! The embedded UI has no inline script or style, so its policy is strict. A Headlamp build has
//! two inline scripts (the base URL), MUI's inline styles, data-URL fonts and the editor's blob:
//! workers; its policy allows those and nothing else: each inline script by its SHA-256 hash
//! (computed from the page as served, so a script injected into the HTML does not run), and
//! `'unsafe-eval'` only when plugins are configured, since Headlamp runs a plugin's `main.js` with
//! `new Function`. Headlamp itself sends no policy at all.

use base64::Engine;
use sha2::{Digest, Sha256};

/// No inline script or style anywhere in the embedded UI, so the policy can be strict.
pub const STRICT: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; \
     form-action 'self'; frame-ancestors 'none'";

/// The line of Headlamp's `index.html` its server rewrites (`backend/cmd/headlamp.go`).
const HEADLAMP_BASE_URL_LINE: &str = "headlampBaseUrl = __baseUrl__";

/// Whether this `index.html` is a Headlamp build (which takes Headlamp's base-URL rewrite).
pub fn is_headlamp_build(html: &str) -> bool {
    html.contains(HEADLAMP_BASE_URL_LINE)
}

/// Headlamp's `makeBaseURLReplacements`, done in memory (Headlamp rewrites the file on disk): the
/// base URL goes into `headlampBaseUrl`, `./` becomes `{base}/` and CSS `url(` gets the base.
pub fn headlamp_rewrite(html: &str, base_url: &str) -> String {
    let value = if base_url.is_empty() { "/" } else { base_url };
    html.replace(
        HEADLAMP_BASE_URL_LINE,
        &format!("headlampBaseUrl = '{}'", js_string(value)),
    )
    .replace("./", &format!("{base_url}/"))
    .replace("url(", &format!("url({base_url}/"))
}

/// Text safe inside a single-quoted JavaScript string in an HTML `<script>` (the base URL is the
/// operator's, but a quote or `</script>` in it must not end the string or the element).
fn js_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '\'' | '"' | '<' | '>' | '&' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// `'sha256-…'` for each inline `<script>` (one without `src`), in page order.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut hashes = Vec::new();
    let mut at = 0;
    while let Some(found) = lower[at..].find("<script") {
        let start = at + found;
        let Some(tag_end) = lower[start..].find('>').map(|i| start + i) else {
            break;
        };
        let tag = &lower[start..tag_end];
        let Some(close) = lower[tag_end..].find("</script").map(|i| tag_end + i) else {
            break;
        };
        let after_name = tag.as_bytes().get("<script".len()).copied();
        let is_script_tag = matches!(after_name, Some(b' ' | b'\t' | b'\n' | b'\r' | b'/') | None);
        if is_script_tag && !has_src(tag) {
            let body = &html.as_bytes()[tag_end + 1..close];
            let digest = Sha256::digest(body);
            hashes.push(format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        at = close + "</script".len();
    }
    hashes
}

fn has_src(tag: &str) -> bool {
    tag.split(|c: char| c.is_ascii_whitespace())
        .any(|attribute| attribute == "src" || attribute.starts_with("src="))
}

/// The policy for a Headlamp (or any external) build's page. `hashes` allows its inline scripts;
/// `eval` is for plugins; `host` (already checked against the allowed hosts) adds its WebSocket
/// origins, which older browsers do not count as `'self'`.
pub fn external(hashes: &[String], eval: bool, host: Option<&str>) -> String {
    let mut script = String::from("'self'");
    for hash in hashes {
        script.push(' ');
        script.push_str(hash);
    }
    if eval {
        script.push_str(" 'unsafe-eval'");
    }
    let mut connect = String::from("'self'");
    if let Some(host) = host.filter(|h| plain_host(h)) {
        connect.push_str(&format!(" ws://{host} wss://{host}"));
    }
    format!(
        "default-src 'self'; script-src {script}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:; font-src 'self' data:; worker-src 'self' blob:; \
         connect-src {connect}; object-src 'none'; base-uri 'self'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// A `host[:port]` that cannot change the policy it is written into.
fn plain_host(host: &str) -> bool {
    !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADLAMP_INDEX: &str = "<head><script>\n        __baseUrl__ = './';\n        headlampBaseUrl = __baseUrl__;\n    </script>\
        <script type=\"module\" crossorigin src=\"./assets/index.js\"></script>\
        <style>.a{background:url(x.png)}</style><SCRIPT>var b = 1;</SCRIPT></head>";

    #[test]
    fn inline_scripts_are_hashed_and_external_ones_skipped() {
        let hashes = inline_script_hashes(HEADLAMP_INDEX);
        assert_eq!(hashes.len(), 2, "{hashes:?}");
        let first = "\n        __baseUrl__ = './';\n        headlampBaseUrl = __baseUrl__;\n    ";
        let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(first));
        assert_eq!(hashes[0], format!("'sha256-{expected}'"));
        assert!(inline_script_hashes("<p>no script</p>").is_empty());
        assert!(inline_script_hashes("<scripts>x</scripts>").is_empty());
    }

    #[test]
    fn the_rewrite_is_headlamps() {
        let page = headlamp_rewrite(HEADLAMP_INDEX, "/headlamp");
        assert!(page.contains("headlampBaseUrl = '/headlamp'"), "{page}");
        assert!(page.contains("src=\"/headlamp/assets/index.js\""), "{page}");
        assert!(page.contains("url(/headlamp/x.png)"), "{page}");
        let root = headlamp_rewrite(HEADLAMP_INDEX, "");
        assert!(root.contains("headlampBaseUrl = '/'"), "{root}");
        assert!(root.contains("src=\"/assets/index.js\""), "{root}");
        let quoted = headlamp_rewrite(HEADLAMP_INDEX, "/a'</script>");
        assert!(
            quoted.contains(r"headlampBaseUrl = '/a\x27\x3c/script\x3e'"),
            "{quoted}"
        );
    }

    #[test]
    fn the_external_policy_allows_only_what_was_asked() {
        let policy = external(&["'sha256-x'".into()], false, Some("dash.example.com:8443"));
        assert!(policy.contains("script-src 'self' 'sha256-x';"), "{policy}");
        assert!(!policy.contains("unsafe-eval"));
        assert!(policy.contains(
            "connect-src 'self' ws://dash.example.com:8443 wss://dash.example.com:8443;"
        ));
        assert!(external(&[], true, None).contains("script-src 'self' 'unsafe-eval';"));
        let injected = external(&[], false, Some("evil; script-src *"));
        assert!(!injected.contains("evil"), "{injected}");
    }
}
