//! Configuration: built-in defaults, then a TOML file, then `VIGIE_*` environment variables,
//! then command-line flags. Unknown keys, in the file or the environment, are an error.

use anyhow::{bail, Context};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address and port to listen on.
    pub listen: SocketAddr,
    /// Where the SQLite database and the secret key live.
    pub data_dir: PathBuf,
    /// `sqlite://path` (default: `<data_dir>/vigie.db`) or `postgres://…` for several nodes.
    pub database_url: Option<String>,
    /// Log filter, e.g. `info` or `vigie=debug`.
    pub log: String,
    /// Log format: `text` or `json`.
    pub log_format: String,
    /// Mark cookies `Secure`. Browsers accept them on `http://127.0.0.1` and `localhost`.
    pub cookie_secure: bool,
    /// Staff session length, in hours.
    pub session_hours: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("vigie-data"),
            database_url: None,
            log: "info".into(),
            log_format: "text".into(),
            cookie_secure: true,
            session_hours: 12,
        }
    }
}

const ENV_KEYS: &[&str] = &[
    "VIGIE_CONFIG",
    "VIGIE_LISTEN",
    "VIGIE_DATA_DIR",
    "VIGIE_DATABASE_URL",
    "VIGIE_LOG",
    "VIGIE_LOG_FORMAT",
    "VIGIE_COOKIE_SECURE",
    "VIGIE_SESSION_HOURS",
];

impl Config {
    /// Loads the file (if any) and applies the environment.
    pub fn load(
        file: Option<&Path>,
        env: impl Iterator<Item = (String, String)>,
    ) -> anyhow::Result<Self> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?;
                toml::from_str(&text).with_context(|| format!("in {}", path.display()))?
            }
            None => Config::default(),
        };
        for (key, value) in env {
            if !key.starts_with("VIGIE_") || key.starts_with("VIGIE_TEST_") {
                continue;
            }
            match key.as_str() {
                "VIGIE_CONFIG" => {}
                "VIGIE_LISTEN" => {
                    config.listen = value.parse().with_context(|| format!("{key}={value}"))?
                }
                "VIGIE_DATA_DIR" => config.data_dir = PathBuf::from(value),
                "VIGIE_DATABASE_URL" => config.database_url = Some(value),
                "VIGIE_LOG" => config.log = value,
                "VIGIE_LOG_FORMAT" => config.log_format = value,
                "VIGIE_COOKIE_SECURE" => config.cookie_secure = parse_bool(&key, &value)?,
                "VIGIE_SESSION_HOURS" => {
                    config.session_hours =
                        value.parse().with_context(|| format!("{key}={value}"))?
                }
                _ => bail!("unknown setting {key} (known: {})", ENV_KEYS.join(", ")),
            }
        }
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> anyhow::Result<()> {
        if !["text", "json"].contains(&self.log_format.as_str()) {
            bail!("log_format must be \"text\" or \"json\"");
        }
        if !(1..=24 * 7).contains(&self.session_hours) {
            bail!("session_hours must be between 1 and 168");
        }
        if let Some(url) = &self.database_url {
            let known = ["sqlite:", "postgres://", "postgresql://"];
            if !known.iter().any(|p| url.starts_with(p)) {
                bail!("database_url must start with sqlite:// or postgres://");
            }
        }
        Ok(())
    }

    /// The PostgreSQL URL, when the configuration names one.
    pub fn postgres_url(&self) -> Option<&str> {
        self.database_url
            .as_deref()
            .filter(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"))
    }

    /// The SQLite file to open.
    pub fn database_path(&self) -> PathBuf {
        match &self.database_url {
            Some(url) => PathBuf::from(
                url.trim_start_matches("sqlite://")
                    .trim_start_matches("sqlite:"),
            ),
            None => self.data_dir.join("vigie.db"),
        }
    }
}

fn parse_bool(key: &str, value: &str) -> anyhow::Result<bool> {
    match value {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => bail!("{key}: expected true or false, got {value:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn env(pairs: &[(&str, &str)]) -> impl Iterator<Item = (String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn defaults_listen_on_loopback_8080() {
        let c = Config::load(None, env(&[])).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.database_path(), PathBuf::from("vigie-data/vigie.db"));
    }

    #[test]
    fn file_then_environment_override() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        writeln!(f, "listen = \"127.0.0.1:9000\"\nlog = \"debug\"").unwrap();
        let c = Config::load(
            Some(f.path()),
            env(&[("VIGIE_LOG", "warn"), ("PATH", "/bin")]),
        )
        .unwrap();
        assert_eq!((c.listen.port(), c.log.as_str()), (9000, "warn"));
    }

    #[test]
    fn unknown_keys_are_errors() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        writeln!(f, "listen = \"127.0.0.1:9000\"\nlisten_port = 3").unwrap();
        let err = Config::load(Some(f.path()), env(&[])).unwrap_err();
        assert!(format!("{err:#}").contains("listen_port"), "{err:#}");
        let err = Config::load(None, env(&[("VIGIE_LISTN", "x")])).unwrap_err();
        assert!(err.to_string().contains("VIGIE_LISTN"));
        assert!(Config::load(None, env(&[("VIGIE_COOKIE_SECURE", "maybe")])).is_err());
    }
}
