//! One source of truth for Lamplight's RBAC: the chart's ClusterRole template is what `src/rbac.rs`
//! generates, and `lamplight print-rbac` prints YAML that parses, with the rules each mode needs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const UPDATE_VARIABLE: &str = "LAMPLIGHT_UPDATE_CHART_RBAC";

fn chart_template_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("charts/lamplight/templates/clusterrole.yaml")
}

#[test]
fn the_chart_cluster_role_is_generated_from_src_rbac() {
    let path = chart_template_path();
    let generated = lamplight::rbac::chart_template();
    if std::env::var(UPDATE_VARIABLE).is_ok_and(|value| value == "1") {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        let first_difference = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(generated.lines().count()));
        panic!(
            "{} is not what src/rbac.rs generates (first difference at line {}).\n\
             The rules live in src/rbac.rs; regenerate the template with\n\
             \n    {UPDATE_VARIABLE}=1 cargo test --test rbac\n",
            path.display(),
            first_difference + 1
        );
    }
}

fn print_rbac(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lamplight"))
        .arg("print-rbac")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn stdout(args: &[&str]) -> String {
    let output = print_rbac(args);
    assert!(output.status.success(), "print-rbac {args:?}: {output:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// The documents of a YAML stream, parsed by PyYAML when this machine has it (tests/run installs it
/// only after the cargo tests), else by [`simple_yaml`], which reads the fixed shape print-rbac writes.
fn documents(yaml: &str) -> Vec<Value> {
    let script = "import json, sys, yaml\n\
                  print(json.dumps([d for d in yaml.safe_load_all(sys.stdin) if d is not None]))";
    let python = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    if let Ok(mut child) = python {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(yaml.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        if output.status.success() {
            return serde_json::from_slice(&output.stdout).unwrap();
        }
        assert!(
            stderr.contains("No module named 'yaml'"),
            "PyYAML cannot parse print-rbac's output: {stderr}\n{yaml}"
        );
    }
    eprintln!("no python3 with PyYAML here: checking print-rbac's output structurally");
    simple_yaml(yaml)
}

/// Enough of YAML for print-rbac's output: comments, `---`, nested maps by indentation, block lists
/// of maps or scalars, flow lists and double-quoted (JSON) scalars.
fn simple_yaml(yaml: &str) -> Vec<Value> {
    let mut docs = Vec::new();
    for doc in yaml.split("---\n") {
        let lines: Vec<(usize, &str)> = doc
            .lines()
            .filter(|line| !line.trim_start().starts_with('#') && !line.trim().is_empty())
            .map(|line| (line.len() - line.trim_start().len(), line.trim_start()))
            .collect();
        if !lines.is_empty() {
            let mut at = 0;
            docs.push(block(&lines, &mut at, lines[0].0));
            assert_eq!(at, lines.len(), "unparsed lines in {doc}");
        }
    }
    docs
}

fn block(lines: &[(usize, &str)], at: &mut usize, indent: usize) -> Value {
    if lines[*at].1.starts_with("- ") {
        let mut items = Vec::new();
        while *at < lines.len() && lines[*at].0 == indent && lines[*at].1.starts_with("- ") {
            let item = &lines[*at].1[2..];
            if item.contains(": ") || item.ends_with(':') {
                // A map item: its first key on the dash's line, the rest two columns in.
                let mut rewritten: Vec<(usize, &str)> = vec![(indent + 2, item)];
                let mut end = *at + 1;
                while end < lines.len() && lines[end].0 > indent {
                    rewritten.push(lines[end]);
                    end += 1;
                }
                let mut inner = 0;
                items.push(block(&rewritten, &mut inner, indent + 2));
                assert_eq!(inner, rewritten.len());
                *at = end;
            } else {
                items.push(scalar(item));
                *at += 1;
            }
        }
        return Value::Array(items);
    }
    let mut map = serde_json::Map::new();
    while *at < lines.len() && lines[*at].0 == indent {
        let line = lines[*at].1;
        let (key, rest) = line.split_once(':').expect("a key");
        *at += 1;
        let value = if rest.trim().is_empty() {
            let child = lines[*at].0;
            assert!(child >= indent, "{line}");
            block(lines, at, child)
        } else {
            scalar(rest.trim())
        };
        map.insert(key.to_string(), value);
    }
    assert!(*at == lines.len() || lines[*at].0 < indent);
    Value::Object(map)
}

fn scalar(text: &str) -> Value {
    if text.starts_with('[') || text.starts_with('"') {
        serde_json::from_str(text).unwrap()
    } else {
        Value::String(text.to_string())
    }
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {value}"))
        .iter()
        .map(|item| item.as_str().unwrap())
        .collect()
}

fn objects(args: &[&str]) -> (Value, Value) {
    let docs = documents(&stdout(args));
    assert_eq!(docs.len(), 2, "{docs:?}");
    assert_eq!(docs[0]["kind"], "ClusterRole");
    assert_eq!(docs[1]["kind"], "ClusterRoleBinding");
    for doc in &docs {
        assert_eq!(doc["apiVersion"], "rbac.authorization.k8s.io/v1");
    }
    (docs[0].clone(), docs[1].clone())
}

#[test]
fn impersonate_mode_prints_an_impersonation_only_role_and_its_binding() {
    let (role, binding) = objects(&[
        "--mode",
        "impersonate",
        "--name",
        "dash",
        "--namespace",
        "ops",
        "--service-account=dash-sa",
    ]);
    assert_eq!(role["metadata"]["name"], "dash");
    let rules: Vec<(Vec<&str>, Vec<&str>, Vec<&str>)> = role["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| {
            (
                strings(&rule["apiGroups"]),
                strings(&rule["resources"]),
                strings(&rule["verbs"]),
            )
        })
        .collect();
    let impersonate = vec!["impersonate"];
    assert_eq!(
        rules,
        [
            (vec![""], vec!["users"], impersonate.clone()),
            (vec![""], vec!["groups"], impersonate.clone()),
            (
                vec!["authentication.k8s.io"],
                vec!["uids"],
                impersonate.clone()
            ),
            (
                vec!["authentication.k8s.io"],
                vec!["userextras/lamplight-request-id"],
                impersonate.clone()
            ),
            (
                vec!["authentication.k8s.io"],
                vec!["userextras/lamplight-anchor"],
                impersonate
            ),
        ]
    );
    assert_eq!(binding["metadata"]["name"], "dash");
    assert_eq!(binding["roleRef"]["kind"], "ClusterRole");
    assert_eq!(binding["roleRef"]["name"], "dash");
    assert_eq!(binding["roleRef"]["apiGroup"], "rbac.authorization.k8s.io");
    assert_eq!(
        binding["subjects"],
        serde_json::json!([{"kind": "ServiceAccount", "name": "dash-sa", "namespace": "ops"}])
    );
}

#[test]
fn the_default_mode_is_impersonate_with_default_names() {
    let (role, binding) = objects(&[]);
    assert_eq!(
        role["rules"][0]["verbs"],
        serde_json::json!(["impersonate"])
    );
    assert_eq!(
        binding["subjects"][0],
        serde_json::json!({"kind": "ServiceAccount", "name": "lamplight", "namespace": "default"})
    );
}

#[test]
fn read_only_mode_reads_and_never_grants_secrets() {
    let (role, _) = objects(&["--mode", "read-only"]);
    let rules = role["rules"].as_array().unwrap();
    assert!(!rules.is_empty());
    for rule in rules {
        assert_eq!(strings(&rule["verbs"]), ["get", "list", "watch"]);
        let groups = strings(&rule["apiGroups"]);
        assert!(!groups.contains(&"*"), "{rule}");
        let resources = strings(&rule["resources"]);
        assert!(
            !resources.iter().any(|r| r.starts_with("secrets")),
            "{rule}"
        );
        if groups.contains(&"") {
            assert!(!resources.contains(&"*"), "{rule}");
            assert!(resources.contains(&"pods/log"));
        }
    }
    let text = stdout(&["--mode", "read-only"]);
    assert!(!text.contains("secrets\n"));
}

#[test]
fn user_token_mode_prints_only_a_comment() {
    let text = stdout(&["--mode", "user-token"]);
    assert!(text.lines().all(|line| line.starts_with('#')), "{text}");
    assert!(text.contains("user-token"));
    assert!(documents(&text).is_empty());
}

#[test]
fn mistakes_exit_2_naming_them() {
    for (args, needles) in [
        (
            &["--mode", "cluster-admin"][..],
            &["\"cluster-admin\"", "--mode"][..],
        ),
        (&["--mode=readonly"], &["\"readonly\"", "read-only"]),
        (&["--verbose"], &["unknown option", "\"--verbose\""]),
        (&["--mode"], &["--mode needs a value"]),
        (&["--namespace", "Prod"], &["--namespace", "\"Prod\""]),
    ] {
        let output = print_rbac(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("lamplight print-rbac: "), "{stderr}");
        for needle in needles {
            assert!(stderr.contains(needle), "{args:?}: {stderr} lacks {needle}");
        }
    }
}

#[test]
fn help_is_printed_with_success() {
    let text = stdout(&["--help"]);
    for needle in [
        "--mode",
        "impersonate",
        "read-only",
        "user-token",
        "--service-account",
    ] {
        assert!(text.contains(needle), "{needle}");
    }
}
