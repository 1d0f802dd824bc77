use std::io::Write;

use super::*;

fn load(args: &[&str], env: &[(&str, &str)]) -> Result<Settings, SettingsError> {
    let args = std::iter::once("lamplight")
        .chain(args.iter().copied())
        .map(String::from);
    let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
    match Settings::load_from(args, env)? {
        Loaded::Run(settings) => Ok(*settings),
        Loaded::Print(text) => panic!("unexpected help output: {text}"),
    }
}

fn config_file(contents: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    file.write_all(contents.as_bytes()).unwrap();
    file
}

fn error(args: &[&str], env: &[(&str, &str)]) -> String {
    load(args, env)
        .expect_err("settings should have been refused")
        .to_string()
}

#[test]
fn defaults_match_headlamp() {
    let settings = load(&[], &[]).unwrap();
    assert_eq!(settings.server.port, 4466);
    assert_eq!(settings.server.base_url, "");
    assert!(!settings.proxy_auth.enabled);
    assert_eq!(settings.proxy_auth.username_header, "x-forwarded-user");
    assert_eq!(settings.proxy_auth.group_header, "x-forwarded-group");
    assert_eq!(settings.proxy_auth.email_header, "x-forwarded-email");
    assert_eq!(settings.proxy_auth.token_header, "x-forwarded-id-token");
    assert_eq!(settings.proxy_auth.group_separator, ",");
}

#[test]
fn each_layer_beats_the_one_below() {
    let file = config_file("port = 5000\n");
    let path = file.path().to_str().unwrap();

    assert_eq!(load(&[], &[]).unwrap().server.port, 4466, "default");
    assert_eq!(
        load(&["--config", path], &[]).unwrap().server.port,
        5000,
        "file beats default"
    );
    assert_eq!(
        load(&["--config", path], &[("HEADLAMP_CONFIG_PORT", "6000")])
            .unwrap()
            .server
            .port,
        6000,
        "environment beats file"
    );
    assert_eq!(
        load(
            &["--config", path, "-port=7000"],
            &[("HEADLAMP_CONFIG_PORT", "6000")]
        )
        .unwrap()
        .server
        .port,
        7000,
        "command line beats environment"
    );
}

#[test]
fn config_file_can_be_named_by_the_environment() {
    let file = config_file("base-url = \"/from-file\"\n");
    let env = [("HEADLAMP_CONFIG_CONFIG", file.path().to_str().unwrap())];
    assert_eq!(load(&[], &env).unwrap().server.base_url, "/from-file");
}

#[test]
fn every_flag_spelling_is_accepted() {
    for args in [
        &["-port=1234"][..],
        &["-port", "1234"],
        &["--port=1234"],
        &["--port", "1234"],
    ] {
        assert_eq!(load(args, &[]).unwrap().server.port, 1234, "{args:?}");
    }
    let trusted = "-proxy-auth-trusted-proxies=10.0.0.0/8";
    for args in [
        &["-proxy-auth=true", trusted][..],
        &["-proxy-auth", trusted],
        &["--proxy-auth", trusted],
        &["--proxy-auth=true", trusted],
        &[trusted, "-proxy-auth"],
    ] {
        assert!(load(args, &[]).unwrap().proxy_auth.enabled, "{args:?}");
    }
    assert!(
        !load(&["-proxy-auth=false"], &[])
            .unwrap()
            .proxy_auth
            .enabled
    );
}

#[test]
fn environment_uses_headlamp_names() {
    let settings = load(
        &[],
        &[
            ("HEADLAMP_CONFIG_PROXY_AUTH", "true"),
            (
                "HEADLAMP_CONFIG_PROXY_AUTH_TRUSTED_PROXIES",
                "10.0.0.1, 192.168.0.0/16",
            ),
            (
                "HEADLAMP_CONFIG_PROXY_AUTH_USERNAME_HEADER",
                "X-Auth-Request-User",
            ),
        ],
    )
    .unwrap();
    assert!(settings.proxy_auth.enabled);
    assert_eq!(settings.proxy_auth.username_header, "x-auth-request-user");
    let nets: Vec<String> = settings
        .proxy_auth
        .trusted_proxies
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(nets, ["10.0.0.1/32", "192.168.0.0/16"]);
}

