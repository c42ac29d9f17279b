//! Start-up as a library: open the store, load the secret key, seed the gazetteer, build the
//! router, serve until a shutdown signal, then wait for every live task to end.

pub mod config;
pub mod demo_units;
pub mod geo;
pub mod staff_cli;
pub mod telemetry;

use anyhow::Context;
use config::Config;
use rand::rngs::{OsRng, StdRng};
use rand::{RngCore, SeedableRng};
use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use vigie_domain::SystemClock;
use vigie_store::{ContentCipher, Store, StoreError};
use vigie_store_postgres::PgStore;
use vigie_store_sqlite::SqliteStore;
use vigie_web::crypto::SecretKey;
use vigie_web::{AppState, Settings};

/// The database behind the service: the embedded SQLite file, or PostgreSQL for several nodes.
#[derive(Clone)]
pub enum Backend {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl Backend {
    pub fn store(&self) -> Arc<dyn Store> {
        match self {
            Backend::Sqlite(s) => Arc::new(s.clone()),
            Backend::Postgres(s) => Arc::new(s.clone()),
        }
    }

    pub fn as_dyn(&self) -> &dyn Store {
        match self {
            Backend::Sqlite(s) => s,
            Backend::Postgres(s) => s,
        }
    }

    pub async fn close(&self) {
        match self {
            Backend::Sqlite(s) => s.close().await,
            Backend::Postgres(s) => s.close().await,
        }
    }
}

/// Opens the database named by the configuration (creating the SQLite file if needed) and runs
/// the migrations, with the installation's content key.
pub async fn open_store(config: &Config) -> anyhow::Result<Backend> {
    let cipher = load_content_key(config)?;
    if let Some(url) = config.postgres_url() {
        let store = PgStore::open(url, cipher)
            .await
            .map_err(|e| content_key_refused(config, e))
            .context("connecting to PostgreSQL")?;
        return Ok(Backend::Postgres(store));
    }
    let path = config.database_path();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let store = SqliteStore::open(&path, cipher)
        .await
        .map_err(|e| content_key_refused(config, e))
        .with_context(|| format!("opening {}", path.display()))?;
    Ok(Backend::Sqlite(store))
}

/// Where the content key came from, in words for an error message.
fn content_key_origin(config: &Config) -> String {
    if config.content_key.is_some() {
        "VIGIE_CONTENT_KEY".to_owned()
    } else {
        config.content_key_path().display().to_string()
    }
}

/// The store's refusal of another content key, as an operator reads it.
fn content_key_refused(config: &Config, e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Conflict("content-key-mismatch") => anyhow::anyhow!(
            "{} is not the content key this database was started with: every node must use the \
             same content key (copy content.key from the first node, or give them all the same \
             VIGIE_CONTENT_KEY), or the stored messages, notes and reports could not be read",
            content_key_origin(config)
        ),
        e => anyhow::Error::new(e),
    }
}

/// Loads the content key that seals what witnesses and the cell write: from
/// `VIGIE_CONTENT_KEY` (base64), else from `content_key_file` or `<data_dir>/content.key`
/// (32 bytes, or their base64), creating that file (mode 0600) on first start. The key is never
/// written into the database; only its fingerprint is.
pub fn load_content_key(config: &Config) -> anyhow::Result<ContentCipher> {
    if let Some(text) = &config.content_key {
        return ContentCipher::from_base64(&text.0)
            .map_err(|_| anyhow::anyhow!("VIGIE_CONTENT_KEY must be 32 bytes in base64"));
    }
    read_or_create_key_file(&config.content_key_path())
}

