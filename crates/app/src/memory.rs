//! After a large job (a run over the catalogue, the demand refresh, an import), the memory it freed
//! goes back to the operating system, so the next job does not start from the last one's peak.

use std::time::{Duration, Instant};

/// Returns the freed memory (on a blocking thread: the allocator locks its arenas while it walks
/// them) and says how long that took.
pub(crate) async fn release_after(job: &'static str) -> Duration {
    let started = Instant::now();
    let released = tokio::task::spawn_blocking(spo_memory::release_free_memory).await.unwrap_or(false);
    let took = started.elapsed();
    tracing::debug!(job, released, micros = took.as_micros() as u64, "returned freed memory to the system");
    took
}
