//! Recording a run: its decisions streamed, chunk by chunk, into one `BEGIN IMMEDIATE` write
//! transaction on a blocking thread (rusqlite, prepared statements reused), then the run's outcome
//! and its audit row, then one commit. Memory stays bounded by the chunk the caller words at a
//! time, and a run over 100,000 products records in a fraction of a second.
//!
//! The caller must not write through the pool while a recording is open (it would wait for this
//! transaction's lock), and must make no network call while it is open.

use std::path::PathBuf;

use rusqlite::{params, Connection, OpenFlags, TransactionBehavior};

use crate::pricing::{Actor, DecisionStatus, NewDecision, RunOutcome};
use crate::rusqlite_conn::sqlite_error;
use crate::{new_id, Db, Error, Result, BUSY_TIMEOUT};

enum Msg {
    Chunk(Vec<NewDecision>),
    Finish(RunOutcome),
}

/// A run being recorded ([`Db::record_run`]). Dropped without [`RunRecorder::finish`], nothing of
/// it is kept.
#[derive(Debug)]
pub struct RunRecorder {
    sender: tokio::sync::mpsc::Sender<Msg>,
    writer: tokio::task::JoinHandle<Result<u64>>,
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Msg::Chunk(c) => write!(f, "Chunk({})", c.len()),
            Msg::Finish(_) => f.write_str("Finish"),
        }
    }
}

impl RunRecorder {
    /// Adds decisions to the run.
    pub async fn add(&self, chunk: Vec<NewDecision>) -> Result<()> {
        if self.sender.send(Msg::Chunk(chunk)).await.is_err() {
            // The writer stopped; `finish` says why.
            return Err(Error::BulkRead("the run's recording stopped".into()));
        }
        Ok(())
    }

    /// Records the outcome and commits everything. Returns how many decisions were recorded.
    pub async fn finish(self, outcome: RunOutcome) -> Result<u64> {
        let sent = self.sender.send(Msg::Finish(outcome)).await;
        drop(self.sender);
        let result = self.writer.await.map_err(|e| Error::BulkRead(format!("the run's recording stopped: {e}")))?;
        match (sent, result) {
            (_, Err(e)) => Err(e),
            (Err(_), Ok(_)) => Err(Error::BulkRead("the run's recording stopped".into())),
            (Ok(()), Ok(n)) => Ok(n),
        }
    }
}

const INSERT: &str =
    "INSERT INTO decisions (id, store_id, run_id, product_id, currency, old_price_minor, new_price_minor,
       strategy, inputs, guardrails, risk, rationale_en, rationale_ar, status, decided_by, decided_at,
       rollback_of, created_at, updated_at, price_field, sale_end)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?18, ?19, ?20)";