#[test]
fn unknown_environment_variables_are_warned_about_not_fatal() {
    let settings = load(&[], &[("HEADLAMP_CONFIG_NO_SUCH_THING", "1")]).unwrap();
    assert!(
        settings
            .warnings
            .iter()
            .any(|w| w.contains("HEADLAMP_CONFIG_NO_SUCH_THING"))
    );
}

#[test]
fn config_file_lists_become_comma_separated_values() {
    let file = config_file(
        "proxy-auth = true\nproxy_auth_trusted_proxies = [\"10.0.0.0/8\", \"::1\"]\nlog-format = \"json\"\n",
    );
    let settings = load(&["--config", file.path().to_str().unwrap()], &[]).unwrap();
    assert!(settings.proxy_auth.enabled);
    assert_eq!(settings.proxy_auth.trusted_proxies.len(), 2);
    assert_eq!(settings.log.format, LogFormat::Json);
}

#[test]
fn errors_name_the_flag_the_value_and_the_source() {
    let message = error(&[], &[("HEADLAMP_CONFIG_PORT", "http")]);
    assert!(
        message.contains("-port")
            && message.contains("\"http\"")
            && message.contains("HEADLAMP_CONFIG_PORT")
    );

    let message = error(&["-proxy-auth=yes"], &[]);
    assert!(
        message.contains("-proxy-auth")
            && message.contains("\"yes\"")
            && message.contains("command line")
    );

    let message = error(&["-proxy-auth-trusted-proxies=10.0.0.0/33"], &[]);
    assert!(message.contains("-proxy-auth-trusted-proxies") && message.contains("10.0.0.0/33"));

    let file = config_file("port = \"x\"\n");
    let message = error(&["--config", file.path().to_str().unwrap()], &[]);
    assert!(
        message.contains("-port") && message.contains("config file"),
        "{message}"
    );
}

#[test]
fn proxy_auth_without_trusted_proxies_says_which_flag_to_add() {
    let message = error(&["-proxy-auth=true"], &[]);
    assert!(message.contains("-proxy-auth-trusted-proxies"), "{message}");
    assert!(
        message.contains("HEADLAMP_CONFIG_PROXY_AUTH_TRUSTED_PROXIES"),
        "{message}"
    );
    assert!(message.contains("X-Forwarded-User"), "{message}");
    assert!(
        load(
            &["-proxy-auth=true", "-proxy-auth-insecure-trust-any-peer"],
            &[]
        )
        .is_ok()
    );
}

#[test]
fn trusting_the_whole_internet_needs_the_insecure_flag() {
    for everything in ["0.0.0.0/0", "::/0"] {
        let flag = format!("-proxy-auth-trusted-proxies={everything}");
        assert!(error(&["-proxy-auth", &flag], &[]).contains("insecure"));
        assert!(
            load(
                &[
                    "-proxy-auth",
                    &flag,
                    "-proxy-auth-insecure-trust-any-peer=true"
                ],
                &[]
            )
            .is_ok()
        );
    }
}

#[test]
fn identity_headers_must_be_distinct() {
    let message = error(&["-proxy-auth-group-header=X-Forwarded-User"], &[]);
    assert!(
        message.contains("-proxy-auth-username-header")
            && message.contains("-proxy-auth-group-header")
    );
}

#[test]
fn base_url_must_be_a_path() {
    assert!(error(&["-base-url=headlamp"], &[]).contains("-base-url"));
    assert_eq!(
        load(&["-base-url=/headlamp/"], &[])
            .unwrap()
            .server
            .base_url,
        "/headlamp"
    );
}

#[test]
fn unknown_flags_and_keys_are_refused() {
    assert!(
        error(&["-proxy-authentication=true"], &[]).contains("unknown flag -proxy-authentication")
    );
    let file = config_file("prot = 1\n");
    let message = error(&["--config", file.path().to_str().unwrap()], &[]);
    assert!(message.contains("unknown key `prot`"), "{message}");
    assert!(
        error(&["--config", "/no/such/lamplight.toml"], &[]).contains("/no/such/lamplight.toml")
    );
}

