//! Logging. The web layer logs only allow-listed fields (method, route, status, latency);
//! here the filter also silences libraries that could echo request details.

use crate::config::Config;
use tracing_subscriber::EnvFilter;

pub fn init(config: &Config) {
    // sqlx would log statements; hyper and tungstenite could log peer details at debug level.
    let filter = EnvFilter::try_new(format!(
        "{},sqlx=warn,hyper=warn,tungstenite=warn,tokio_tungstenite=warn",
        config.log
    ))
    .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    if config.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}
