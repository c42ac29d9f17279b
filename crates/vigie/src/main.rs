//! `vigie`: serve the platform, manage staff accounts, import geography, back up.

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::io::BufRead;
use std::path::PathBuf;
use vigie::config::Config;
use vigie::staff_cli::DEMO_ACCOUNTS;
use vigie_domain::Role;

#[derive(Parser)]
#[command(
    name = "vigie",
    version,
    about = "Anonymous live reporting of drug-dealing spots"
)]
struct Cli {
    /// TOML configuration file (also VIGIE_CONFIG).
    #[arg(long, global = true, env = "VIGIE_CONFIG")]
    config: Option<PathBuf>,
    /// Address to listen on (overrides the file and VIGIE_LISTEN).
    #[arg(long, global = true)]
    listen: Option<std::net::SocketAddr>,
    /// Data directory (overrides the file and VIGIE_DATA_DIR).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Database URL: sqlite://FILE or postgres://… (overrides the file and VIGIE_DATABASE_URL).
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the service (the default).
    Serve {
        /// Demo mode: a separate demo database with one account per role.
        #[arg(long)]
        demo: bool,
    },
    /// Run the service in demo mode (same as `serve --demo`).
    Demo,
    /// Staff accounts.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Geography.
    Geo {
        #[command(subcommand)]
        command: GeoCommand,
    },
    /// Write a consistent copy of the live database to FILE.
    Backup { file: PathBuf },
    /// Check the database: SQLite's integrity check, or a round trip to PostgreSQL.
    Check,
    /// Copy everything from a SQLite database into an empty PostgreSQL one.
    MigrateData {
        /// sqlite://FILE
        #[arg(long)]
        from: String,
        /// postgres://…
        #[arg(long)]
        to: String,
    },
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Create an account; the password is read from standard input (first line).
    Add {
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        username: String,
        /// Départements of an analyst, comma-separated (e.g. 59,62).
        #[arg(long, value_delimiter = ',')]
        departements: Vec<String>,
        /// The unit an investigator belongs to, by its exact name (see /staff/units).
        #[arg(long)]
        unit: Option<String>,
    },
    /// Set a new password (read from standard input, first line) and end the account's
    /// sessions; also lifts a lockout. For an operator with shell access, e.g. a locked-out
    /// sole admin.
    Password {
        #[arg(long)]
        username: String,
    },
    /// Disable an account: it can no longer log in, and its sessions end at once.
    Disable {
        #[arg(long)]
        username: String,
    },
    /// Enable a disabled account again.
    Enable {
        #[arg(long)]
        username: String,
    },
    /// Clear the account's second factor (a lost phone): it enrols a new one at its next
    /// login; its sessions end.
    ResetTotp {
        #[arg(long)]
        username: String,
    },
}

#[derive(Subcommand)]
enum GeoCommand {
    /// Load communes.csv and departements.csv (open-data format) from DIR, with centroids.
    Import { dir: PathBuf },
}

fn parse_role(raw: &str) -> Result<Role, String> {
    Role::parse(raw).map_err(|_| {
        "one of: operator, supervisor, analyst, investigator, auditor, admin".to_owned()
    })
}