#[test]
fn insecure_trust_warns() {
    let settings = load(&["-proxy-auth", "-proxy-auth-insecure-trust-any-peer"], &[]).unwrap();
    assert!(
        settings
            .warnings
            .iter()
            .any(|w| w.contains("-proxy-auth-insecure-trust-any-peer"))
    );
}

#[test]
fn the_annotated_example_config_loads() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config/lamplight.example.toml");
    let settings = load(&["--config", path], &[]).unwrap();
    assert_eq!(settings.server.port, 4466);
    assert_eq!(
        settings.proxy_auth.logout_url.as_deref(),
        Some("/oauth2/sign_out")
    );
}

#[test]
fn serving_everyone_without_sign_in_is_warned_about() {
    let open = load(&[], &[]).unwrap();
    assert!(
        open.warnings
            .iter()
            .any(|w| w.contains("no sign-in is configured")),
        "{:?}",
        open.warnings
    );
    let local = load(&["-listen-addr=127.0.0.1"], &[]).unwrap();
    assert!(!local.warnings.iter().any(|w| w.contains("no sign-in")));
    let proxied = load(
        &["-proxy-auth", "-proxy-auth-trusted-proxies=10.0.0.1"],
        &[],
    )
    .unwrap();
    assert!(!proxied.warnings.iter().any(|w| w.contains("no sign-in")));
}

/// The flags validation reads across configurations that, between them, use every feature.
fn keys_read_by(args: &[&str], env: &[(&str, &str)]) -> std::collections::BTreeSet<flags::Key> {
    let args = std::iter::once("lamplight")
        .chain(args.iter().copied())
        .map(String::from);
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    match sources::gather(args, env.clone()).unwrap() {
        sources::Outcome::Settings(raw) => validate::keys_read(raw, &env),
        sources::Outcome::Print(text) => panic!("unexpected help output: {text}"),
    }
}

/// Command-line flags and environment variables.
type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);

#[test]
fn every_flag_in_the_table_is_read() {
    let file = config_file("");
    let path = file.path().to_str().unwrap();
    let secret = "-oidc-cookie-secret=0123456789abcdef0123456789abcdef";
    let configurations: &[Case] = &[
        (&[], &[]),
        (
            &[
                "-proxy-auth",
                "-proxy-auth-trusted-proxies=127.0.0.1",
                "-proxy-auth-impersonate",
            ],
            &[],
        ),
        (
            &[
                "-oidc-client-id=lamplight",
                "-oidc-idp-issuer-url=https://idp.example",
                secret,
            ],
            &[],
        ),
        (
            &["-in-cluster"],
            &[
                ("KUBERNETES_SERVICE_HOST", "10.0.0.1"),
                ("KUBERNETES_SERVICE_PORT", "443"),
            ],
        ),
        (
            &[
                &format!("-tls-cert-path={path}"),
                &format!("-tls-key-path={path}"),
            ],
            &[],
        ),
    ];
    let mut read: std::collections::BTreeSet<flags::Key> = configurations
        .iter()
        .flat_map(|(args, env)| keys_read_by(args, env))
        .collect();
    // `-config` is read while the layers are gathered, before validation.
    read.insert(flags::Key::Config);
    let unread: Vec<&str> = flags::Key::ALL
        .iter()
        .filter(|key| !read.contains(key))
        .map(|key| key.name())
        .collect();
    assert!(unread.is_empty(), "flags never read: {unread:?}");
}

#[test]
fn every_flag_is_documented() {
    let help = match Settings::load_from(
        ["lamplight", "--help"].map(String::from),
        std::iter::empty(),
    )
    .unwrap()
    {
        Loaded::Print(text) => text,
        Loaded::Run(_) => panic!("--help printed nothing"),
    };
    let example = include_str!("../../config/lamplight.example.toml");
    let readme = include_str!("../../README.md");
    for flag in flags::FLAGS {
        let name = flag.name;
        assert!(help.contains(&format!("--{name}")), "--help lacks -{name}");
        assert!(
            readme.contains(&format!("`-{name}`")),
            "README.md does not mention `-{name}`"
        );
        // The file cannot name another config file.
        if flag.key != flags::Key::Config {
            let documented = example
                .lines()
                .map(|line| line.trim_start_matches('#').trim_start())
                .any(|line| line.starts_with(&format!("{name} =")));
            assert!(
                documented,
                "config/lamplight.example.toml has no `{name} = ...` line"
            );
        }
    }
}

