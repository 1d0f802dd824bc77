//! Gathers raw flag values from the layers (default < config file < environment < command line),
//! remembering where each came from so an error can say which one to fix.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use clap::error::{ContextKind, ContextValue, ErrorKind};

use super::SettingsError;
use super::flags::{self, ENV_PREFIX, FLAGS, Key, Kind};
use super::headlamp::{self, HEADLAMP_FLAGS, HeadlampFlag, Shape};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Default,
    File(PathBuf),
    Env(String),
    CommandLine,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => write!(f, "the default"),
            Source::File(path) => write!(f, "config file {}", path.display()),
            Source::Env(var) => write!(f, "environment variable {var}"),
            Source::CommandLine => write!(f, "the command line"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Raw {
    pub value: String,
    pub source: Source,
}

/// Every flag's winning raw value, indexed by [`Key`].
#[derive(Debug)]
pub struct RawSettings {
    values: Vec<Raw>,
    pub warnings: Vec<String>,
    /// Headlamp's flags that Lamplight does not implement, as set (validation warns or refuses).
    pub headlamp_only: Vec<(&'static HeadlampFlag, Raw)>,
}

impl RawSettings {
    pub fn get(&self, key: Key) -> &Raw {
        // `values` is built from FLAGS, which has an entry for every key, in key order.
        &self.values[key as usize]
    }
}

/// What the command line asked for besides settings.
pub enum Outcome {
    Settings(RawSettings),
    /// `--help` or `--version`: print this and exit successfully.
    Print(String),
}

pub fn gather<I, E>(args: I, env: E) -> Result<Outcome, SettingsError>
where
    I: IntoIterator<Item = String>,
    E: IntoIterator<Item = (String, String)>,
{
    let (cli, cli_headlamp) = match parse_command_line(args)? {
        CommandLine::Values(values, headlamp) => (values, headlamp),
        CommandLine::Print(text) => return Ok(Outcome::Print(text)),
    };
    let (env, env_headlamp, mut warnings) = read_env(env);

    let mut values: Vec<Raw> = FLAGS
        .iter()
        .map(|flag| Raw {
            value: flag.default.to_string(),
            source: Source::Default,
        })
        .collect();

    let config_path = cli
        .get(&Key::Config)
        .or_else(|| env.get(&Key::Config))
        .map(|raw| raw.value.clone());
    let (file, file_headlamp) = match config_path.filter(|path| !path.is_empty()) {
        Some(path) => read_file(Path::new(&path))?,
        None => (HashMap::new(), Vec::new()),
    };
    // Later layers win: file over default, environment over file, command line over environment.
    for layer in [file, env, cli] {
        for (key, raw) in layer {
            values[key as usize] = raw;
        }
    }
    let mut headlamp_only: HashMap<&'static str, (&'static HeadlampFlag, Raw)> = HashMap::new();
    for layer in [file_headlamp, env_headlamp, cli_headlamp] {
        for (flag, raw) in layer {
            headlamp_only.insert(flag.name, (flag, raw));
        }
    }
    let mut headlamp_only: Vec<_> = headlamp_only.into_values().collect();
    headlamp_only.sort_by_key(|(flag, _)| flag.name);
    warnings.sort();
    Ok(Outcome::Settings(RawSettings {
        values,
        warnings,
        headlamp_only,
    }))
}

/// Headlamp-only flags as one layer gave them.
type HeadlampLayer = Vec<(&'static HeadlampFlag, Raw)>;

enum CommandLine {
    Values(HashMap<Key, Raw>, HeadlampLayer),
    Print(String),
}

fn command() -> clap::Command {
    let command = clap::Command::new("lamplight")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Kubernetes dashboard server with identity-aware-proxy authentication")
        .after_help(
            "Flags take one or two dashes, and `-name=value` or `-name value`. Each flag can also \
             be set with HEADLAMP_CONFIG_<NAME> (e.g. HEADLAMP_CONFIG_PROXY_AUTH=true) or as a key of \
             the --config file. Command line beats environment beats config file beats default.\n\n\
             `lamplight print-rbac --help`: the least-privilege RBAC for Lamplight's service account.",
        )
        .args_override_self(true)
        .disable_help_flag(true)
        .arg(
            clap::Arg::new("help")
                .long("help")
                .short('h')
                .action(clap::ArgAction::Help)
                .help("Print help"),
        );
    // Headlamp's flags that Lamplight does not implement: parsed (so a Headlamp deployment's
    // arguments start the server, which then warns or refuses by name), never listed in --help.
    let command = HEADLAMP_FLAGS
        .iter()
        .filter(|flag| flag.headlamp_only())
        .fold(command, |command, flag| {
            let arg = clap::Arg::new(flag.name).long(flag.name).hide(true);
            command.arg(match flag.shape {
                Shape::Bool => arg.num_args(0..=1).default_missing_value("true"),
                Shape::Text => arg.num_args(1),
            })
        });
    FLAGS.iter().fold(command, |command, flag| {
        let mut arg = clap::Arg::new(flag.name).long(flag.name).help(flag.help);
        arg = match flag.kind {
            Kind::Bool => arg
                .num_args(0..=1)
                .default_missing_value("true")
                .value_name("BOOL"),
            Kind::Text | Kind::Secret => arg.num_args(1).value_name("VALUE"),
        };
        if !flag.default.is_empty() {
            arg = arg.help(format!("{} [default: {}]", flag.help, flag.default));
        }
        command.arg(arg)
    })
}

/// Go's `flag` package, which Headlamp uses, takes `-name`; clap wants `--name`.
fn with_double_dashes(arg: String) -> String {
    let single_dash_word = arg.starts_with('-')
        && !arg.starts_with("--")
        && arg[1..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && arg.len() > 2;
    if single_dash_word {
        format!("-{arg}")
    } else {
        arg
    }
}

fn parse_command_line<I: IntoIterator<Item = String>>(
    args: I,
) -> Result<CommandLine, SettingsError> {
    let mut args = args.into_iter();
    let program = args.next().unwrap_or_else(|| "lamplight".to_string());
    let args = std::iter::once(program).chain(args.map(with_double_dashes));
    let matches = match command().try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(error) => return command_line_error(error),
    };
    let values = FLAGS
        .iter()
        .filter(|flag| {
            matches.value_source(flag.name) == Some(clap::parser::ValueSource::CommandLine)
        })
        .filter_map(|flag| {
            let value = matches.get_one::<String>(flag.name)?.clone();
            Some((
                flag.key,
                Raw {
                    value,
                    source: Source::CommandLine,
                },
            ))
        })
        .collect();
    let headlamp = HEADLAMP_FLAGS
        .iter()
        .filter(|flag| flag.headlamp_only())
        .filter(|flag| {
            matches.value_source(flag.name) == Some(clap::parser::ValueSource::CommandLine)
        })
        .filter_map(|flag| {
            let value = matches.get_one::<String>(flag.name)?.clone();
            Some((
                flag,
                Raw {
                    value,
                    source: Source::CommandLine,
                },
            ))
        })
        .collect();
    Ok(CommandLine::Values(values, headlamp))
}

fn command_line_error(error: clap::Error) -> Result<CommandLine, SettingsError> {
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            Ok(CommandLine::Print(error.render().to_string()))
        }
        ErrorKind::UnknownArgument => {
            let flag = match error.get(ContextKind::InvalidArg) {
                Some(ContextValue::String(arg)) => arg.split('=').next().unwrap_or(arg).to_string(),
                _ => "?".to_string(),
            };
            Err(SettingsError::UnknownFlag {
                flag: flag.trim_start_matches('-').to_string(),
            })
        }
        _ => {
            let rendered = error.render().to_string();
            let first_line = rendered.lines().next().unwrap_or("invalid command line");
            Err(SettingsError::CommandLine(
                first_line.trim_start_matches("error: ").to_string(),
            ))
        }
    }
}

