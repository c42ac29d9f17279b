//! Staff accounts from the command line (creation, and the way back for an operator with shell
//! access: password, disable, enable, second-factor reset), and the demo accounts.

use anyhow::{bail, Context};
use rand::rngs::OsRng;
use vigie_domain::{Clock, DepartementCode, Password, Role, StaffId, SystemClock, Username};
use vigie_store::{NewStaff, Store, StoreError};
use vigie_web::crypto::hash_password;

/// Creates an account. Analysts need at least one département; other roles take none. An
/// investigator may be made a member of a unit, named exactly as on the units page.
pub async fn add(
    store: &dyn Store,
    role: Role,
    username: &str,
    password: &str,
    departements: &[String],
    unit: Option<&str>,
) -> anyhow::Result<StaffId> {
    let username = Username::parse(username)
        .map_err(|_| anyhow::anyhow!("invalid username: 3 to 32 characters among a-z 0-9 . _ -"))?;
    let password = policy(password)?;
    let departements: Vec<DepartementCode> = departements
        .iter()
        .flat_map(|d| d.split(','))
        .filter(|d| !d.trim().is_empty())
        .map(|d| {
            DepartementCode::parse(d).map_err(|_| anyhow::anyhow!("unknown département code {d:?}"))
        })
        .collect::<anyhow::Result<_>>()?;
    if role == Role::Analyst && departements.is_empty() {
        bail!("an analyst needs --departements (for example --departements 59,62)");
    }
    if role != Role::Analyst && !departements.is_empty() {
        bail!("only analysts have départements");
    }
    let unit = match unit {
        None => None,
        Some(_) if role != Role::Investigator => bail!("only investigators belong to a unit"),
        Some(name) => Some(
            crate::demo_units::unit_named(store, name)
                .await?
                .with_context(|| format!("no unit is named {:?}", name.trim()))?,
        ),
    };
    let hash = hash_password(password.expose(), &mut OsRng).map_err(|e| anyhow::anyhow!(e))?;
    let id = StaffId::random(&mut OsRng);
    match store
        .create_staff(NewStaff {
            id,
            username: username.clone(),
            role,
            password_hash: hash,
            departements,
            created_at: SystemClock.now(),
        })
        .await
    {
        Ok(id) => {
            if let Some(unit) = unit {
                store
                    .assign_unit(id, unit)
                    .await
                    .context("making the investigator a member of the unit")?;
            }
            Ok(id)
        }
        Err(StoreError::Conflict(_)) => bail!("the username {} is taken", username.as_str()),
        Err(e) => Err(e).context("creating the account"),
    }
}

/// The account named `username`, or an error an operator reads.
async fn account(store: &dyn Store, username: &str) -> anyhow::Result<StaffId> {
    let name = Username::parse(username)
        .map_err(|_| anyhow::anyhow!("invalid username: 3 to 32 characters among a-z 0-9 . _ -"))?;
    Ok(store
        .staff_by_username(&name)
        .await?
        .with_context(|| format!("no account is named {}", name.as_str()))?
        .id)
}

fn policy(password: &str) -> anyhow::Result<Password> {
    Password::parse(password).map_err(|e| match e.code {
        "password-too-short" => anyhow::anyhow!("password too short: at least 12 characters"),
        "password-too-long" => anyhow::anyhow!("password too long: at most 256 characters"),
        _ => anyhow::anyhow!("password too weak"),
    })
}

/// Sets a new password and ends every session of the account (audited, by nobody: the shell).
/// Also clears failed attempts, so it lifts a lockout.
pub async fn set_password(store: &dyn Store, username: &str, password: &str) -> anyhow::Result<()> {
    let password = policy(password)?;
    let id = account(store, username).await?;
    let hash = hash_password(password.expose(), &mut OsRng).map_err(|e| anyhow::anyhow!(e))?;
    store
        .change_password(id, &hash, None, None, SystemClock.now())
        .await
        .context("changing the password")
}

/// Disables (ending its sessions) or enables an account.
pub async fn set_disabled(store: &dyn Store, username: &str, disabled: bool) -> anyhow::Result<()> {
    let id = account(store, username).await?;
    store
        .set_staff_disabled(id, disabled, None, SystemClock.now())
        .await
        .context("changing the account")
}

/// Clears the account's second factor (it enrols again at its next login) and ends its
/// sessions.
pub async fn reset_totp(store: &dyn Store, username: &str) -> anyhow::Result<()> {
    let id = account(store, username).await?;
    store
        .reset_totp(id, None, SystemClock.now())
        .await
        .context("clearing the second factor")
}

/// The demo accounts: one per role (two operators, to try a race). They exist only in the demo
/// database.
pub const DEMO_ACCOUNTS: &[(&str, Role, &str, &[&str])] = &[
    ("operateur", Role::Operator, "vigie-demo-operateur", &[]),
    ("operateur2", Role::Operator, "vigie-demo-operateur2", &[]),
    ("chef", Role::Supervisor, "vigie-demo-chef", &[]),
    (
        "analyste",
        Role::Analyst,
        "vigie-demo-analyste",
        &["59", "62", "75", "92", "93", "94", "13", "69"],
    ),
    ("enqueteur", Role::Investigator, "vigie-demo-enqueteur", &[]),
    ("auditeur", Role::Auditor, "vigie-demo-auditeur", &[]),
    ("admin", Role::Admin, "vigie-demo-admin", &[]),
];

/// The demo accounts, the demo routing table (created by the demo admin) and the demo
/// investigator's membership of the Nord's sûreté départementale. Runs again harmlessly.
pub async fn seed_demo(store: &dyn Store) -> anyhow::Result<()> {
    for (username, role, password, deps) in DEMO_ACCOUNTS {
        let exists = store
            .staff_by_username(&Username::parse(username).map_err(|e| anyhow::anyhow!(e.code))?)
            .await?
            .is_some();
        if !exists {
            let deps: Vec<String> = deps.iter().map(|d| (*d).to_owned()).collect();
            add(store, *role, username, password, &deps, None).await?;
        }
    }
    let account = |name: &'static str| async move {
        let username = Username::parse(name).map_err(|e| anyhow::anyhow!(e.code))?;
        store
            .staff_by_username(&username)
            .await?
            .with_context(|| format!("demo account {name} missing"))
    };
    let admin = account("admin").await?;
    let created = crate::demo_units::seed(store, admin.id).await?;
    if created > 0 {
        tracing::info!(units = created, "demo routing table loaded");
    }
    let investigator = account("enqueteur").await?;
    if store.unit_of(investigator.id).await?.is_none() {
        let unit = crate::demo_units::unit_named(store, crate::demo_units::DEMO_INVESTIGATOR_UNIT)
            .await?
            .context("the demo investigator's unit is missing")?;
        store.assign_unit(investigator.id, unit).await?;
    }
    Ok(())
}