#[test]
fn keys_and_table_entries_line_up() {
    assert_eq!(flags::Key::ALL.len(), flags::FLAGS.len());
    for (key, flag) in flags::Key::ALL.iter().zip(flags::FLAGS) {
        assert_eq!(*key, flag.key, "{}", flag.name);
        assert_eq!(key.flag().name, flag.name);
    }
}

#[test]
fn oidc_urls_are_parsed_at_start_up() {
    let secret = "-oidc-cookie-secret=0123456789abcdef0123456789abcdef";
    for (flag, value) in [
        ("oidc-idp-issuer-url", "https://"),
        ("oidc-idp-issuer-url", "idp.example"),
        ("oidc-validator-idp-issuer-url", "https://"),
        ("oidc-validator-idp-issuer-url", "ftp://idp.example"),
        ("oidc-callback-url", "http://"),
    ] {
        let mut args = vec![
            "-oidc-client-id=lamplight".to_string(),
            "-oidc-idp-issuer-url=https://idp.example".to_string(),
            secret.to_string(),
        ];
        args.push(format!("-{flag}={value}"));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let message = error(&args, &[]);
        assert!(
            message.contains(&format!("-{flag}")) && message.contains(value),
            "{flag}={value}: {message}"
        );
    }
    // Without a client id, the validator issuer still has to be a URL.
    let message = error(&[secret, "-oidc-validator-idp-issuer-url=https://"], &[]);
    assert!(
        message.contains("-oidc-validator-idp-issuer-url"),
        "{message}"
    );
}

#[test]
fn a_preset_fills_in_the_assertion_and_needs_only_the_audience() {
    let settings = load(
        &[
            "-proxy-auth=true",
            "-proxy-auth-preset=google-iap",
            "-proxy-auth-jwt-audience=/projects/1/global/backendServices/2",
        ],
        &[],
    )
    .unwrap();
    let assertion = settings.proxy_auth.assertion.clone().unwrap();
    assert_eq!(assertion.header, "x-goog-iap-jwt-assertion");
    assert_eq!(
        assertion.issuer.as_deref(),
        Some("https://cloud.google.com/iap")
    );
    assert_eq!(assertion.algorithm, Some("ES256"));
    assert_eq!(assertion.username_claim, "email");
    assert_eq!(assertion.groups_claim, None);
    assert_eq!(
        assertion.keys,
        KeySource::JwkSetUrl(
            url::Url::parse("https://www.gstatic.com/iap/verify/public_key-jwk").unwrap()
        )
    );
    assert_eq!(
        settings.proxy_auth.email_header,
        "x-goog-authenticated-user-email"
    );
    // The assertion is stripped upstream with the identity headers.
    assert!(
        settings
            .proxy_auth
            .stripped_headers()
            .iter()
            .any(|h| h == "x-goog-iap-jwt-assertion")
    );

    let alb = load(
        &[
            "-proxy-auth=true",
            "-proxy-auth-preset=aws-alb",
            "-proxy-auth-jwt-audience=arn:aws:elasticloadbalancing:us-east-2:1:loadbalancer/app/a/b",
        ],
        &[],
    )
    .unwrap();
    assert_eq!(
        alb.proxy_auth.assertion.unwrap().keys,
        KeySource::PemByKid(
            url::Url::parse("https://public-keys.auth.elb.us-east-2.amazonaws.com/").unwrap()
        )
    );
}

