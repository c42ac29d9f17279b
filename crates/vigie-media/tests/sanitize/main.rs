//! `vigie_media::sanitize` through its public interface: what a witness sends, what is stored.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fixtures;
mod inspect;
mod metadata_removed;
mod refusals;
mod robustness;