fn write(
    path: PathBuf,
    now: String,
    store_id: String,
    run_id: String,
    mut rx: tokio::sync::mpsc::Receiver<Msg>,
) -> Result<u64> {
    let mut conn =
        Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(sqlite_error)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite_error)?;
    // No checkpoint inside the commit: a run's ~100 MB of log is folded back into the database by
    // a background checkpoint after it (see the end of this function), not while the caller waits.
    conn.execute_batch(
        "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA cache_size = -32768; PRAGMA wal_autocheckpoint = 0;",
    )
        .map_err(sqlite_error)?;
    let started = std::time::Instant::now();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sqlite_error)?;
    let mut waited_for_chunks = std::time::Duration::ZERO;
    let (mut recorded, mut approved) = (0u64, 0u64);
    let mut outcome = None;
    // Proposals still waiting (usually none, or the last run's), by product: the ones whose
    // product this run decides on again are superseded, by row id, in the table's order.
    let waiting: std::collections::HashMap<String, Vec<i64>> = {
        let mut st = tx
            .prepare("SELECT product_id, rowid FROM decisions WHERE store_id = ?1 AND status = ?2")
            .map_err(sqlite_error)?;
        let rows = st
            .query_map(params![store_id, DecisionStatus::Proposed.as_str()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })
            .map_err(sqlite_error)?;
        let mut by_product = std::collections::HashMap::<String, Vec<i64>>::new();
        for row in rows {
            let (product, rowid) = row.map_err(sqlite_error)?;
            by_product.entry(product).or_default().push(rowid);
        }
        by_product
    };
    let mut superseded: Vec<i64> = Vec::new();
    {
        let mut insert = tx.prepare(INSERT).map_err(sqlite_error)?;
        loop {
            let waiting_since = std::time::Instant::now();
            let Some(msg) = rx.blocking_recv() else { break };
            waited_for_chunks += waiting_since.elapsed();
            match msg {
                Msg::Chunk(chunk) => {
                    for d in chunk {
                        let decided_at = d.decided_by.as_ref().map(|_| now.as_str());
                        insert
                            .execute(params![
                                new_id(),
                                store_id,
                                run_id,
                                d.product_id,
                                d.currency,
                                d.old_price_minor,
                                d.new_price_minor,
                                d.strategy.as_str(),
                                d.inputs,
                                d.guardrails,
                                d.risk.as_str(),
                                d.rationale_en,
                                d.rationale_ar,
                                d.status.as_str(),
                                d.decided_by,
                                decided_at,
                                d.rollback_of,
                                now,
                                d.price_field.as_str(),
                                d.sale_end,
                            ])
                            .map_err(sqlite_error)?;
                        if let Some(older) = waiting.get(&d.product_id) {
                            superseded.extend_from_slice(older);
                        }
                        recorded += 1;
                        approved += u64::from(d.status == DecisionStatus::Approved);
                    }
                }
                Msg::Finish(o) => {
                    outcome = Some(o);
                    break;
                }
            }
        }
    }
    // The sender dropped without finishing: the transaction rolls back when dropped.
    let Some(o) = outcome else {
        return Err(Error::BulkRead("the run was not finished; nothing of it was recorded".into()));
    };
    // A newer proposal for a product replaces the older ones still waiting.
    let inserted = started.elapsed();
    superseded.sort_unstable();
    {
        let mut supersede =
            tx.prepare("UPDATE decisions SET status = ?2, updated_at = ?3 WHERE rowid = ?1").map_err(sqlite_error)?;
        for rowid in superseded {
            supersede.execute(params![rowid, DecisionStatus::Expired.as_str(), now]).map_err(sqlite_error)?;
        }
    }
    let supersede_took = started.elapsed() - inserted;
    let details = serde_json::json!({
        "run_id": run_id, "decisions": recorded, "status": o.status, "approved": approved,
    })
    .to_string();
    tx.execute(
        "INSERT INTO audit_log (id, store_id, at, actor, action, entity, entity_id, reason, details)
         VALUES (?1, ?2, ?3, ?4, 'run.recorded', 'optimization_run', ?5, NULL, ?6)",
        params![new_id(), store_id, now, Actor::Strategist.as_str(), run_id, details],
    )
    .map_err(sqlite_error)?;
    tx.execute(
        "UPDATE optimization_runs SET status = ?3, finished_at = ?4, products_seen = ?5, proposed = ?6,
           applied = ?7, errors = ?8, steps = ?9, error = ?10, updated_at = ?4
         WHERE id = ?1 AND store_id = ?2",
        params![
            run_id,
            store_id,
            o.status.as_str(),
            now,
            o.products_seen,
            o.proposed,
            o.applied,
            o.errors,
            o.steps,
            o.error
        ],
    )
    .map_err(sqlite_error)?;
    let before_commit = started.elapsed();
    tx.commit().map_err(sqlite_error)?;
    tracing::debug!(
        recorded,
        insert_ms = inserted.as_millis() as u64,
        waiting_for_words_ms = waited_for_chunks.as_millis() as u64,
        supersede_ms = supersede_took.as_millis() as u64,
        commit_ms = (started.elapsed() - before_commit).as_millis() as u64,
        "run recorded"
    );
    checkpoint_in_background(conn);
    Ok(recorded)
}

/// Copies the committed log back into the database file on a thread of its own (a passive
/// checkpoint: it never blocks readers or writers, and stops where they are). The run is durable
/// at commit; if the process ends first, SQLite finishes the checkpoint on the next open.
fn checkpoint_in_background(conn: Connection) {
    let spawned = std::thread::Builder::new().name("spo-checkpoint".into()).spawn(move || {
        if let Err(e) = conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE);") {
            tracing::debug!(error = %e, "background checkpoint after a run did not finish");
        }
    });
    if let Err(e) = spawned {
        tracing::debug!(error = %e, "no thread for the background checkpoint; the next commit does it");
    }
}

impl Db {
    /// Starts recording run `run_id`'s decisions in one write transaction of its own (see the
    /// module's notes). Chunks go in with [`RunRecorder::add`]; [`RunRecorder::finish`] commits.
    pub fn record_run(&self, store_id: &str, run_id: &str) -> RunRecorder {
        let (sender, rx) = tokio::sync::mpsc::channel(2);
        let (path, now, store, run) =
            (self.path().to_path_buf(), self.now_text(), store_id.to_owned(), run_id.to_owned());
        let writer = tokio::task::spawn_blocking(move || write(path, now, store, run, rx));
        RunRecorder { sender, writer }
    }
}