#[test]
fn anchor_flags_are_refused_by_name_when_they_cannot_work() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["-proxy-auth=true", "-proxy-auth-preset=google-iap"],
            "-proxy-auth-jwt-audience is required",
        ),
        (
            &[
                "-proxy-auth=true",
                "-proxy-auth-preset=okta",
                "-proxy-auth-jwt-audience=a",
            ],
            "expected one of oauth2-proxy",
        ),
        (
            &[
                "-proxy-auth=true",
                "-proxy-auth-preset=cloudflare-access",
                "-proxy-auth-jwt-audience=a",
            ],
            "needs -proxy-auth-jwt-issuer",
        ),
        (
            &[
                "-proxy-auth=true",
                "-proxy-auth-preset=aws-alb",
                "-proxy-auth-jwt-audience=my-app",
            ],
            "load balancer's ARN",
        ),
        (
            &[
                "-proxy-auth=true",
                "-proxy-auth-jwt-header=X-Assertion",
                "-proxy-auth-jwt-audience=a",
                "-proxy-auth-jwks-url=http://keys.example.com/jwks",
            ],
            "keys must come over https",
        ),
        (
            &[
                "-proxy-auth=true",
                "-proxy-auth-jwt-header=X-Assertion",
                "-proxy-auth-jwt-audience=a",
            ],
            "needs the keys",
        ),
        (
            &[
                "-proxy-auth=true",
                "-proxy-auth-trusted-proxies=10.0.0.1",
                "-proxy-auth-jwt-audience=a",
            ],
            "no assertion is expected",
        ),
        (
            &["-proxy-auth=true", "-proxy-auth-client-ca-file=/etc/hosts"],
            "needs -tls-cert-path",
        ),
        (
            &[
                "-proxy-auth=true",
                "-proxy-auth-trusted-proxies=10.0.0.1",
                "-proxy-auth-allowed-names=proxy",
            ],
            "-proxy-auth-allowed-names needs -proxy-auth-client-ca-file",
        ),
        (
            &[
                "-proxy-auth-preset=google-iap",
                "-proxy-auth-jwt-audience=a",
            ],
            "-proxy-auth is not true",
        ),
        (
            &[
                "-proxy-auth=true",
                "-proxy-auth-trusted-proxies=10.0.0.1",
                "-proxy-auth-stream-max-age=soon",
            ],
            "-proxy-auth-stream-max-age",
        ),
        (&["-metrics-port=9100"], "-metrics-enabled is not true"),
        (
            &["-metrics-enabled", "-metrics-port=4466"],
            "is the main port",
        ),
        (&["-audit-level=verbose"], "-audit-level"),
    ];
    for (args, words) in cases {
        let message = error(args, &[]);
        assert!(
            message.contains(words),
            "{args:?}: {words:?} not in {message:?}"
        );
    }
}

#[test]
fn every_headlamp_flag_starts_the_server_or_stops_it_by_name() {
    use super::headlamp::{Decision, HEADLAMP_FLAGS, Shape};
    for flag in HEADLAMP_FLAGS.iter().filter(|flag| flag.headlamp_only()) {
        let arg = match flag.shape {
            Shape::Bool => format!("-{}", flag.name),
            Shape::Text => format!("-{}=x", flag.name),
        };
        match flag.decision {
            Decision::Ignored(why) => {
                let settings = load(&[&arg], &[]).unwrap_or_else(|e| panic!("{arg}: {e}"));
                assert!(
                    settings
                        .warnings
                        .iter()
                        .any(|w| w.contains(&format!("-{} ", flag.name)) && w.contains(why)),
                    "{arg}: {:?}",
                    settings.warnings
                );
                // The environment and the config file name it too.
                let env = load(&[], &[(&flag.env_var(), "1")]).unwrap();
                assert!(
                    env.warnings.iter().any(|w| w.contains(&flag.env_var())),
                    "{:?}",
                    env.warnings
                );
            }
            Decision::Refused(why) => {
                let message = error(&[&arg], &[]);
                assert!(message.contains(&format!("-{}", flag.name)), "{message}");
                assert!(message.contains(why), "{message}");
                let file = config_file(&format!("{} = \"x\"\n", flag.name));
                let message = error(&["--config", file.path().to_str().unwrap()], &[]);
                assert!(message.contains(why), "{message}");
            }
            Decision::Supported(_) => unreachable!(),
        }
    }
    assert!(
        super::headlamp::unsupported_claims().is_empty(),
        "Headlamp flags said to be supported but missing from Lamplight's table: {:?}",
        super::headlamp::unsupported_claims()
    );
}