/// The first line of standard input, without its line ending.
fn read_password() -> anyhow::Result<String> {
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .context("reading the password from standard input")?;
    Ok(password.trim_end_matches(['\r', '\n']).to_owned())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vigie: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let mut config = Config::load(cli.config.as_deref(), std::env::vars())?;
    if let Some(listen) = cli.listen {
        config.listen = listen;
    }
    if let Some(dir) = cli.data_dir {
        config.data_dir = dir;
    }
    if let Some(url) = cli.database_url {
        config.database_url = Some(url);
    }
    let command = cli.command.unwrap_or(Command::Serve { demo: false });
    let demo = matches!(command, Command::Demo | Command::Serve { demo: true });
    if demo && config.database_url.is_none() {
        // Demo accounts live only in the demo database.
        config.database_url = Some(format!(
            "sqlite://{}",
            config.data_dir.join("demo.db").display()
        ));
    }
    vigie::telemetry::init(&config);
    if let Command::MigrateData { from, to } = &command {
        return vigie::migrate_data(&config, from, to).await;
    }
    let store = vigie::open_store(&config).await?;
    match command {
        Command::Serve { .. } | Command::Demo => {
            if demo {
                vigie::ensure_gazetteer(store.as_dyn()).await?;
                vigie::staff_cli::seed_demo(store.as_dyn()).await?;
                println!(
                    "Demo mode. Staff console: http://{}/staff/login",
                    config.listen
                );
                for (username, role, password, _) in DEMO_ACCOUNTS {
                    println!(
                        "  {:<12} {:<13} password: {password}",
                        username,
                        role.as_str()
                    );
                }
            }
            vigie::serve(&config, store, demo, vigie::shutdown_signal()).await
        }
        Command::Staff { command } => {
            let message = match command {
                StaffCommand::Add {
                    role,
                    username,
                    departements,
                    unit,
                } => {
                    let password = read_password()?;
                    vigie::staff_cli::add(
                        store.as_dyn(),
                        role,
                        &username,
                        &password,
                        &departements,
                        unit.as_deref(),
                    )
                    .await?;
                    format!("account {username} created ({})", role.as_str())
                }
                StaffCommand::Password { username } => {
                    let password = read_password()?;
                    vigie::staff_cli::set_password(store.as_dyn(), &username, &password).await?;
                    format!("password of {username} changed; its sessions were ended")
                }
                StaffCommand::Disable { username } => {
                    vigie::staff_cli::set_disabled(store.as_dyn(), &username, true).await?;
                    format!("account {username} disabled; its sessions were ended")
                }
                StaffCommand::Enable { username } => {
                    vigie::staff_cli::set_disabled(store.as_dyn(), &username, false).await?;
                    format!("account {username} enabled")
                }
                StaffCommand::ResetTotp { username } => {
                    vigie::staff_cli::reset_totp(store.as_dyn(), &username).await?;
                    format!(
                        "second factor of {username} cleared: it enrols again at its next login; \
                         its sessions were ended"
                    )
                }
            };
            println!("{message}");
            store.close().await;
            Ok(())
        }
        Command::Geo {
            command: GeoCommand::Import { dir },
        } => {
            let (deps, communes) = vigie::geo::read_dir(&dir)?;
            let with_centroid = communes.iter().filter(|c| c.lat.is_some()).count();
            let outlines = vigie::geo::read_outlines(&dir)?;
            let n = store.as_dyn().import_geo(deps, communes).await?;
            let shapes = store.as_dyn().import_outlines(outlines).await?;
            println!("{n} communes imported ({with_centroid} with a centroid), {shapes} département outlines");
            store.close().await;
            Ok(())
        }
        Command::MigrateData { .. } => Ok(()),
        Command::Check => {
            let verdict = match &store {
                vigie::Backend::Sqlite(sqlite) => sqlite.integrity_check().await?,
                vigie::Backend::Postgres(_) => {
                    store.as_dyn().ping().await?;
                    "ok".to_owned()
                }
            };
            store.close().await;
            println!("{verdict}");
            if verdict != "ok" {
                anyhow::bail!("the database failed its integrity check");
            }
            Ok(())
        }
        Command::Backup { file } => {
            if file.exists() {
                anyhow::bail!("{} exists already", file.display());
            }
            let vigie::Backend::Sqlite(sqlite) = &store else {
                anyhow::bail!(
                    "vigie backup copies the SQLite database; back up PostgreSQL with pg_dump"
                );
            };
            sqlite.backup(&file).await?;
            println!("backup written to {}", file.display());
            store.close().await;
            Ok(())
        }
    }
}
