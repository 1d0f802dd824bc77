//! The settings a Headlamp frontend build needs from its server: the page's security policy,
//! plugin folders and the defaults `/config` passes on; and what becomes of Headlamp's other flags.

use std::path::PathBuf;

use super::flags::Key;
use super::headlamp::Decision;
use super::sources::RawSettings;
use super::validate::{Env, Reader};
use super::{HeadlampUiDefaults, PluginDirs, SettingsError, UiSettings};

/// Headlamp's image sets this variable, not a flag, for the plugins it ships.
const STATIC_PLUGINS_ENV: &str = "HEADLAMP_STATIC_PLUGINS_DIR";

pub(super) fn settings(reader: &Reader, env: &Env) -> Result<UiSettings, SettingsError> {
    let csp = reader.parse(Key::UiCsp, |value| {
        if value.chars().any(|c| c.is_control()) {
            return Err("a policy is one line of printable text".to_string());
        }
        Ok(Some(value.to_string()).filter(|v| !v.is_empty()))
    })?;
    let static_from_env = env
        .iter()
        .find(|(name, value)| name == STATIC_PLUGINS_ENV && !value.is_empty())
        .map(|(_, value)| PathBuf::from(value));
    let plugins = PluginDirs {
        development: plugin_dir(reader, Key::PluginsDir)?,
        user: plugin_dir(reader, Key::UserPluginsDir)?,
        shipped: match plugin_dir(reader, Key::StaticPluginsDir)? {
            Some(dir) => Some(dir),
            None => static_from_env.filter(|dir| !dir.exists() || dir.is_dir()),
        },
    };
    let defaults = HeadlampUiDefaults {
        pod_debug_image: reader.text(Key::PodDebugImage),
        node_shell_image: reader.text(Key::NodeShellImage),
        node_shell_namespace: reader.text(Key::NodeShellNamespace),
        default_light_theme: reader.text(Key::DefaultLightTheme),
        default_dark_theme: reader.text(Key::DefaultDarkTheme),
        force_theme: reader.text(Key::ForceTheme),
    };
    Ok(UiSettings {
        csp,
        plugins,
        defaults,
    })
}

/// A folder that may not exist yet (Headlamp's image passes `-plugins-dir` whether or not any
/// plugin is installed: no folder means no plugins), but is not a file.
fn plugin_dir(reader: &Reader, key: Key) -> Result<Option<PathBuf>, SettingsError> {
    match reader.optional_text(key) {
        None => Ok(None),
        Some(dir) => {
            let path = PathBuf::from(dir);
            if path.exists() && !path.is_dir() {
                return Err(reader.invalid(key, "not a directory"));
            }
            Ok(Some(path))
        }
    }
}

/// Warnings for Headlamp's flags that do nothing here; an error for the first one Lamplight refuses.
pub(super) fn headlamp_only(raw: &RawSettings) -> Result<Vec<String>, SettingsError> {
    let mut warnings = Vec::new();
    for (flag, value) in &raw.headlamp_only {
        match flag.decision {
            Decision::Refused(why) => {
                return Err(SettingsError::Conflict(format!(
                    "-{} (from {}) is a Headlamp flag Lamplight refuses: {why}",
                    flag.name, value.source
                )));
            }
            Decision::Ignored(why) => warnings.push(format!(
                "-{} (from {}) is a Headlamp flag Lamplight accepts and ignores: {why}",
                flag.name, value.source
            )),
            Decision::Supported(_) => {}
        }
    }
    Ok(warnings)
}