#[test]
fn headlamp_only_flags_stay_out_of_help() {
    let help = match Settings::load_from(
        ["lamplight", "--help"].map(String::from),
        std::iter::empty(),
    )
    .unwrap()
    {
        Loaded::Print(text) => text,
        Loaded::Run(_) => panic!("--help printed nothing"),
    };
    assert!(!help.contains("--enable-helm"), "{help}");
    assert!(help.contains("--plugins-dir"));
}

/// `docs/headlamp-compatibility.md` and the chart's README (its "Headlamp server flags") hold the
/// table the code decides; regenerate both with
/// `LAMPLIGHT_WRITE_DOCS=1 cargo test -p lamplight --lib headlamp_compatibility`.
#[test]
fn headlamp_compatibility_doc_matches_the_code() {
    const START: &str = "<!-- table: generated from src/settings/headlamp.rs -->\n";
    const END: &str = "<!-- end of table -->";
    let table = super::headlamp::markdown_table();
    for file in [
        "docs/headlamp-compatibility.md",
        "charts/lamplight/README.md",
    ] {
        let path = format!("{}/{file}", env!("CARGO_MANIFEST_DIR"));
        let doc = std::fs::read_to_string(&path).unwrap_or_default();
        if std::env::var_os("LAMPLIGHT_WRITE_DOCS").is_some() {
            let (before, after) = match (doc.find(START), doc.find(END)) {
                (Some(start), Some(end)) => (doc[..start].to_string(), doc[end..].to_string()),
                _ => (doc.clone(), END.to_string()),
            };
            std::fs::write(&path, format!("{before}{START}{table}{after}")).unwrap();
            continue;
        }
        assert!(
            doc.contains(&format!("{START}{table}{END}")),
            "{file} is out of date: run LAMPLIGHT_WRITE_DOCS=1 cargo test -p lamplight --lib headlamp_compatibility"
        );
    }
}

#[test]
fn headlamp_frontend_settings() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap();
    // Headlamp's image names its shipped plugins with a variable, not a flag.
    let settings = load(&[], &[("HEADLAMP_STATIC_PLUGINS_DIR", path)]).unwrap();
    assert_eq!(settings.ui.plugins.shipped.as_deref(), Some(dir.path()));
    let settings = load(&[&format!("-plugins-dir={path}/not-yet")], &[]).unwrap();
    assert!(
        settings.ui.plugins.any(),
        "a folder that does not exist yet holds no plugins"
    );
    let file = config_file("");
    let message = error(&[&format!("-plugins-dir={}", file.path().display())], &[]);
    assert!(
        message.contains("-plugins-dir") && message.contains("not a directory"),
        "{message}"
    );

    assert!(error(&["-ui-csp=default-src 'self'\nX-Injected: 1"], &[]).contains("-ui-csp"));

    let secret = "-oidc-cookie-secret=0123456789abcdef0123456789abcdef";
    let proxy = ["-proxy-auth", "-proxy-auth-trusted-proxies=127.0.0.1"];
    let message = error(&["-proxy-auth-allow-set-token"], &[]);
    assert!(message.contains("needs -proxy-auth=true"), "{message}");
    let message = error(&[proxy[0], proxy[1], "-proxy-auth-allow-set-token"], &[]);
    assert!(message.contains("-oidc-cookie-secret"), "{message}");
    let settings = load(
        &[proxy[0], proxy[1], "-proxy-auth-allow-set-token", secret],
        &[],
    )
    .unwrap();
    assert!(settings.proxy_auth.allow_set_token);
    assert!(settings.cookie_secret().is_some());

    let static_dir = format!("-html-static-dir={path}");
    let warned = load(&[&static_dir], &[]).unwrap();
    assert!(
        warned
            .warnings
            .iter()
            .any(|w| w.contains("set-token") && w.contains("-oidc-cookie-secret"))
    );
    let quiet = load(&[&static_dir, secret], &[]).unwrap();
    assert!(!quiet.warnings.iter().any(|w| w.contains("set-token")));
}