fn normalise_key(key: &str) -> String {
    key.trim().to_lowercase().replace('_', "-")
}

fn read_env<E: IntoIterator<Item = (String, String)>>(
    env: E,
) -> (HashMap<Key, Raw>, HeadlampLayer, Vec<String>) {
    let mut values = HashMap::new();
    let mut headlamp = Vec::new();
    let mut warnings = Vec::new();
    for (var, value) in env {
        let Some(suffix) = var.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        // Helm charts often render unset values as empty strings: treat them as unset.
        if value.is_empty() {
            continue;
        }
        let name = normalise_key(suffix);
        let raw = Raw {
            value,
            source: Source::Env(var.clone()),
        };
        if let Some(flag) = flags::find(&name) {
            values.insert(flag.key, raw);
        } else if let Some(flag) = headlamp::find_only(&name) {
            headlamp.push((flag, raw));
        } else {
            warnings.push(format!("ignoring environment variable {var}: no such flag"));
        }
    }
    (values, headlamp, warnings)
}

fn read_file(path: &Path) -> Result<(HashMap<Key, Raw>, HeadlampLayer), SettingsError> {
    let file_error = |reason: String| SettingsError::ConfigFile {
        path: path.to_path_buf(),
        reason,
    };
    if !path.is_file() {
        return Err(file_error("no such file".to_string()));
    }
    let table = config::Config::builder()
        .add_source(config::File::from(path).format(config::FileFormat::Toml))
        .build()
        .map_err(|error| file_error(error.to_string()))?
        .try_deserialize::<HashMap<String, config::Value>>()
        .map_err(|error| file_error(error.to_string()))?;

    let mut values = HashMap::new();
    let mut headlamp = Vec::new();
    for (key, value) in table {
        let name = normalise_key(&key);
        let own = flags::find(&name).filter(|flag| flag.key != Key::Config);
        let headlamp_only = headlamp::find_only(&name);
        if own.is_none() && headlamp_only.is_none() {
            return Err(file_error(format!("unknown key `{key}`")));
        }
        let value =
            file_value(value).map_err(|reason| file_error(format!("key `{key}`: {reason}")))?;
        let raw = Raw {
            value,
            source: Source::File(path.to_path_buf()),
        };
        match (own, headlamp_only) {
            (Some(flag), _) => {
                values.insert(flag.key, raw);
            }
            (None, Some(flag)) => {
                headlamp.push((flag, raw));
            }
            (None, None) => {}
        }
    }
    Ok((values, headlamp))
}

/// Lists (`proxy-auth-trusted-proxies = ["10.0.0.0/8", ...]`) become the comma-separated flag form.
fn file_value(value: config::Value) -> Result<String, String> {
    use config::ValueKind;
    match value.kind {
        ValueKind::Array(items) => {
            let items = items
                .into_iter()
                .map(file_value)
                .collect::<Result<Vec<_>, _>>()?;
            Ok(items.join(","))
        }
        ValueKind::Table(_) => Err("expected a value, found a table".to_string()),
        ValueKind::Nil => Err("expected a value".to_string()),
        ValueKind::String(text) => Ok(text),
        other => Ok(other.to_string()),
    }
}
