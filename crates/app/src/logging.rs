//! The one tracing subscriber of a process: a daily rolling log file in the app log folder (the
//! last 14 kept) plus, when asked, stderr. Filter from `SPO_LOG` (default `info`).
//! Libraries only emit events; binaries call [`init`] once.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

/// Prefix of the log files (`spo.log.2026-11-25`).
pub const LOG_FILE_PREFIX: &str = "spo.log";

/// Installs the global subscriber. Keep the returned guard alive for the life of the process: it
/// flushes the file writer when dropped.
pub fn init(log_dir: &Path, stderr: bool) -> Result<WorkerGuard, crate::AppError> {
    std::fs::create_dir_all(log_dir)
        .map_err(|e| crate::AppError::Internal(format!("cannot create log folder {}: {e}", log_dir.display())))?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix(LOG_FILE_PREFIX)
        .max_log_files(14)
        .build(log_dir)
        .map_err(|e| crate::AppError::Internal(format!("cannot open log file in {}: {e}", log_dir.display())))?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = || EnvFilter::try_from_env("SPO_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let file_layer = fmt::layer().with_writer(writer).with_ansi(false).with_filter(filter());
    let stderr_layer = stderr.then(|| fmt::layer().with_writer(std::io::stderr).with_filter(filter()));
    tracing_subscriber::registry()
        .with(file_layer)
        .with(stderr_layer)
        .try_init()
        .map_err(|e| crate::AppError::Internal(format!("logging already initialised: {e}")))?;
    Ok(guard)
}
