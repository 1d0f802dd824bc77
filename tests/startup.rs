//! The real binary: start-up refusals (exit code 2, one line naming the flag) and what it logs.

use test_support::{Binary, RawHttp};

fn lamplight() -> Binary {
    Binary::new(env!("CARGO_BIN_EXE_lamplight"))
}

/// Runs the binary expecting it to refuse to start; returns its one line of complaint.
fn refusal(args: &[&str], env: &[(&str, &str)]) -> String {
    lamplight().refusal(args, env)
}

/// Arguments, environment, and the parts the refusal must mention.
type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a [&'a str]);

#[test]
fn each_bad_setting_stops_startup_naming_the_flag() {
    let cases: &[Case] = &[
        (
            &["-no-such-flag=1"],
            &[],
            &["unknown flag", "-no-such-flag"],
        ),
        (&["-proxy-auth=maybe"], &[], &["-proxy-auth", "\"maybe\""]),
        (&["-port=70000"], &[], &["-port", "70000"]),
        (
            &[],
            &[("HEADLAMP_CONFIG_PORT", "eighty")],
            &["-port", "HEADLAMP_CONFIG_PORT"],
        ),
        (
            &["-proxy-auth-trusted-proxies=10.0.0.300"],
            &[],
            &["-proxy-auth-trusted-proxies", "10.0.0.300"],
        ),
        (
            &["-proxy-auth", "-proxy-auth-trusted-proxies=::/0"],
            &[],
            &[
                "::/0",
                "every IPv6 address",
                "-proxy-auth-insecure-trust-any-peer",
            ],
        ),
        // "Everything" in halves, or as IPv4-mapped IPv6, is still everything.
        (
            &[
                "-proxy-auth",
                "-proxy-auth-trusted-proxies=0.0.0.0/1,128.0.0.0/1",
            ],
            &[],
            &["every IPv4 address", "-proxy-auth-trusted-proxies"],
        ),
        (
            &["-proxy-auth", "-proxy-auth-trusted-proxies=::/1,8000::/1"],
            &[],
            &["every IPv6 address"],
        ),
        (
            &["-proxy-auth", "-proxy-auth-trusted-proxies=::ffff:0:0/96"],
            &[],
            &["every IPv4 address"],
        ),
        (
            &["-allowed-hosts=https://dash.example.com"],
            &[],
            &["-allowed-hosts", "host name"],
        ),
        (
            &["-proxy-auth-email-header=X-Forwarded-Group"],
            &[],
            &["-proxy-auth-email-header", "-proxy-auth-group-header"],
        ),
        (
            &["-proxy-auth-username-header=bad header"],
            &[],
            &["-proxy-auth-username-header"],
        ),
        (&["-base-url=ui"], &[], &["-base-url", "start with /"]),
        (&["-log-format=xml"], &[], &["-log-format", "text or json"]),
        (&["-listen-addr=somewhere"], &[], &["-listen-addr"]),
        (
            &["-html-static-dir=/no/such/dir"],
            &[],
            &["-html-static-dir", "no such directory"],
        ),
        (
            &["--config", "/no/such/file.toml"],
            &[],
            &["/no/such/file.toml"],
        ),
    ];
    for (args, env, expected) in cases {
        let message = refusal(args, env);
        assert!(
            !message.contains("short-secret-value"),
            "a secret was echoed: {message}"
        );
        for part in *expected {
            assert!(
                message.contains(part),
                "{args:?}: expected {part:?} in {message}"
            );
        }
    }
}

#[test]
fn headlamps_extra_args_are_refused_until_trusted_proxies_are_set() {
    let message = refusal(&["-proxy-auth=true"], &[]);
    assert!(
        message.contains("needs -proxy-auth-trusted-proxies"),
        "{message}"
    );
    let message = refusal(&[], &[("HEADLAMP_CONFIG_PROXY_AUTH", "true")]);
    assert!(message.contains("HEADLAMP_CONFIG_PROXY_AUTH"), "{message}");
}

#[test]
fn help_lists_headlamps_flags() {
    let output = lamplight().command().arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for flag in [
        "--proxy-auth ",
        "--proxy-auth-trusted-proxies",
        "--base-url",
        "HEADLAMP_CONFIG_",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help");
    }
}

#[actix_web::test]
async fn logs_are_json_lines_with_the_user_and_never_a_secret() {
    let mut server = lamplight().start(&[
        "-log-format=json",
        "-log-level=trace",
        "-proxy-auth=true",
        "-proxy-auth-trusted-proxies=127.0.0.1",
    ]);
    let http = RawHttp::new(server.address());
    let secrets = [
        "tok-SECRET-1111",
        "auth-SECRET-2222",
        "cookie-SECRET-3333",
        "query-SECRET-4444",
    ];
    let response = http
        .get(
            "/me?code=query-SECRET-4444",
            &[
                ("X-Forwarded-User", b"alice"),
                ("X-Forwarded-Id-Token", b"tok-SECRET-1111"),
                ("Authorization", b"Bearer auth-SECRET-2222"),
                ("Cookie", b"session=cookie-SECRET-3333"),
            ],
        )
        .await;
    assert_eq!(response.status, 200, "{response:?}");
    let refused = http
        .get(
            "/me",
            &[
                ("X_Forwarded_User", b"alice"),
                ("X-Forwarded-Id-Token", b"tok-SECRET-1111"),
            ],
        )
        .await;
    assert_eq!(refused.status, 400, "{refused:?}");
    server.wait_for("looks like");
    let logs = server.stop();

    for line in &logs {
        let parsed: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        // Audit lines are records of their own (kind "audit"), not log events.
        assert!(
            parsed["level"].is_string() || parsed["kind"] == "audit",
            "{line}"
        );
        for secret in secrets {
            assert!(
                !line.contains(secret),
                "a secret leaked into the log: {line}"
            );
        }
    }
    let completed = logs
        .iter()
        .find(|line| line.contains("request completed") && line.contains("alice"))
        .unwrap_or_else(|| panic!("no request line naming the user: {logs:#?}"));
    let completed: serde_json::Value = serde_json::from_str(completed).unwrap();
    let span = &completed["span"];
    assert_eq!(span["user.name"], "alice");
    assert_eq!(span["http.route"], "/me");
    assert_eq!(span["http.status_code"], 200);
    assert!(span["latency_ms"].is_number(), "{span}");
    assert_eq!(span["request_id"].as_str().map(str::len), Some(36));
    // The look-alike refusal is in the audit log too, without the token it came with.
    assert!(
        logs.iter()
            .any(|line| line.contains("\"kind\":\"audit\"") && line.contains("look_alike_header")),
        "{logs:#?}"
    );
}

#[test]
fn the_insecure_flag_warns_at_every_start() {
    let mut server = lamplight().start(&["-proxy-auth", "-proxy-auth-insecure-trust-any-peer"]);
    let warning = server.wait_for("proxy-auth-insecure-trust-any-peer");
    assert!(warning.contains("WARN"), "{warning}");
    server.stop();
}

#[test]
fn a_weak_or_unreadable_proxy_secret_stops_startup() {
    let dir = tempfile::tempdir().unwrap();
    let short = dir.path().join("short");
    std::fs::write(&short, "too-short\n").unwrap();
    let three = dir.path().join("three");
    let line = "a".repeat(40);
    std::fs::write(&three, format!("{line}\n{line}b\n{line}c\n")).unwrap();
    let missing = dir.path().join("missing");
    for (path, expected) in [
        (&short, "at least 32 characters"),
        (&three, "at most two secrets"),
        (&missing, "cannot read it"),
    ] {
        let flag = format!("-proxy-auth-secret-file={}", path.display());
        let message = refusal(&["-proxy-auth=true", &flag], &[]);
        assert!(
            message.contains("-proxy-auth-secret-file") && message.contains(expected),
            "{message}"
        );
        assert!(
            !message.contains("too-short"),
            "the secret is echoed: {message}"
        );
    }
}
