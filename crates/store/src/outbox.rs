//! Team sync, the local side: the outbox triggers, pending mutations, answers, and applying the
//! team's rows.
//!
//! **Invariants.**
//! * While a team is set up, every change to a synced row writes an outbox row in the same
//!   transaction (SQLite triggers built from the live columns, so no write path can forget one
//!   and a later migration's columns are included at the next start).
//! * Rows pulled from the team are applied with `sync_client.applying = 1` inside the applying
//!   transaction, so they do not echo back into the outbox; other connections never see that flag
//!   set (SQLite has one writer and the flag is reset before commit).
//! * Pulled rows are applied only while the outbox is empty, checked inside the write
//!   transaction: the pull cursor never passes a change this seat has not applied, and pulled
//!   state never overwrites a local change that is still pending.

use spo_domain::sync::{
    is_team_setting, synced_table, Answer, AnswerStatus, ConflictRule, Hlc, Mutation, Op, SyncedTable, TeamRow,
    SYNCED_TABLES,
};
pub use spo_domain::sync::{RefusalStatus, SeatRole};
use sqlx::Row;

use crate::{new_id, now_text, Db, Error, Result, WriteTx};

/// Where this data folder syncs, as stored (no secret).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TeamLink {
    /// This install's client id on the team server.
    pub client_id: String,
    /// Team id.
    pub team_id: String,
    /// Team name.
    pub team_name: String,
    /// Server host.
    pub host: String,
    /// Server port.
    pub port: i64,
    /// Database name.
    pub database: String,
    /// This seat's login role.
    pub db_role: String,
    /// What this seat may do.
    #[sqlx(try_from = "String")]
    pub seat_role: SeatRole,
    /// This seat's display name.
    pub seat_name: String,
    /// CA certificate file for TLS verification (managed servers with a private CA).
    pub ca_file: Option<String>,
}

/// The sync state shown by `spo sync status` and the title bar.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SyncState {
    /// Changes not yet taken by the team.
    pub pending: i64,
    /// Oldest pending change (UTC text).
    pub oldest_pending_at: Option<String>,
    /// Last change number applied here.
    pub pulled_seq: i64,
    /// Newest change number the team had at the last contact.
    pub head_seq: i64,
    /// Last successful push / pull.
    pub last_push_at: Option<String>,
    /// Last successful pull.
    pub last_pull_at: Option<String>,
    /// Unreachable since (None when the last contact worked).
    pub offline_since: Option<String>,
    /// Last error, in words.
    pub last_error: Option<String>,
    /// Refused changes not yet resolved.
    pub open_refusals: i64,
    /// Pulled rows that could not be applied here.
    pub apply_errors: i64,
    /// The latest of them, in words.
    pub last_apply_error: Option<String>,
}

/// A change the team did not take.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RefusalRow {
    /// Local id.
    pub id: String,
    /// The mutation.
    pub mutation_id: i64,
    /// Table.
    pub tbl: String,
    /// Row id.
    pub row_id: String,
    /// Why it was refused.
    #[sqlx(try_from = "String")]
    pub status: RefusalStatus,
    /// Why, in words.
    pub reason: String,
    /// What this seat wanted (JSON).
    pub mine: Option<String>,
    /// The team's row (JSON).
    pub theirs: Option<String>,
    /// When.
    pub at: String,
}

/// What applying a pull did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Applied {
    /// Rows written or deleted.
    pub rows: usize,
    /// Rows that could not be applied (kept in sync_apply_errors).
    pub failed: usize,
    /// True when nothing was applied because local changes were pending (push first).
    pub deferred: bool,
}

/// The `WHEN` condition that keeps pulled rows and the demo store out of the outbox.
fn trigger_filter(t: &SyncedTable, row: &str) -> String {
    let applying = "(SELECT applying FROM sync_client WHERE id = 1) = 0";
    let not_demo = |store: &str| format!("NOT EXISTS (SELECT 1 FROM stores s WHERE s.id = {store} AND s.is_demo = 1)");
    let specific = match t.name {
        "stores" => format!("{row}.is_demo = 0"),
        "audit_log" => format!("{row}.store_id IS NOT NULL AND {}", not_demo(&format!("{row}.store_id"))),
        "settings" => {
            let keys = spo_domain::sync::TEAM_SETTING_PREFIXES
                .iter()
                .map(|p| if p.ends_with('.') { format!("{row}.key LIKE '{p}%'") } else { format!("{row}.key = '{p}'") })
                .collect::<Vec<_>>()
                .join(" OR ");
            format!("({keys}) AND ({row}.store_id IS NULL OR {})", not_demo(&format!("{row}.store_id")))
        }
        _ => not_demo(&format!("{row}.store_id")),
    };
    format!("{applying} AND {specific}")
}

