//! What the owner does once with the server's admin login: bring the team schema up to date and
//! make the team with its first owner seat. The admin connection string is used for that call
//! only; it is never stored and never printed.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgSslMode};
use sqlx::ConnectOptions as _;

use crate::remote::is_loopback;
use crate::{Error, Result, SeatLogin};

/// The shared schema's migrations (forward-only).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

/// The team just made.
#[derive(Debug, Clone)]
pub struct NewTeam {
    /// Team id.
    pub team_id: String,
    /// The owner seat's login (its password was made here and goes to the keychain).
    pub owner: SeatLogin,
}

/// Parses an admin connection string (`postgres://user:password@host:port/database`), applying the
/// TLS rule: verify-full off loopback unless the string says otherwise explicitly; `ca_file`
/// (PEM) verifies a server signed by a private CA.
pub fn admin_options(url: &str, ca_file: Option<&std::path::Path>) -> Result<PgConnectOptions> {
    let url = url.trim();
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(Error::Invalid(
            "the admin connection must be a URL like postgres://admin:PASSWORD@HOST:5432/DATABASE".into(),
        ));
    }
    let explicit_ssl = url.contains("sslmode=");
    let mut o = PgConnectOptions::from_str(url).map_err(|e| Error::Invalid(format!("admin connection URL: {e}")))?;
    if !explicit_ssl {
        let mode = if is_loopback(o.get_host()) { PgSslMode::Prefer } else { PgSslMode::VerifyFull };
        o = o.ssl_mode(mode);
    }
    if let Some(ca) = ca_file {
        o = o.ssl_root_cert(ca);
    }
    Ok(o.application_name("salla-price-optimizer-admin").log_statements(tracing::log::LevelFilter::Off))
}

/// Brings the team schema up to date with the admin login (no team is made).
pub async fn migrate(admin_url: &str, ca_file: Option<&std::path::Path>) -> Result<()> {
    let options = admin_options(admin_url, ca_file)?;
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(15))
        .connect_with(options)
        .await
        .map_err(Error::from_sqlx)?;
    let out = MIGRATOR.run(&pool).await.map_err(|e| match e {
        sqlx::migrate::MigrateError::Execute(e) => Error::from_sqlx(e),
        other => Error::Server(other.to_string()),
    });
    pool.close().await;
    out
}

/// Runs the migrations and makes a team with its first owner seat, whose new password is
/// returned in the login (for the keychain). `host_for_seats` is how seats reach the server when
/// that differs from the admin URL's host; `ca_file` (PEM) verifies a server signed by a private
/// CA, for this call and for the owner seat.
pub async fn create_team(
    admin_url: &str,
    team_name: &str,
    seat_name: &str,
    host_for_seats: Option<&str>,
    ca_file: Option<&std::path::Path>,
) -> Result<NewTeam> {
    let team_name = team_name.trim();
    let seat_name = seat_name.trim();
    if team_name.is_empty() || team_name.chars().count() > 200 {
        return Err(Error::Invalid("a team needs a name (1 to 200 characters)".into()));
    }
    if seat_name.is_empty() || seat_name.chars().count() > 200 {
        return Err(Error::Invalid("your seat needs a name (1 to 200 characters)".into()));
    }
    let options = admin_options(admin_url, ca_file)?;
    let host = host_for_seats.map(str::to_string).unwrap_or_else(|| options.get_host().to_string());
    let port = options.get_port();
    let database = options.get_database().unwrap_or("postgres").to_string();
    migrate(admin_url, ca_file).await?;
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(15))
        .connect_with(options)
        .await
        .map_err(Error::from_sqlx)?;
    let team_id = uuid::Uuid::now_v7().to_string();
    let role = format!("spo_s_{}", random_hex(10));
    let password = crate::new_password();
    let made = sqlx::query("SELECT spo.create_team($1::uuid, $2, $3, $4, $5)")
        .bind(&team_id)
        .bind(team_name)
        .bind(&role)
        .bind(seat_name)
        .bind(crate::scram_verifier(&password))
        .execute(&pool)
        .await
        .map_err(Error::from_sqlx);
    pool.close().await;
    made?;
    Ok(NewTeam { team_id, owner: SeatLogin { host, port, database, role, password, ca_file: ca_file.map(Into::into) } })
}

/// `bytes` random bytes as lower-case hex.
fn random_hex(bytes: usize) -> String {
    use rand::RngCore as _;
    let mut b = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_urls_get_tls_off_loopback_and_bad_ones_are_named() {
        let o = admin_options("postgres://admin:pw@db.example.sa:5432/spo", None).expect("valid");
        assert!(matches!(o.get_ssl_mode(), PgSslMode::VerifyFull));
        let o = admin_options("postgres://admin:pw@127.0.0.1:5432/spo", None).expect("valid");
        assert!(matches!(o.get_ssl_mode(), PgSslMode::Prefer));
        let o = admin_options("postgres://admin:pw@db.example.sa/spo?sslmode=require", None).expect("valid");
        assert!(matches!(o.get_ssl_mode(), PgSslMode::Require));
        assert!(matches!(admin_options("host=x user=y", None), Err(Error::Invalid(m)) if m.contains("postgres://")));
    }
}
