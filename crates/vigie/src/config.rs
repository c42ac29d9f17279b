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
    /// Witness messages one conversation may send in a burst.
    pub message_burst: u32,
    /// Witness messages per minute per conversation, sustained.
    pub message_per_minute: u32,
    /// Conversations one client address may open in a burst.
    pub open_burst_per_address: u32,
    /// Conversations per hour per client address, sustained.
    pub open_per_hour_per_address: u32,
    /// Conversations opened per minute on the whole service.
    pub open_per_minute: u32,
    /// Behind a reverse proxy that sets `X-Forwarded-For`: take the client address from it.
    pub trusted_proxy: bool,
    /// Proof of work before a conversation opens: leading zero bits the page must find
    /// (each bit doubles the expected work; 0 still requires one solved hash).
    pub pow_difficulty: u32,
    /// Memory of each Argon2id hash of the proof of work, in KiB.
    pub pow_memory_kib: u32,
    /// Without JavaScript, the start form is accepted this many seconds after the page was
    /// served, instead of a proof of work.
    pub nojs_wait_seconds: u32,
    /// The response-time target: a witness should hear from an officer within this many
    /// seconds of opening a chat. The statistics count the chats that did not as breaches.
    pub response_target_seconds: u32,
    /// How long an officer has to accept a conversation offered to them.
    pub offer_timeout_seconds: u32,
    /// A held conversation without a first officer reply within this long goes back to the
    /// queue, and the shift lead is alerted.
    pub first_reply_seconds: u32,
    /// Largest photo a witness may send, in KiB.
    pub photo_max_kib: u32,
    /// The file holding the content key that seals messages, notes and reports at rest
    /// (default: `<data_dir>/content.key`, created on first start). Never inside the database.
    pub content_key_file: Option<PathBuf>,
    /// The content key itself, base64, from `VIGIE_CONTENT_KEY` only (never from the file).
    #[serde(skip)]
    pub content_key: Option<KeyText>,
}

/// A key given as text: compared, cloned, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyText(pub String);

