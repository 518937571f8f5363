//! One seat's connection to the team database. Every call is an `api` function; the seat has no
//! other privilege.

use std::path::PathBuf;
use std::time::Duration;

use spo_domain::sync::{Answer, Mutation, SeatRole, TeamRow};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgSslMode};
use sqlx::Row;

use crate::{Error, Result};

/// How a seat logs in (the password comes from the OS keychain).
#[derive(Clone, PartialEq, Eq)]
pub struct SeatLogin {
    /// Server host.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// Database.
    pub database: String,
    /// Login role.
    pub role: String,
    /// Password.
    pub password: String,
    /// CA certificate (PEM) to verify the server with, for servers signed by a private CA.
    pub ca_file: Option<PathBuf>,
}

impl std::fmt::Debug for SeatLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeatLogin")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("database", &self.database)
            .field("role", &self.role)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Is `host` this machine? (TLS is required for every other host.)
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost") || h.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Connection options with the TLS rule: `verify-full` off loopback, never plain text there.
pub(crate) fn options(login: &SeatLogin) -> PgConnectOptions {
    let mut o = PgConnectOptions::new()
        .host(&login.host)
        .port(login.port)
        .database(&login.database)
        .username(&login.role)
        .password(&login.password)
        .application_name("salla-price-optimizer")
        .options([("statement_timeout", "30s"), ("idle_in_transaction_session_timeout", "60s")]);
    if is_loopback(&login.host) {
        o = o.ssl_mode(PgSslMode::Prefer);
    } else {
        o = o.ssl_mode(PgSslMode::VerifyFull);
        if let Some(ca) = &login.ca_file {
            o = o.ssl_root_cert(ca);
        }
    }
    o
}

/// Who this seat is on the team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhoAmI {
    /// Team id.
    pub team_id: String,
    /// Team name.
    pub team_name: String,
    /// Role.
    pub role: SeatRole,
    /// Seat name.
    pub seat_name: String,
    /// Login role.
    pub db_role: String,
    /// The team's newest change number.
    pub head: i64,
}

/// One seat of the team.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Member {
    /// Login role.
    pub db_role: String,
    /// Name.
    pub name: String,
    /// What the seat may do.
    pub role: SeatRole,
    /// Who invited it.
    pub invited_by: Option<String>,
    /// Joined (None = invited, not yet joined).
    pub joined_at: Option<String>,
    /// Revoked.
    pub revoked_at: Option<String>,
}

/// A new seat's one-time login.
#[derive(Clone, PartialEq, Eq)]
pub struct Invite {
    /// Login role.
    pub db_role: String,
    /// Temporary password.
    pub temporary_password: String,
    /// When it stops working (RFC 3339).
    pub valid_until: String,
}

impl std::fmt::Debug for Invite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invite").field("db_role", &self.db_role).field("valid_until", &self.valid_until).finish()
    }
}

/// What the server is, for doctor and Diagnostics.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ServerInfo {
    /// `server_version`.
    pub version: String,
    /// TLS in use on this connection (and its version).
    pub tls: Option<String>,
    /// Every team table has row-level security enabled and forced.
    pub rls_forced: bool,
    /// Tables of the data schema this seat can read or write directly (must be none).
    pub direct_table_grants: i64,
}

/// The team's change announcements (a wake-up hint; polling stays the rule).
#[derive(Debug)]
pub struct Listener(sqlx::postgres::PgListener);

impl Listener {
    /// Waits for the next announcement.
    pub async fn recv(&mut self) -> Result<()> {
        self.0.recv().await.map(|_| ()).map_err(Error::from_sqlx)
    }
}

/// A seat's connection.
#[derive(Debug, Clone)]
pub struct Remote {
    pub(crate) pool: PgPool,
    role: String,
}

impl Remote {
    /// Connects (lazily checked by the first call; `connect` itself makes one round trip).
    pub async fn connect(login: &SeatLogin) -> Result<Remote> {
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .min_connections(0)
            .acquire_timeout(Duration::from_secs(10))
            .idle_timeout(Duration::from_secs(120))
            .connect_with(options(login))
            .await
            .map_err(Error::from_sqlx)?;
        Ok(Remote { pool, role: login.role.clone() })
    }

