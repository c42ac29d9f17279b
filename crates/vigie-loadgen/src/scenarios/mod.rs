//! The scenarios B1–B9, each measured beside its baseline in the same run.

mod chat;
mod clustering;
mod idle;
mod page;
mod reports;
mod storm;

use crate::report::Row;
use crate::server::Ctx;

/// Runs one scenario; its rows, or why it could not run.
pub async fn run(id: &str, ctx: &Ctx) -> anyhow::Result<Vec<Row>> {
    match id {
        "B1" => chat::b1(ctx).await,
        "B2" => chat::b2(ctx).await,
        "B3" => idle::b3(ctx).await,
        "B4" => storm::b4(ctx).await,
        "B5" => reports::b5(ctx).await,
        "B6" => chat::b6(ctx).await,
        "B7" => clustering::b7(ctx).await,
        "B8" => page::b8(ctx).await,
        "B9" => chat::b9(ctx).await,
        other => anyhow::bail!("unknown scenario {other}"),
    }
}