impl std::fmt::Debug for KeyText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyText(…)")
    }
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
            message_burst: 10,
            message_per_minute: 30,
            open_burst_per_address: 5,
            open_per_hour_per_address: 20,
            open_per_minute: 300,
            trusted_proxy: false,
            pow_difficulty: 4,
            pow_memory_kib: 4096,
            nojs_wait_seconds: 5,
            response_target_seconds: 120,
            offer_timeout_seconds: 30,
            first_reply_seconds: 180,
            photo_max_kib: 10 * 1024,
            content_key_file: None,
            content_key: None,
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
    "VIGIE_MESSAGE_BURST",
    "VIGIE_MESSAGE_PER_MINUTE",
    "VIGIE_OPEN_BURST_PER_ADDRESS",
    "VIGIE_OPEN_PER_HOUR_PER_ADDRESS",
    "VIGIE_OPEN_PER_MINUTE",
    "VIGIE_TRUSTED_PROXY",
    "VIGIE_POW_DIFFICULTY",
    "VIGIE_POW_MEMORY_KIB",
    "VIGIE_NOJS_WAIT_SECONDS",
    "VIGIE_RESPONSE_TARGET_SECONDS",
    "VIGIE_OFFER_TIMEOUT_SECONDS",
    "VIGIE_FIRST_REPLY_SECONDS",
    "VIGIE_PHOTO_MAX_KIB",
    "VIGIE_CONTENT_KEY",
    "VIGIE_CONTENT_KEY_FILE",
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
                "VIGIE_MESSAGE_BURST" => config.message_burst = parse_u32(&key, &value)?,
                "VIGIE_MESSAGE_PER_MINUTE" => config.message_per_minute = parse_u32(&key, &value)?,
                "VIGIE_OPEN_BURST_PER_ADDRESS" => {
                    config.open_burst_per_address = parse_u32(&key, &value)?
                }
                "VIGIE_OPEN_PER_HOUR_PER_ADDRESS" => {
                    config.open_per_hour_per_address = parse_u32(&key, &value)?
                }
                "VIGIE_OPEN_PER_MINUTE" => config.open_per_minute = parse_u32(&key, &value)?,
                "VIGIE_TRUSTED_PROXY" => config.trusted_proxy = parse_bool(&key, &value)?,
                "VIGIE_POW_DIFFICULTY" => config.pow_difficulty = parse_u32(&key, &value)?,
                "VIGIE_POW_MEMORY_KIB" => config.pow_memory_kib = parse_u32(&key, &value)?,
                "VIGIE_NOJS_WAIT_SECONDS" => config.nojs_wait_seconds = parse_u32(&key, &value)?,
                "VIGIE_OFFER_TIMEOUT_SECONDS" => {
                    config.offer_timeout_seconds = parse_u32(&key, &value)?
                }
                "VIGIE_FIRST_REPLY_SECONDS" => {
                    config.first_reply_seconds = parse_u32(&key, &value)?
                }
                "VIGIE_RESPONSE_TARGET_SECONDS" => {
                    config.response_target_seconds = parse_u32(&key, &value)?
                }
                "VIGIE_PHOTO_MAX_KIB" => config.photo_max_kib = parse_u32(&key, &value)?,
                "VIGIE_CONTENT_KEY" => config.content_key = Some(KeyText(value)),
                "VIGIE_CONTENT_KEY_FILE" => config.content_key_file = Some(PathBuf::from(value)),
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
        for (name, value) in [
            ("message_burst", self.message_burst),
            ("message_per_minute", self.message_per_minute),
            ("open_burst_per_address", self.open_burst_per_address),
            ("open_per_hour_per_address", self.open_per_hour_per_address),
            ("open_per_minute", self.open_per_minute),
        ] {
            if value == 0 {
                bail!("{name} must be at least 1");
            }
        }
        if self.pow_difficulty > 24 {
            bail!("pow_difficulty must be between 0 and 24 (bits)");
        }
        if !(8..=262_144).contains(&self.pow_memory_kib) {
            bail!("pow_memory_kib must be between 8 and 262144");
        }
        if self.nojs_wait_seconds > 600 {
            bail!("nojs_wait_seconds must be at most 600");
        }
        if !(5..=600).contains(&self.offer_timeout_seconds) {
            bail!("offer_timeout_seconds must be between 5 and 600");
        }
        if !(30..=3600).contains(&self.first_reply_seconds) {
            bail!("first_reply_seconds must be between 30 and 3600");
        }
        if !(10..=3600).contains(&self.response_target_seconds) {
            bail!("response_target_seconds must be between 10 and 3600");
        }
        if !(16..=65_536).contains(&self.photo_max_kib) {
            bail!("photo_max_kib must be between 16 and 65536");
        }
        if self.content_key.is_some() && self.content_key_file.is_some() {
            bail!("set the content key once: VIGIE_CONTENT_KEY or content_key_file, not both");
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

    /// Where the content key is read from (or created on first start) when it is not given
    /// in `VIGIE_CONTENT_KEY`.
    pub fn content_key_path(&self) -> PathBuf {
        self.content_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("content.key"))
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

fn parse_u32(key: &str, value: &str) -> anyhow::Result<u32> {
    value.parse().with_context(|| format!("{key}={value}"))
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

    #[test]
    fn anti_abuse_limits_have_defaults_and_can_be_set() {
        let c = Config::load(None, env(&[])).unwrap();
        assert_eq!(
            (c.message_burst, c.message_per_minute, c.trusted_proxy),
            (10, 30, false)
        );
        let c = Config::load(
            None,
            env(&[
                ("VIGIE_MESSAGE_BURST", "3"),
                ("VIGIE_OPEN_PER_MINUTE", "60"),
                ("VIGIE_TRUSTED_PROXY", "true"),
            ]),
        )
        .unwrap();
        assert_eq!(
            (c.message_burst, c.open_per_minute, c.trusted_proxy),
            (3, 60, true)
        );
        assert!(Config::load(None, env(&[("VIGIE_OPEN_PER_MINUTE", "0")])).is_err());
        assert!(Config::load(None, env(&[("VIGIE_MESSAGE_BURST", "many")])).is_err());
    }

    #[test]
    fn the_response_target_defaults_to_two_minutes_and_stays_sensible() {
        assert_eq!(
            Config::load(None, env(&[]))
                .unwrap()
                .response_target_seconds,
            120
        );
        let c = Config::load(None, env(&[("VIGIE_RESPONSE_TARGET_SECONDS", "90")])).unwrap();
        assert_eq!(c.response_target_seconds, 90);
        for bad in ["9", "3601", "soon"] {
            assert!(
                Config::load(None, env(&[("VIGIE_RESPONSE_TARGET_SECONDS", bad)])).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_content_key_comes_from_the_environment_or_a_file() {
        let c = Config::load(None, env(&[])).unwrap();
        assert_eq!(
            c.content_key_path(),
            PathBuf::from("vigie-data/content.key")
        );
        let c = Config::load(
            None,
            env(&[("VIGIE_CONTENT_KEY_FILE", "/etc/vigie/content.key")]),
        )
        .unwrap();
        assert_eq!(
            c.content_key_path(),
            PathBuf::from("/etc/vigie/content.key")
        );
        let c = Config::load(None, env(&[("VIGIE_CONTENT_KEY", "c2VjcmV0")])).unwrap();
        assert_eq!(c.content_key, Some(KeyText("c2VjcmV0".into())));
        assert!(!format!("{c:?}").contains("c2VjcmV0"));
        assert!(Config::load(
            None,
            env(&[
                ("VIGIE_CONTENT_KEY", "c2VjcmV0"),
                ("VIGIE_CONTENT_KEY_FILE", "/k")
            ])
        )
        .is_err());
    }
}