    /// This seat's login role.
    pub fn role(&self) -> &str {
        &self.role
    }

    /// Closes the connections.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Who this login is on the team; `None` when it is not (or no longer) a seat.
    pub async fn whoami(&self) -> Result<Option<WhoAmI>> {
        let row = sqlx::query(
            "SELECT team_id::text AS team_id, team_name, role, seat_name, db_role::text AS db_role, head FROM api.whoami()",
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(Error::from_sqlx)?;
        row.map(|r| {
            let role: String = r.get("role");
            Ok(WhoAmI {
                team_id: r.get("team_id"),
                team_name: r.get("team_name"),
                role: SeatRole::parse(&role).ok_or_else(|| Error::Server(format!("unknown seat role {role}")))?,
                seat_name: r.get("seat_name"),
                db_role: r.get("db_role"),
                head: r.get("head"),
            })
        })
        .transpose()
    }

    /// The team's seats.
    pub async fn members(&self) -> Result<Vec<Member>> {
        let rows = sqlx::query(
            "SELECT db_role::text AS db_role, name, role, invited_by::text AS invited_by,
                    to_char(joined_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS joined_at,
                    to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS revoked_at
             FROM api.members()",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(Error::from_sqlx)?;
        rows.into_iter()
            .map(|r| {
                let role: String = r.get("role");
                Ok(Member {
                    db_role: r.get("db_role"),
                    name: r.get("name"),
                    role: SeatRole::parse(&role).ok_or_else(|| Error::Server(format!("unknown seat role {role}")))?,
                    invited_by: r.get("invited_by"),
                    joined_at: r.get("joined_at"),
                    revoked_at: r.get("revoked_at"),
                })
            })
            .collect()
    }

    /// Creates a seat (owners only).
    pub async fn invite(&self, role: SeatRole, name: &str) -> Result<Invite> {
        let r = sqlx::query(
            "SELECT db_role::text AS db_role, temporary_password,
                    to_char(valid_until AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS valid_until
             FROM api.invite_seat($1, $2)",
        )
        .bind(role.as_str())
        .bind(name)
        .fetch_one(&self.pool)
        .await
        .map_err(Error::from_sqlx)?;
        Ok(Invite {
            db_role: r.get("db_role"),
            temporary_password: r.get("temporary_password"),
            valid_until: r.get("valid_until"),
        })
    }

    /// Replaces this seat's password with `new_password` (only its SCRAM verifier is sent).
    pub async fn complete_join(&self, new_password: &str) -> Result<()> {
        sqlx::query("SELECT api.complete_join($1)")
            .bind(crate::scram_verifier(new_password))
            .execute(&self.pool)
            .await
            .map_err(Error::from_sqlx)?;
        Ok(())
    }

    /// Disables a seat (owners; any seat may remove itself).
    pub async fn revoke(&self, db_role: &str) -> Result<()> {
        sqlx::query("SELECT api.revoke_seat($1)").bind(db_role).execute(&self.pool).await.map_err(Error::from_sqlx)?;
        Ok(())
    }

    /// Pushes a batch of mutations; one answer per mutation, in order.
    pub async fn push(&self, client_id: &str, mutations: &[Mutation]) -> Result<Vec<Answer>> {
        if mutations.is_empty() {
            return Ok(Vec::new());
        }
        // Serialized straight into the statement's buffer and the answers read straight into
        // their types (no intermediate JSON trees: a batch of 2,000 catalogue rows is ~1.5 MB).
        let answers: sqlx::types::Json<Vec<Answer>> = sqlx::query_scalar("SELECT api.push($1::uuid, $2)")
            .bind(client_id)
            .bind(sqlx::types::Json(mutations))
            .fetch_one(&self.pool)
            .await
            .map_err(|e| match e {
                sqlx::Error::ColumnDecode { source, .. } => Error::Server(format!("unexpected push answer: {source}")),
                e => Error::from_sqlx(e),
            })?;
        let answers = answers.0;
        if answers.len() != mutations.len() {
            return Err(Error::Server(format!("{} answers for {} changes", answers.len(), mutations.len())));
        }
        Ok(answers)
    }

    /// Team rows changed after `since`, in change-number order, at most `limit`.
    pub async fn pull(&self, since: i64, limit: i32) -> Result<Vec<TeamRow>> {
        let rows = sqlx::query(
            "SELECT seq, tbl, id, data, version, hlc, deleted, written_by::text AS written_by FROM api.pull($1, $2)",
        )
        .bind(since)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(Error::from_sqlx)?;
        Ok(rows
            .into_iter()
            .map(|r| TeamRow {
                seq: r.get("seq"),
                tbl: r.get("tbl"),
                id: r.get("id"),
                data: r.get("data"),
                version: r.get("version"),
                hlc: r.get("hlc"),
                deleted: r.get("deleted"),
                written_by: r.get("written_by"),
            })
            .collect())
    }

    /// The team's newest change number and this client's last applied mutation id.
    pub async fn client_state(&self, client_id: &str) -> Result<(i64, i64)> {
        let r = sqlx::query("SELECT head, last_mutation_id FROM api.client_state($1::uuid)")
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(Error::from_sqlx)?
            .ok_or_else(|| Error::Refused("this login is not a seat of any team (it may have been revoked)".into()))?;
        Ok((r.get("head"), r.get("last_mutation_id")))
    }

    /// Server version, TLS, and the security checks doctor shows.
    pub async fn server_info(&self) -> Result<ServerInfo> {
        let r = sqlx::query(
            "SELECT current_setting('server_version') AS version,
                    (SELECT CASE WHEN ssl THEN version END FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS tls,
                    (SELECT bool_and(c.relrowsecurity AND c.relforcerowsecurity) FROM pg_class c
                       JOIN pg_namespace n ON n.oid = c.relnamespace
                      WHERE n.nspname = 'spo' AND c.relkind IN ('r', 'p')) AS rls_forced,
                    (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                      WHERE n.nspname = 'spo' AND c.relkind IN ('r', 'p', 'v', 'm')
                        AND (has_table_privilege(c.oid, 'SELECT') OR has_table_privilege(c.oid, 'INSERT')
                          OR has_table_privilege(c.oid, 'UPDATE') OR has_table_privilege(c.oid, 'DELETE'))) AS grants",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(Error::from_sqlx)?;
        Ok(ServerInfo {
            version: r.get("version"),
            tls: r.get("tls"),
            rls_forced: r.get::<Option<bool>, _>("rls_forced").unwrap_or(false),
            direct_table_grants: r.get("grants"),
        })
    }

    /// Opens a listener for the team's wake-up hints (kept open by the sync loop).
    pub async fn listener(&self, team_id: &str) -> Result<Listener> {
        let mut listener = sqlx::postgres::PgListener::connect_with(&self.pool).await.map_err(Error::from_sqlx)?;
        listener.listen(&format!("spo_team_{}", team_id.replace('-', ""))).await.map_err(Error::from_sqlx)?;
        Ok(Listener(listener))
    }

    /// The pool, for tests that act as this seat with raw SQL.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_is_required_off_loopback() {
        assert!(is_loopback("127.0.0.1"));
        assert!(is_loopback("::1"));
        assert!(is_loopback("[::1]"));
        assert!(is_loopback("LocalHost"));
        assert!(!is_loopback("db.example.sa"));
        assert!(!is_loopback("10.0.0.5"));
        let login = |host: &str| SeatLogin {
            host: host.into(),
            port: 5432,
            database: "spo".into(),
            role: "spo_s_x".into(),
            password: "p".into(),
            ca_file: None,
        };
        assert!(matches!(options(&login("db.example.sa")).get_ssl_mode(), PgSslMode::VerifyFull));
        assert!(matches!(options(&login("127.0.0.1")).get_ssl_mode(), PgSslMode::Prefer));
        assert!(!format!("{:?}", login("h")).contains("\"p\""));
    }
}
