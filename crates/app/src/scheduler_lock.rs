//! One scheduler per data folder. Two processes that both ran the jobs of one database would
//! sync, apply and — worst — refresh a store's single-use Salla token twice. The process that runs
//! the scheduler holds an OS file lock on `scheduler.lock` (released by the OS when the process
//! ends, even by a crash); any other one — a second `spo daemon`, the desktop app beside a daemon —
//! waits in standby and takes over when the lock is free.
//!
//! The holder describes itself, with a heartbeat, in `scheduler.holder` (JSON). It is a separate
//! file because Windows refuses other processes even a read of a locked range.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::clock::time_text;
use crate::{AppError, Result};

/// The lock file in the data folder.
pub const LOCK_FILE: &str = "scheduler.lock";
/// The holder's description beside it.
pub const HOLDER_FILE: &str = "scheduler.holder";

/// Who runs the scheduler of a data folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// Its process id.
    pub pid: u32,
    /// Its program (`spo-desktop`, `spo`).
    pub program: String,
    /// Since when it holds the lock (RFC 3339, UTC).
    pub since: String,
    /// When its scheduling loop last woke (RFC 3339, UTC).
    pub heartbeat_at: Option<String>,
}

impl Holder {
    /// A holder that has not described itself (yet).
    fn unknown() -> Holder {
        Holder { pid: 0, program: "another process".to_owned(), since: String::new(), heartbeat_at: None }
    }

    /// "spo (pid 4242)".
    pub fn describe(&self) -> String {
        format!("{} (pid {})", self.program, self.pid)
    }
}

/// The lock, held while this value lives.
#[derive(Debug)]
pub(crate) struct SchedulerLock {
    /// Keeps the OS lock.
    _file: File,
    holder_path: PathBuf,
    holder: Holder,
}

fn io_err(what: &str, path: &Path, e: &std::io::Error) -> AppError {
    AppError::Internal(format!("{what} {}: {e}", path.display()))
}

fn program() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "unknown".to_owned())
}

fn open_lock(dir: &Path) -> Result<File> {
    let path = dir.join(LOCK_FILE);
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| io_err("could not open", &path, &e))
}

impl SchedulerLock {
    /// Takes the lock of `dir` if no other process (or other handle in this one) holds it.
    pub(crate) fn try_acquire(dir: &Path) -> Result<Option<SchedulerLock>> {
        let file = open_lock(dir)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Ok(None),
            Err(TryLockError::Error(e)) => return Err(io_err("could not lock", &dir.join(LOCK_FILE), &e)),
        }
        let holder =
            Holder { pid: std::process::id(), program: program(), since: spo_store::now_text(), heartbeat_at: None };
        let lock = SchedulerLock { _file: file, holder_path: dir.join(HOLDER_FILE), holder };
        lock.write_holder()?;
        Ok(Some(lock))
    }

    /// Records a heartbeat of the scheduling loop for other processes to read.
    pub(crate) fn beat(&mut self, at: i64) -> Result<()> {
        self.holder.heartbeat_at = Some(time_text(at));
        self.write_holder()
    }

    /// Written under a temporary name and renamed: a reader never sees half a file.
    fn write_holder(&self) -> Result<()> {
        let tmp = self.holder_path.with_extension("holder.tmp");
        let json = serde_json::to_vec(&self.holder).map_err(|e| AppError::Internal(e.to_string()))?;
        let write = || -> std::io::Result<()> {
            let mut f = File::create(&tmp)?;
            f.write_all(&json)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &self.holder_path)
        };
        write().map_err(|e| io_err("could not write", &self.holder_path, &e))
    }
}

impl Drop for SchedulerLock {
    fn drop(&mut self) {
        // The OS lock goes with the file handle; the description goes first so that nobody reads
        // a holder that is gone.
        if let Err(e) = std::fs::remove_file(&self.holder_path) {
            if e.kind() != ErrorKind::NotFound {
                tracing::warn!(error = %e, "could not remove the scheduler holder file");
            }
        }
    }
}

/// Who holds the lock of `dir`, just after it was refused: a holder that let go meanwhile, or has
/// not described itself yet, is "another process" rather than nobody.
pub(crate) fn holder_after_refusal(dir: &Path) -> Result<Holder> {
    Ok(holder(dir)?.unwrap_or_else(Holder::unknown))
}

/// Who holds the lock of `dir`, when another process or handle does. A holder file left by a
/// crashed process is ignored: the OS released its lock.
pub(crate) fn holder(dir: &Path) -> Result<Option<Holder>> {
    let file = open_lock(dir)?;
    match file.try_lock() {
        Ok(()) => return Ok(None),
        Err(TryLockError::WouldBlock) => {}
        Err(TryLockError::Error(e)) => return Err(io_err("could not lock", &dir.join(LOCK_FILE), &e)),
    }
    let path = dir.join(HOLDER_FILE);
    let described = std::fs::read(&path).ok().and_then(|b| serde_json::from_slice::<Holder>(&b).ok());
    // Held, but not (yet) described: say so rather than nothing.
    Ok(Some(described.unwrap_or_else(Holder::unknown)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_and_the_lock_goes_with_it() {
        let dir = tempfile::tempdir().expect("dir");
        assert_eq!(holder(dir.path()).expect("free"), None);
        let mut first = SchedulerLock::try_acquire(dir.path()).expect("lock").expect("acquired");
        assert!(SchedulerLock::try_acquire(dir.path()).expect("lock").is_none(), "a second handle waits");
        let seen = holder(dir.path()).expect("read").expect("held");
        assert_eq!((seen.pid, seen.heartbeat_at.as_deref()), (std::process::id(), None));
        first.beat(1_700_000_000).expect("beat");
        let seen = holder(dir.path()).expect("read").expect("held");
        assert_eq!(seen.heartbeat_at.as_deref(), Some("2023-11-14T22:13:20.000Z"));
        assert!(seen.describe().ends_with(&format!("(pid {})", std::process::id())));
        drop(first);
        assert!(!dir.path().join(HOLDER_FILE).exists());
        assert_eq!(holder(dir.path()).expect("free again"), None);
        let again = SchedulerLock::try_acquire(dir.path()).expect("lock");
        assert!(again.is_some(), "free once the holder is gone");
    }

    #[test]
    fn a_stale_description_of_a_gone_process_is_ignored() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(dir.path().join(HOLDER_FILE), br#"{"pid":1,"program":"spo","since":"","heartbeat_at":null}"#)
            .expect("write");
        assert_eq!(holder(dir.path()).expect("read"), None, "nobody holds the lock");
    }
}
