//! A pretend container shell: enough commands for exec tests to see real-looking output.

use std::time::Duration;

/// One thing the command does, in order, so output can be streamed as it "happens".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Stdout(String),
    Stderr(String),
    Sleep(Duration),
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    pub steps: Vec<Step>,
    pub code: i32,
}

impl Outcome {
    fn out(&mut self, text: impl Into<String>, to_stderr: bool) {
        let text = text.into();
        if text.is_empty() {
            return;
        }
        self.steps.push(if to_stderr {
            Step::Stderr(text)
        } else {
            Step::Stdout(text)
        });
    }
}

const SHELLS: &[&str] = &["sh", "bash", "ash", "zsh", "dash"];

fn program(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Commands that read stdin until it closes: a bare shell or `cat`.
pub fn is_interactive(argv: &[String]) -> bool {
    match argv {
        [cmd] => SHELLS.contains(&program(cmd)) || program(cmd) == "cat",
        [cmd, flag] => {
            SHELLS.contains(&program(cmd)) && matches!(flag.as_str(), "-i" | "-l" | "-il")
        }
        _ => false,
    }
}

pub fn run(argv: &[String], pod: &str) -> Outcome {
    match argv {
        [shell, flag, script, ..] if SHELLS.contains(&program(shell)) && flag == "-c" => {
            run_script(script, pod)
        }
        _ => {
            let mut outcome = Outcome::default();
            run_command(argv, pod, &mut outcome, false);
            outcome
        }
    }
}

fn run_script(script: &str, pod: &str) -> Outcome {
    let mut outcome = Outcome::default();
    for (command, only_if_ok) in split_commands(script) {
        if only_if_ok && outcome.code != 0 {
            continue;
        }
        let mut words = tokenize(&command);
        let to_stderr = words.iter().any(|w| w == ">&2" || w == "1>&2");
        words.retain(|w| w != ">&2" && w != "1>&2");
        if words.is_empty() {
            continue;
        }
        let mut result = Outcome::default();
        let exit = run_command(&words, pod, &mut result, true);
        for step in result.steps {
            match step {
                Step::Stdout(text) if to_stderr => outcome.steps.push(Step::Stderr(text)),
                other => outcome.steps.push(other),
            }
        }
        outcome.code = result.code;
        if exit {
            break;
        }
    }
    outcome
}

/// Runs one command into `outcome`; returns true when the shell should stop (`exit`).
fn run_command(words: &[String], pod: &str, outcome: &mut Outcome, in_shell: bool) -> bool {
    let Some((cmd, args)) = words.split_first() else {
        return false;
    };
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match program(cmd) {
        "echo" => match args.as_slice() {
            ["-n", rest @ ..] => outcome.out(rest.join(" "), false),
            _ => outcome.out(format!("{}\n", args.join(" ")), false),
        },
        "printf" => {
            if let Some((format, values)) = args.split_first() {
                outcome.out(printf(format, values), false);
            }
        }
        "exit" => {
            outcome.code = args.first().and_then(|c| c.parse().ok()).unwrap_or(0);
            return true;
        }
        "true" | ":" => {}
        "false" => outcome.code = 1,
        "hostname" => outcome.out(format!("{pod}\n"), false),
        "whoami" => outcome.out("root\n", false),
        "id" => outcome.out("uid=0(root) gid=0(root) groups=0(root)\n", false),
        "pwd" => outcome.out("/\n", false),
        "uname" => outcome.out("Linux\n", false),
        "date" => outcome.out(format!("{}\n", crate::clock::now()), false),
        "ls" => outcome.out("bin\ndev\netc\nhome\nproc\nroot\nsys\ntmp\nusr\nvar\n", false),
        "env" | "printenv" => outcome.out(
            format!("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nHOSTNAME={pod}\nHOME=/root\n"),
            false,
        ),
        "sleep" => {
            let seconds: f64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(0.0);
            outcome
                .steps
                .push(Step::Sleep(Duration::from_secs_f64(seconds.clamp(0.0, 3600.0))));
        }
        "cat" => {
            for file in args {
                match file {
                    "/etc/hostname" => outcome.out(format!("{pod}\n"), false),
                    _ => {
                        outcome.out(format!("cat: {file}: No such file or directory\n"), true);
                        outcome.code = 1;
                    }
                }
            }
        }
        other if in_shell => {
            outcome.out(format!("sh: 1: {other}: not found\n"), true);
            outcome.code = 127;
        }
        other => {
            outcome.out(
                format!("exec: \"{other}\": executable file not found in $PATH\n"),
                true,
            );
            outcome.code = 127;
        }
    }
    false
}

fn printf(format: &str, values: &[&str]) -> String {
    let mut values = values.iter();
    let mut out = String::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('\\', Some('n')) => {
                chars.next();
                out.push('\n');
            }
            ('\\', Some('t')) => {
                chars.next();
                out.push('\t');
            }
            ('%', Some('s' | 'd')) => {
                chars.next();
                out.push_str(values.next().copied().unwrap_or_default());
            }
            _ => out.push(c),
        }
    }
    out
}

/// Splits on `;`, newlines and `&&` outside quotes; the flag says "only if the last succeeded".
fn split_commands(script: &str) -> Vec<(String, bool)> {
    let mut commands = Vec::new();
    let mut current = String::new();
    let mut only_if_ok = false;
    let mut quote: Option<char> = None;
    let mut chars = script.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                current.push(c);
            }
            (Some(_), c) => current.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                current.push(c);
            }
            (None, ';' | '\n') => {
                commands.push((std::mem::take(&mut current), only_if_ok));
                only_if_ok = false;
            }
            (None, '&') if chars.peek() == Some(&'&') => {
                chars.next();
                commands.push((std::mem::take(&mut current), only_if_ok));
                only_if_ok = true;
            }
            (None, c) => current.push(c),
        }
    }
    commands.push((current, only_if_ok));
    commands
        .into_iter()
        .filter(|(c, _)| !c.trim().is_empty())
        .collect()
}

/// Whitespace-separated words with single and double quotes removed.
fn tokenize(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => {
                if let Some(next) = chars.next() {
                    word.push(next);
                }
            }
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn echo_and_exit() {
        let outcome = run(&argv(&["echo", "a", "b"]), "p");
        assert_eq!(outcome.steps, vec![Step::Stdout("a b\n".into())]);
        assert_eq!(outcome.code, 0);
        assert_eq!(run(&argv(&["sh", "-c", "exit 3"]), "p").code, 3);
    }

    #[test]
    fn scripts() {
        let outcome = run(
            &argv(&[
                "sh",
                "-c",
                "echo 'one two'; echo err >&2 && false && echo never; hostname",
            ]),
            "web-1",
        );
        assert_eq!(
            outcome.steps,
            vec![
                Step::Stdout("one two\n".into()),
                Step::Stderr("err\n".into()),
                Step::Stdout("web-1\n".into()),
            ]
        );
        assert_eq!(outcome.code, 0);
        assert!(is_interactive(&argv(&["/bin/sh"])));
        assert!(!is_interactive(&argv(&["sh", "-c", "cat"])));
    }
}
