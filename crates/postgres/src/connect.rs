//! Connecting: the URL, the password and the TLS settings become one
//! tokio-postgres connection, driven on the exporter's runtime.

use std::time::Duration;

use rustls::ClientConfig;
use tokio_postgres::config::SslMode as PgSslMode;
use tokio_postgres::{Client, NoTls};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::{Password, PgUrl, Result, SslMode};

/// Opens a connection and spawns its driver on the current runtime.
pub(crate) async fn connect(
    url: &PgUrl,
    password: Option<&Password>,
    tls: Option<&ClientConfig>,
    timeout: Duration,
) -> Result<Client> {
    let mut config = tokio_postgres::Config::new();
    config
        .user(&url.user)
        .host(&url.host)
        .port(url.port)
        .dbname(&url.dbname)
        .application_name("erglink")
        .connect_timeout(timeout)
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(30));
    if let Some(p) = password {
        config.password(p.as_bytes());
    }
    let client = match (url.sslmode, tls) {
        (SslMode::Disable, _) | (_, None) => {
            config.ssl_mode(PgSslMode::Disable);
            let (client, connection) = config.connect(NoTls).await?;
            tokio::spawn(async move {
                if let Err(e) = connection.await {
                    tracing::debug!("PostgreSQL connection ended: {e}");
                }
            });
            client
        }
        (_, Some(tls)) => {
            config.ssl_mode(PgSslMode::Require);
            let (client, connection) = config.connect(MakeRustlsConnect::new(tls.clone())).await?;
            tokio::spawn(async move {
                if let Err(e) = connection.await {
                    tracing::debug!("PostgreSQL connection ended: {e}");
                }
            });
            client
        }
    };
    Ok(client)
}