/// Reads a content key file, creating it (mode 0600) when it does not exist.
fn read_or_create_key_file(path: &Path) -> anyhow::Result<ContentCipher> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let key = if bytes.len() == vigie_store::CONTENT_KEY_LEN {
                ContentCipher::from_slice(&bytes).ok()
            } else {
                std::str::from_utf8(&bytes)
                    .ok()
                    .and_then(|text| ContentCipher::from_base64(text).ok())
            };
            key.ok_or_else(|| {
                anyhow::anyhow!(
                    "{} must hold a 32-byte key (raw, or in base64)",
                    path.display()
                )
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
            }
            let mut key = [0u8; vigie_store::CONTENT_KEY_LEN];
            OsRng.fill_bytes(&mut key);
            write_private(path, &key).with_context(|| format!("writing {}", path.display()))?;
            tracing::info!(path = %path.display(), "content key created: back it up with the database");
            Ok(ContentCipher::new(&key))
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Loads the installation's secret key, creating it (mode 0600) on first start.
pub fn load_or_create_secret(data_dir: &Path) -> anyhow::Result<SecretKey> {
    let path = data_dir.join("secret.key");
    match std::fs::read(&path) {
        Ok(bytes) => {
            let key: [u8; 32] = bytes
                .try_into()
                .map_err(|_| anyhow::anyhow!("{} must hold 32 bytes", path.display()))?;
            Ok(SecretKey::from_bytes(key))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(data_dir)?;
            let mut key = [0u8; 32];
            OsRng.fill_bytes(&mut key);
            write_private(&path, &key)?;
            Ok(SecretKey::from_bytes(key))
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    Ok(std::fs::write(path, bytes)?)
}

/// Loads the built-in gazetteer into an empty database.
pub async fn ensure_gazetteer(store: &dyn Store) -> anyhow::Result<()> {
    if store.commune_count().await? == 0 {
        let (deps, communes) = geo::builtin()?;
        let n = store.import_geo(deps, communes).await?;
        tracing::info!(communes = n, "built-in gazetteer loaded");
    }
    Ok(())
}

/// Serves until `shutdown` resolves, then stops cleanly: no new connections, every WebSocket
/// told to close, and their tasks awaited (at most 10 seconds).
pub async fn serve(
    config: &Config,
    backend: Backend,
    demo: bool,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    ensure_gazetteer(backend.as_dyn()).await?;
    let secret = load_or_create_secret(&config.data_dir)?;
    if !backend
        .as_dyn()
        .check_key_fingerprint(&secret.fingerprint())
        .await?
    {
        anyhow::bail!(
            "{} is not the secret key this database was started with: every node must use the same \
             secret.key (copy it from the first node), or receipt codes would stop working",
            config.data_dir.join("secret.key").display()
        );
    }
    let settings = Settings {
        cookie_secure: config.cookie_secure,
        session_ttl: time::Duration::hours(i64::from(config.session_hours)),
        demo,
        limits: vigie_web::limits::LimitSettings {
            message_burst: config.message_burst,
            message_per_minute: config.message_per_minute,
            open_burst_per_address: config.open_burst_per_address,
            open_per_hour_per_address: config.open_per_hour_per_address,
            open_per_minute: config.open_per_minute,
            trusted_proxy: config.trusted_proxy,
        },
        pow: vigie_web::pow::PowSettings {
            difficulty: u8::try_from(config.pow_difficulty).unwrap_or(24),
            memory_kib: config.pow_memory_kib,
            nojs_wait: time::Duration::seconds(i64::from(config.nojs_wait_seconds)),
            ..vigie_web::pow::PowSettings::default()
        },
        photo_max_bytes: usize::try_from(config.photo_max_kib)
            .unwrap_or(usize::MAX / 1024)
            .saturating_mul(1024),
        response_target: time::Duration::seconds(i64::from(config.response_target_seconds)),
        offer_timeout: time::Duration::seconds(i64::from(config.offer_timeout_seconds)),
        first_reply_timeout: time::Duration::seconds(i64::from(config.first_reply_seconds)),
    };
    let state = AppState::new(
        backend.store(),
        Arc::new(SystemClock),
        StdRng::from_entropy(),
        secret,
        settings,
    )
    .map_err(|e| anyhow::anyhow!("translations: {e}"))?;
    if vigie_web::start_hint_bridge(&state).await? {
        tracing::info!("shared database: live hints cross nodes");
    }
    vigie_web::start_purge_job(&state);
    vigie_web::dispatcher::start(&state);
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr()?;
    // Chat frames are small and each one matters at once: no Nagle delay (an acknowledgement
    // or an event held back until the peer's delayed ACK would cost up to 40 ms).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
    });
    // Tests and scripts read this line to find the port.
    println!("Vigie listening on http://{addr}");
    tracing::info!(%addr, "listening");
    let cancel = state.shutdown.clone();
    let tasks = state.tasks.clone();
    // The peer address reaches the handlers only for the anti-abuse limits (as a keyed hash).
    let app =
        vigie_web::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down");
            cancel.cancel();
        })
        .await?;
    tasks.close();
    if tokio::time::timeout(Duration::from_secs(10), tasks.wait())
        .await
        .is_err()
    {
        tracing::warn!("some live connections did not close in time");
    }
    backend.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}

/// `vigie migrate-data`: copies a SQLite database into an empty PostgreSQL one, with a progress
/// line per table, and checks the counts at the end.
pub async fn migrate_data(config: &Config, from: &str, to: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let Some(path) = from
        .strip_prefix("sqlite://")
        .or_else(|| from.strip_prefix("sqlite:"))
    else {
        anyhow::bail!("--from must be sqlite://FILE");
    };
    if !std::path::Path::new(path).exists() {
        anyhow::bail!("{path} does not exist");
    }
    if !(to.starts_with("postgres://") || to.starts_with("postgresql://")) {
        anyhow::bail!("--to must be postgres://…");
    }
    // The ciphertexts travel as they are: the target opens with the source's content key,
    // by default the content.key beside the SQLite file.
    let beside = Path::new(path)
        .parent()
        .map(|dir| dir.join("content.key"))
        .filter(|key| key.exists());
    let cipher = match beside {
        Some(key) if config.content_key.is_none() && config.content_key_file.is_none() => {
            read_or_create_key_file(&key)?
        }
        _ => load_content_key(config)?,
    };
    let target = PgStore::open(to, cipher)
        .await
        .map_err(|e| content_key_refused(config, e))
        .context("connecting to PostgreSQL")?;
    let copied = vigie_store_postgres::migrate::copy_from_sqlite(path, &target, |table, done, total| {
        let width = 30;
        let filled = (done * width as u64).checked_div(total).map_or(width, |f| f as usize);
        let mut err = std::io::stderr();
        let _ = write!(err, "\r{table:<16} [{}{}] {done}/{total}", "#".repeat(filled), " ".repeat(width - filled));
        if done == total {
            let _ = writeln!(err);
        }
    })
    .await
    .map_err(|e| match e {
        vigie_store::StoreError::Conflict("target-not-empty") => {
            anyhow::anyhow!("the target database already holds accounts or cases: migrate into an empty database")
        }
        vigie_store::StoreError::Conflict("content-key-mismatch") => anyhow::anyhow!(
            "{} is not the content key of the source database: run migrate-data with the key the \
             SQLite node used (its content.key), or the copied messages could not be read",
            content_key_origin(config)
        ),
        e => anyhow::anyhow!(e),
    })?;
    target.close().await;
    for (table, n) in copied.0 {
        println!("{table}: {n} rows copied and verified");
    }
    Ok(())
}