/// The sync id of a row: settings are keyed by store and key (each seat makes its own row ids).
fn row_key(t: &SyncedTable, row: &str) -> String {
    if t.name == "settings" {
        format!("ifnull({row}.store_id, '') || '/' || {row}.key")
    } else {
        format!("{row}.id")
    }
}

const TICK: &str = "UPDATE sync_client SET hlc = max(hlc + 1, \
    CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) * 65536) WHERE id = 1;";

impl Db {
    /// The synced columns of `table` as the database has them now.
    async fn synced_columns(&self, t: &SyncedTable) -> Result<Vec<String>> {
        let names: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?1) ORDER BY cid")
            .bind(t.name)
            .fetch_all(&self.pool())
            .await
            .map_err(Error::from_sqlx)?;
        Ok(names.into_iter().filter(|c| !t.local_columns.contains(&c.as_str())).collect())
    }

    /// `json_object(...)` of a row's synced columns.
    fn json_of(columns: &[String], row: &str) -> String {
        let pairs = columns.iter().map(|c| format!("'{c}', {row}.{c}")).collect::<Vec<_>>().join(", ");
        format!("json_object({pairs})")
    }

    /// (Re)creates the outbox triggers from the live columns. Called when a team is set up and at
    /// every start while one is.
    pub async fn install_sync_triggers(&self) -> Result<()> {
        let mut tx = self.begin_write().await?;
        drop_triggers(&mut tx).await?;
        for t in SYNCED_TABLES {
            let cols = self.synced_columns(t).await?;
            if cols.is_empty() {
                return Err(Error::Constraint(format!("synced table {} does not exist", t.name)));
            }
            let name = t.name;
            let insert = format!(
                "CREATE TRIGGER sync_{name}_ins AFTER INSERT ON {name} WHEN {filter}
                 BEGIN {TICK}
                   INSERT INTO sync_outbox (tbl, row_id, op, data, base_version, fields, hlc)
                   VALUES ('{name}', {key}, 'upsert', {json}, NULL, NULL, (SELECT hlc FROM sync_client WHERE id = 1));
                 END",
                filter = trigger_filter(t, "NEW"),
                key = row_key(t, "NEW"),
                json = Self::json_of(&cols, "NEW"),
            );
            sqlx::query(&insert).execute(&mut *tx).await.map_err(Error::from_sqlx)?;
            if t.rule != ConflictRule::AppendOnly {
                let changed = cols.iter().map(|c| format!("OLD.{c} IS NOT NEW.{c}")).collect::<Vec<_>>().join(" OR ");
                let fields = cols
                    .iter()
                    .map(|c| format!("SELECT '{c}' AS f WHERE OLD.{c} IS NOT NEW.{c}"))
                    .collect::<Vec<_>>()
                    .join(" UNION ALL ");
                let base = if t.rule == ConflictRule::CompareAndSet { "OLD.version" } else { "NULL" };
                let update = format!(
                    "CREATE TRIGGER sync_{name}_upd AFTER UPDATE ON {name} WHEN {filter} AND ({changed})
                     BEGIN {TICK}
                       INSERT INTO sync_outbox (tbl, row_id, op, data, base_version, fields, hlc)
                       VALUES ('{name}', {key}, 'upsert', {json}, {base},
                               (SELECT json_group_array(f) FROM ({fields})), (SELECT hlc FROM sync_client WHERE id = 1));
                     END",
                    filter = trigger_filter(t, "NEW"),
                    key = row_key(t, "NEW"),
                    json = Self::json_of(&cols, "NEW"),
                );
                sqlx::query(&update).execute(&mut *tx).await.map_err(Error::from_sqlx)?;
                let delete = format!(
                    "CREATE TRIGGER sync_{name}_del AFTER DELETE ON {name} WHEN {filter}
                     BEGIN {TICK}
                       INSERT INTO sync_outbox (tbl, row_id, op, data, base_version, fields, hlc)
                       VALUES ('{name}', {key}, 'delete', json_object('id', OLD.id, 'store_id', OLD.store_id), NULL, NULL,
                               (SELECT hlc FROM sync_client WHERE id = 1));
                     END",
                    filter = trigger_filter(t, "OLD").replace("OLD.is_demo = 0", "1"),
                    key = row_key(t, "OLD"),
                );
                let delete = if t.name == "stores" {
                    delete.replace("'store_id', OLD.store_id", "'store_id', OLD.id")
                } else {
                    delete
                };
                sqlx::query(&delete).execute(&mut *tx).await.map_err(Error::from_sqlx)?;
            }
        }
        tx.commit().await.map_err(Error::from_sqlx)
    }

    /// Makes this data folder a seat of a team: stores the link, installs the triggers and, when
    /// `upload_existing`, queues every existing synced row (the first upload).
    pub async fn link_team(&self, link: &TeamLink, upload_existing: bool) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM sync_client").execute(&mut *tx).await.map_err(Error::from_sqlx)?;
        sqlx::query("DELETE FROM sync_outbox").execute(&mut *tx).await.map_err(Error::from_sqlx)?;
        sqlx::query(
            "INSERT INTO sync_client (id, client_id, team_id, team_name, host, port, database, db_role, seat_role,
               seat_name, ca_file)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )
        .bind(&link.client_id)
        .bind(&link.team_id)
        .bind(&link.team_name)
        .bind(&link.host)
        .bind(link.port)
        .bind(&link.database)
        .bind(&link.db_role)
        .bind(link.seat_role.as_str())
        .bind(&link.seat_name)
        .bind(&link.ca_file)
        .execute(&mut *tx)
        .await
        .map_err(Error::from_sqlx)?;
        tx.commit().await.map_err(Error::from_sqlx)?;
        self.install_sync_triggers().await?;
        if upload_existing {
            self.queue_existing_rows().await?;
        }
        Ok(())
    }

    /// Queues every existing synced row, table by table in dependency order and by id (UUIDv7,
    /// so by creation) within a table.
    async fn queue_existing_rows(&self) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for t in SYNCED_TABLES {
            let cols = self.synced_columns(t).await?;
            let sql = format!(
                "INSERT INTO sync_outbox (tbl, row_id, op, data, base_version, fields, hlc)
                 SELECT '{name}', {key}, 'upsert', {json}, NULL, NULL,
                        (SELECT hlc FROM sync_client WHERE id = 1) + row_number() OVER (ORDER BY r.id)
                 FROM {name} r WHERE {filter} ORDER BY r.id",
                name = t.name,
                key = row_key(t, "r"),
                json = Self::json_of(&cols, "r"),
                filter = trigger_filter(t, "r").replace("(SELECT applying FROM sync_client WHERE id = 1) = 0 AND ", ""),
            );
            sqlx::query(&sql).execute(&mut *tx).await.map_err(Error::from_sqlx)?;
            sqlx::query(
                "UPDATE sync_client SET hlc = max(hlc, (SELECT ifnull(max(hlc), 0) FROM sync_outbox)) WHERE id = 1",
            )
            .execute(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?;
        }
        tx.commit().await.map_err(Error::from_sqlx)
    }

    /// Stops syncing: removes the triggers, the link, the outbox and the refusals. Local data stays.
    pub async fn unlink_team(&self) -> Result<()> {
        let mut tx = self.begin_write().await?;
        drop_triggers(&mut tx).await?;
        for t in ["sync_client", "sync_outbox", "sync_refusals", "sync_apply_errors"] {
            sqlx::query(&format!("DELETE FROM {t}")).execute(&mut *tx).await.map_err(Error::from_sqlx)?;
        }
        tx.commit().await.map_err(Error::from_sqlx)
    }

    /// The team this data folder syncs with, if any.
    pub async fn team_link(&self) -> Result<Option<TeamLink>> {
        sqlx::query_as(
            "SELECT client_id, team_id, team_name, host, port, database, db_role, seat_role, seat_name, ca_file
             FROM sync_client WHERE id = 1",
        )
        .fetch_optional(&self.pool())
        .await
        .map_err(Error::from_sqlx)
    }

    /// Does this seat run the store's jobs (it connected the store here)?
    pub async fn store_runs_here(&self, store_id: &str) -> Result<bool> {
        let v: Option<bool> = sqlx::query_scalar("SELECT runs_here FROM stores WHERE id = ?1")
            .bind(store_id)
            .fetch_optional(&self.pool())
            .await
            .map_err(Error::from_sqlx)?;
        Ok(v.unwrap_or(true))
    }

    /// Records whether this seat holds the store's Salla grant (and so may run the store).
    pub async fn set_store_runs_here(&self, store_id: &str, here: bool) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE stores SET runs_here = ?2 WHERE id = ?1")
            .bind(store_id)
            .bind(here)
            .execute(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?;
        tx.commit().await.map_err(Error::from_sqlx)
    }

    /// Updates this seat's role as the server reports it.
    pub async fn set_seat_role(&self, role: SeatRole) -> Result<()> {
        sqlx::query("UPDATE sync_client SET seat_role = ?1 WHERE id = 1")
            .bind(role.as_str())
            .execute(&self.pool())
            .await
            .map_err(Error::from_sqlx)?;
        Ok(())
    }

    /// Gives this install a new client id (after a restore made its mutation ids go back).
    pub async fn rotate_client_id(&self, client_id: &str) -> Result<()> {
        sqlx::query("UPDATE sync_client SET client_id = ?1 WHERE id = 1")
            .bind(client_id)
            .execute(&self.pool())
            .await
            .map_err(Error::from_sqlx)?;
        Ok(())
    }

    /// The highest mutation id ever handed out here (AUTOINCREMENT never reuses one).
    pub async fn last_issued_mutation(&self) -> Result<i64> {
        sqlx::query_scalar("SELECT ifnull((SELECT seq FROM sqlite_sequence WHERE name = 'sync_outbox'), 0)")
            .fetch_one(&self.pool())
            .await
            .map_err(Error::from_sqlx)
    }

    /// Up to `limit` pending mutations, oldest first.
    pub async fn pending_mutations(&self, limit: i64) -> Result<Vec<Mutation>> {
        let client: String = sqlx::query_scalar("SELECT client_id FROM sync_client WHERE id = 1")
            .fetch_optional(&self.pool())
            .await
            .map_err(Error::from_sqlx)?
            .unwrap_or_default();
        let rows = sqlx::query(
            "SELECT mutation_id, tbl, row_id, op, data, base_version, fields, hlc FROM sync_outbox
             ORDER BY mutation_id LIMIT ?1",
        )
        .bind(limit)
        .fetch_all(&self.pool())
        .await
        .map_err(Error::from_sqlx)?;
        rows.into_iter()
            .map(|r| {
                let op: String = r.get("op");
                let data: Option<String> = r.get("data");
                let fields: Option<String> = r.get("fields");
                Ok(Mutation {
                    mid: r.get("mutation_id"),
                    tbl: r.get("tbl"),
                    id: r.get("row_id"),
                    op: Op::parse(&op).ok_or_else(|| Error::Constraint(format!("unknown outbox op {op}")))?,
                    data: data.map(|d| serde_json::from_str(&d)).transpose().map_err(json_err)?,
                    base_version: r.get("base_version"),
                    fields: fields.map(|f| serde_json::from_str(&f)).transpose().map_err(json_err)?,
                    hlc: Hlc(r.get::<i64, _>("hlc")).encode(&client),
                })
            })
            .collect()
    }

    /// Records the server's answers: answered mutations leave the outbox; refused ones are kept
    /// as refusals and the team's row (if it came with the answer) replaces the local one.
    /// Returns how many refusals wait for the merchant.
    pub async fn record_answers(&self, sent: &[Mutation], answers: &[Answer]) -> Result<usize> {
        let mut open = 0;
        let mut tx = self.begin_write().await?;
        set_applying(&mut tx, true).await?;
        let mut theirs = Vec::new();
        // One answer per mutation, in order (the remote checks the count).
        for (m, a) in sent.iter().zip(answers) {
            if m.mid != a.mid {
                return Err(Error::Constraint(format!(
                    "answer for change {} came where {} was expected",
                    a.mid, m.mid
                )));
            }
            if matches!(a.status, AnswerStatus::Conflict | AnswerStatus::Rejected) {
                let mine = m.data.as_ref().map(|d| d.to_string());
                let current = a.current.as_ref().map(|c| serde_json::to_string(c).unwrap_or_default());
                let status =
                    if a.status == AnswerStatus::Conflict { RefusalStatus::Conflict } else { RefusalStatus::Rejected };
                // A last-writer-wins loss is resolved by the clock, not by the merchant; so is
                // retiring a row the team had already retired.
                let retired =
                    |d: Option<&serde_json::Value>| d.and_then(|d| d.get("deleted_at")).is_some_and(|v| !v.is_null());
                let settled = a.status == AnswerStatus::Conflict
                    && (synced_table(&m.tbl).is_some_and(|t| t.rule == ConflictRule::LastWriterWins)
                        || (retired(m.data.as_ref()) && retired(a.current.as_ref().map(|c| &c.data))));
                if !settled {
                    open += 1;
                }
                sqlx::query(
                    "INSERT INTO sync_refusals (id, mutation_id, tbl, row_id, status, reason, mine, theirs, resolved_at,
                       resolution)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .bind(new_id())
                .bind(m.mid)
                .bind(&m.tbl)
                .bind(&m.id)
                .bind(status.as_str())
                .bind(a.reason.as_deref().unwrap_or("refused by the team"))
                .bind(mine)
                .bind(current)
                .bind(settled.then(now_text))
                .bind(settled.then_some("took_theirs"))
                .execute(&mut *tx)
                .await
                .map_err(Error::from_sqlx)?;
                // What the team did not take is undone here: a refused new row goes (another
                // seat's rule won the target), and the team's row takes the place of a refused
                // change to an existing one.
                let ours_only = a.current.as_ref().is_none_or(|c| c.id != m.id);
                if ours_only && m.op == Op::Upsert {
                    remove_local(&mut tx, &m.tbl, &m.id).await?;
                }
                if let Some(row) = &a.current {
                    theirs.push(row.clone());
                }
            }
        }
        // The team's rows go in after every refused row of the batch is gone (a later refused
        // edit may hold the place the team's row needs); one that cannot go in yet waits.
        let mut applier = Applier::new(&mut tx).await?;
        applier.apply_all(&mut tx, &theirs).await?;
        let answered: Vec<i64> = answers.iter().map(|a| a.mid).collect();
        sqlx::query("DELETE FROM sync_outbox WHERE mutation_id IN (SELECT value FROM json_each(?1))")
            .bind(serde_json::to_string(&answered).map_err(json_err)?)
            .execute(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?;
        set_applying(&mut tx, false).await?;
        sqlx::query("UPDATE sync_client SET last_push_at = ?1, offline_since = NULL, last_error = NULL WHERE id = 1")
            .bind(self.now_text())
            .execute(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?;
        tx.commit().await.map_err(Error::from_sqlx)?;
        Ok(open)
    }

    /// Applies pulled rows (in change-number order) and moves the cursor to `through`, unless
    /// local changes are pending (then nothing is applied: push first).
    pub async fn apply_pulled(&self, rows: &[TeamRow], through: i64, head: i64, now_ms: i64) -> Result<Applied> {
        let mut tx = self.begin_write().await?;
        let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM sync_outbox")
            .fetch_one(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?;
        if pending > 0 {
            return Ok(Applied { deferred: true, ..Applied::default() });
        }
        set_applying(&mut tx, true).await?;
        let mut out = Applied::default();
        let mut clock: i64 = sqlx::query_scalar("SELECT hlc FROM sync_client WHERE id = 1")
            .fetch_one(&mut *tx)
            .await
            .map_err(Error::from_sqlx)?;
        let mut applier = Applier::new(&mut tx).await?;
        out.rows = applier.apply_all(&mut tx, rows).await?;
        out.rows += applier.retry_waiting(&mut tx).await?;
        for row in rows {
            if let Some(remote) = Hlc::decode(&row.hlc) {
                clock = Hlc(clock).receive(remote, now_ms).0;
            }
        }
        out.failed = usize::try_from(
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM sync_apply_errors")
                .fetch_one(&mut *tx)
                .await
                .map_err(Error::from_sqlx)?,
        )
        .unwrap_or(0);
        set_applying(&mut tx, false).await?;
        sqlx::query(
            "UPDATE sync_client SET pulled_seq = max(pulled_seq, ?1), head_seq = max(head_seq, ?2), hlc = ?3,
               last_pull_at = ?4, offline_since = NULL, last_error = NULL WHERE id = 1",
        )
        .bind(through)
        .bind(head)
        .bind(clock)
        .bind(self.now_text())
        .execute(&mut *tx)
        .await
        .map_err(Error::from_sqlx)?;
        tx.commit().await.map_err(Error::from_sqlx)?;
        Ok(out)
    }

    /// Notes that the team server could not be reached (or refused us), keeping the first time.
    pub async fn note_sync_error(&self, error: &str, offline: bool) -> Result<()> {
        sqlx::query(
            "UPDATE sync_client SET last_error = ?1,
               offline_since = CASE WHEN ?2 THEN ifnull(offline_since, ?3) ELSE offline_since END WHERE id = 1",
        )
        .bind(error)
        .bind(offline)
        .bind(self.now_text())
        .execute(&self.pool())
        .await
        .map_err(Error::from_sqlx)?;
        Ok(())
    }

    /// The change number this seat has applied through.
    pub async fn pulled_seq(&self) -> Result<i64> {
        sqlx::query_scalar("SELECT ifnull((SELECT pulled_seq FROM sync_client WHERE id = 1), 0)")
            .fetch_one(&self.pool())
            .await
            .map_err(Error::from_sqlx)
    }

    /// Sync counters for status displays.
    pub async fn sync_state(&self) -> Result<Option<SyncState>> {
        sqlx::query_as(
            "SELECT (SELECT count(*) FROM sync_outbox) AS pending,
                    (SELECT min(created_at) FROM sync_outbox) AS oldest_pending_at,
                    pulled_seq, head_seq, last_push_at, last_pull_at, offline_since, last_error,
                    (SELECT count(*) FROM sync_refusals WHERE resolved_at IS NULL) AS open_refusals,
                    (SELECT count(*) FROM sync_apply_errors) AS apply_errors,
                    (SELECT tbl || ' ' || row_id || ': ' || error FROM sync_apply_errors ORDER BY seq DESC LIMIT 1)
                      AS last_apply_error
             FROM sync_client WHERE id = 1",
        )
        .fetch_optional(&self.pool())
        .await
        .map_err(Error::from_sqlx)
    }

    /// Refused changes not yet resolved, newest first.
    pub async fn open_refusals(&self) -> Result<Vec<RefusalRow>> {
        sqlx::query_as(
            "SELECT id, mutation_id, tbl, row_id, status, reason, mine, theirs, at FROM sync_refusals
             WHERE resolved_at IS NULL ORDER BY at DESC, mutation_id DESC",
        )
        .fetch_all(&self.pool())
        .await
        .map_err(Error::from_sqlx)
    }

    /// Marks a refusal resolved (`kept_mine`, `took_theirs` or `dismissed`).
    pub async fn resolve_refusal(&self, id: &str, resolution: &str) -> Result<RefusalRow> {
        let row: Option<RefusalRow> = sqlx::query_as(
            "UPDATE sync_refusals SET resolved_at = ?2, resolution = ?3 WHERE id = ?1 AND resolved_at IS NULL
             RETURNING id, mutation_id, tbl, row_id, status, reason, mine, theirs, at",
        )
        .bind(id)
        .bind(self.now_text())
        .bind(resolution)
        .fetch_optional(&self.pool())
        .await
        .map_err(Error::from_sqlx)?;
        row.ok_or_else(|| Error::Missing(format!("no open sync conflict with id {id:?}")))
    }
}

fn json_err(e: serde_json::Error) -> Error {
    Error::Constraint(format!("outbox row is not valid JSON: {e}"))
}

async fn set_applying(tx: &mut WriteTx, on: bool) -> Result<()> {
    sqlx::query("UPDATE sync_client SET applying = ?1 WHERE id = 1")
        .bind(on)
        .execute(&mut **tx)
        .await
        .map_err(Error::from_sqlx)?;
    Ok(())
}

async fn drop_triggers(tx: &mut WriteTx) -> Result<()> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'sync\\_%' ESCAPE '\\'",
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(Error::from_sqlx)?;
    for n in names {
        sqlx::query(&format!("DROP TRIGGER IF EXISTS \"{n}\"")).execute(&mut **tx).await.map_err(Error::from_sqlx)?;
    }
    Ok(())
}

/// Deletes a local row by its sync id.
async fn remove_local(tx: &mut WriteTx, tbl: &str, id: &str) -> Result<()> {
    let t = synced_table(tbl).ok_or_else(|| Error::Constraint(format!("{tbl} is not a synced table")))?;
    if t.rule == ConflictRule::AppendOnly {
        return Ok(());
    }
    if t.name == "settings" {
        let (store, key) = id.split_once('/').unwrap_or(("", id));
        sqlx::query("DELETE FROM settings WHERE ifnull(store_id, '') = ?1 AND key = ?2")
            .bind(store)
            .bind(key)
            .execute(&mut **tx)
            .await
            .map_err(Error::from_sqlx)?;
    } else {
        sqlx::query(&format!("DELETE FROM {} WHERE id = ?1", t.name))
            .bind(id)
            .execute(&mut **tx)
            .await
            .map_err(Error::from_sqlx)?;
    }
    Ok(())
}

/// Applies team rows in the caller's transaction. Table columns are read once; a batch is first
/// tried whole inside one savepoint, and only when some row is refused is it redone row by row,
/// each in its own savepoint, the refused ones waiting in `sync_apply_errors`.
struct Applier {
    columns: std::collections::HashMap<&'static str, Vec<String>>,
    any_waiting: bool,
}

impl Applier {
    async fn new(tx: &mut WriteTx) -> Result<Applier> {
        let waiting: i64 = sqlx::query_scalar("SELECT count(*) FROM sync_apply_errors")
            .fetch_one(&mut **tx)
            .await
            .map_err(Error::from_sqlx)?;
        Ok(Applier { columns: std::collections::HashMap::new(), any_waiting: waiting > 0 })
    }

    /// Applies `rows` in order; returns how many were written (the others wait).
    async fn apply_all(&mut self, tx: &mut WriteTx, rows: &[TeamRow]) -> Result<usize> {
        sqlx::query("SAVEPOINT pulled_batch").execute(&mut **tx).await.map_err(Error::from_sqlx)?;
        let mut whole = true;
        let mut start = 0;
        while start < rows.len() {
            // A run of rows of one table with the same columns goes in with one statement.
            let same = |a: &TeamRow, b: &TeamRow| {
                a.tbl == b.tbl
                    && !a.deleted
                    && !b.deleted
                    && a.tbl != "settings"
                    && match (a.data.as_object(), b.data.as_object()) {
                        (Some(x), Some(y)) => x.len() == y.len() && x.keys().eq(y.keys()),
                        _ => false,
                    }
            };
            let mut end = start + 1;
            while end < rows.len() && same(&rows[start], &rows[end]) {
                end += 1;
            }
            let written = if end - start > 1 {
                self.write_run(tx, &rows[start..end]).await
            } else {
                self.write(tx, &rows[start]).await
            };
            if written.is_err() {
                whole = false;
                break;
            }
            start = end;
        }
        if whole {
            sqlx::query("RELEASE pulled_batch").execute(&mut **tx).await.map_err(Error::from_sqlx)?;
            if self.any_waiting {
                for row in rows {
                    self.no_longer_waits(tx, row).await?;
                }
            }
            return Ok(rows.len());
        }
        sqlx::query("ROLLBACK TO pulled_batch; RELEASE pulled_batch")
            .execute(&mut **tx)
            .await
            .map_err(Error::from_sqlx)?;
        let mut written = 0;
        for row in rows {
            match self.apply_one(tx, row).await? {
                None => written += 1,
                Some(e) => {
                    tracing::debug!(seq = row.seq, table = %row.tbl, error = %e, "team row waits for a row it references");
                    self.wait(tx, row, &e).await?;
                }
            }
        }
        Ok(written)
    }

    /// Retries the waiting rows until a pass writes none of them; returns how many were written.
    async fn retry_waiting(&mut self, tx: &mut WriteTx) -> Result<usize> {
        let mut written = 0;
        while self.any_waiting {
            let waiting: Vec<String> = sqlx::query_scalar("SELECT row FROM sync_apply_errors ORDER BY seq")
                .fetch_all(&mut **tx)
                .await
                .map_err(Error::from_sqlx)?;
            let mut progress = false;
            for json in waiting {
                let row: TeamRow = serde_json::from_str(&json).map_err(json_err)?;
                if self.apply_one(tx, &row).await?.is_none() {
                    progress = true;
                    written += 1;
                }
            }
            if !progress {
                break;
            }
        }
        Ok(written)
    }

    /// One row in its own savepoint: `None` when written, `Some(why)` when refused.
    async fn apply_one(&mut self, tx: &mut WriteTx, row: &TeamRow) -> Result<Option<String>> {
        sqlx::query("SAVEPOINT pulled_row").execute(&mut **tx).await.map_err(Error::from_sqlx)?;
        match self.write(tx, row).await {
            Ok(()) => {
                sqlx::query("RELEASE pulled_row").execute(&mut **tx).await.map_err(Error::from_sqlx)?;
                if self.any_waiting {
                    self.no_longer_waits(tx, row).await?;
                }
                Ok(None)
            }
            Err(e) => {
                sqlx::query("ROLLBACK TO pulled_row; RELEASE pulled_row")
                    .execute(&mut **tx)
                    .await
                    .map_err(Error::from_sqlx)?;
                Ok(Some(e.to_string()))
            }
        }
    }

    async fn wait(&mut self, tx: &mut WriteTx, row: &TeamRow, error: &str) -> Result<()> {
        sqlx::query(
            "INSERT OR REPLACE INTO sync_apply_errors (tbl, row_id, seq, row, error) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .bind(&row.tbl)
        .bind(&row.id)
        .bind(row.seq)
        .bind(serde_json::to_string(row).map_err(json_err)?)
        .bind(error)
        .execute(&mut **tx)
        .await
        .map_err(Error::from_sqlx)?;
        self.any_waiting = true;
        Ok(())
    }

    async fn no_longer_waits(&self, tx: &mut WriteTx, row: &TeamRow) -> Result<()> {
        sqlx::query("DELETE FROM sync_apply_errors WHERE tbl = ?1 AND row_id = ?2")
            .bind(&row.tbl)
            .bind(&row.id)
            .execute(&mut **tx)
            .await
            .map_err(Error::from_sqlx)?;
        Ok(())
    }

    /// The table's live columns (read once per applier).
    async fn live_columns(&mut self, tx: &mut WriteTx, table: &'static str) -> Result<Vec<String>> {
        if !self.columns.contains_key(table) {
            let live: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?1)")
                .bind(table)
                .fetch_all(&mut **tx)
                .await
                .map_err(Error::from_sqlx)?;
            self.columns.insert(table, live);
        }
        Ok(self.columns.get(table).cloned().unwrap_or_default())
    }

    /// Writes rows of one table with the same columns (not deleted, not settings) in one
    /// statement.
    async fn write_run(&mut self, tx: &mut WriteTx, rows: &[TeamRow]) -> Result<()> {
        let Some(first) = rows.first() else { return Ok(()) };
        let t = synced_table(&first.tbl)
            .ok_or_else(|| Error::Constraint(format!("{} is not a synced table", first.tbl)))?;
        let Some(obj) = first.data.as_object() else {
            return Err(Error::Constraint(format!("team row {}/{} has no data", first.tbl, first.id)));
        };
        let live = self.live_columns(tx, t.name).await?;
        let cols: Vec<&String> =
            live.iter().filter(|c| !t.local_columns.contains(&c.as_str()) && obj.contains_key(c.as_str())).collect();
        if !cols.iter().any(|c| c.as_str() == "id") {
            return Err(Error::Constraint(format!("team row {}/{} has no id", first.tbl, first.id)));
        }
        let (names, values) = insert_lists(t, &cols, "j.value");
        let sql = format!(
            "INSERT INTO {name} ({names}) SELECT {values} FROM json_each(?1) j WHERE true ON CONFLICT (id) {conflict}",
            name = t.name,
            conflict = on_conflict(t, &cols)
        );
        let array = serde_json::to_string(&rows.iter().map(|r| &r.data).collect::<Vec<_>>()).map_err(json_err)?;
        sqlx::query(&sql).bind(array).execute(&mut **tx).await.map_err(Error::from_sqlx)?;
        Ok(())
    }

    /// Writes one team row here (insert, update or delete), keeping device-local columns.
    async fn write(&mut self, tx: &mut WriteTx, row: &TeamRow) -> Result<()> {
        let t =
            synced_table(&row.tbl).ok_or_else(|| Error::Constraint(format!("{} is not a synced table", row.tbl)))?;
        if row.deleted {
            return remove_local(tx, t.name, &row.id).await;
        }
        let Some(obj) = row.data.as_object() else {
            return Err(Error::Constraint(format!("team row {}/{} has no data", row.tbl, row.id)));
        };
        if t.name == "settings" && !obj.get("key").and_then(|k| k.as_str()).is_some_and(is_team_setting) {
            return Err(Error::Constraint("the team sent a device setting".into()));
        }
        if let Some(why) = crate::vocab::unknown_in_team_row(t.name, obj) {
            return Err(Error::Constraint(why));
        }
        let live = self.live_columns(tx, t.name).await?;
        let cols: Vec<&String> =
            live.iter().filter(|c| !t.local_columns.contains(&c.as_str()) && obj.contains_key(c.as_str())).collect();
        if !cols.iter().any(|c| c.as_str() == "id") {
            return Err(Error::Constraint(format!("team row {}/{} has no id", row.tbl, row.id)));
        }
        let data = row.data.to_string();
        if t.name == "settings" {
            sqlx::query(
                "DELETE FROM settings WHERE ifnull(store_id, '') = ifnull(json_extract(?1, '$.store_id'), '')
                   AND key = json_extract(?1, '$.key') AND id <> json_extract(?1, '$.id')",
            )
            .bind(&data)
            .execute(&mut **tx)
            .await
            .map_err(Error::from_sqlx)?;
        }
        let (names, values) = insert_lists(t, &cols, "?1");
        let sql = format!(
            "INSERT INTO {name} ({names}) VALUES ({values}) ON CONFLICT (id) {conflict}",
            name = t.name,
            conflict = on_conflict(t, &cols)
        );
        sqlx::query(&sql).bind(&data).execute(&mut **tx).await.map_err(Error::from_sqlx)?;
        Ok(())
    }
}

/// Column names and `json_extract` values of an insert of team rows from JSON in `source`.
fn insert_lists(t: &SyncedTable, cols: &[&String], source: &str) -> (String, String) {
    let mut names = cols.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ");
    let mut values = cols.iter().map(|c| format!("json_extract({source}, '$.\"{c}\"')")).collect::<Vec<_>>().join(", ");
    if t.name == "stores" {
        // A store new to this seat was connected on another one: its jobs run there.
        names.push_str(", runs_here");
        values.push_str(", 0");
    }
    (names, values)
}

/// What an insert of a team row does to the row already here.
fn on_conflict(t: &SyncedTable, cols: &[&String]) -> String {
    if t.rule == ConflictRule::AppendOnly {
        return "DO NOTHING".to_string();
    }
    let sets = cols
        .iter()
        .filter(|c| c.as_str() != "id")
        .map(|c| format!("{c} = excluded.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!("DO UPDATE SET {sets}")
}
