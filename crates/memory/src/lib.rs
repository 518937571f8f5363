//! Returning freed memory to the operating system after a large job.
//!
//! glibc's allocator keeps what a thread freed in that thread's arena for reuse; it gives pages
//! back only from the top of a heap. A run over 100,000 products reads, plans and records on
//! several threads (the bulk reader and the recorder run on blocking threads), so after it the
//! process stays resident near its peak although nothing uses that memory, and the next job starts
//! from there (measured: ~100 MiB more resident after each of the first runs). `malloc_trim(0)`
//! releases the free pages of every arena. Elsewhere (musl, macOS, Windows) the allocators return
//! large blocks themselves and there is no such call: nothing happens.
//!
//! Call it at a quiet point, after a job: glibc locks each arena in turn while it walks them.

/// Asks the allocator to give the memory it holds free back to the system. Returns whether it
/// gave anything back (always false where there is no such call).
#[must_use = "say in the log whether anything came back"]
pub fn release_free_memory() -> bool {
    release()
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn release() -> bool {
    // SAFETY: `malloc_trim` takes no pointers and touches only glibc's own free lists, which it
    // locks while it walks them; it is safe to call from any thread at any time.
    unsafe { libc::malloc_trim(0) == 1 }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release() -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn freed_memory_leaves_the_resident_set() {
        fn resident_kib() -> u64 {
            std::fs::read_to_string("/proc/self/status")
                .expect("status")
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:").map(|v| v.trim().trim_end_matches(" kB").parse().expect("kB")))
                .expect("VmRSS")
        }
        // Many small blocks (below glibc's mmap threshold), freed except the last: the heap's top
        // is held, so without a trim the freed pages stay resident.
        let mut blocks: Vec<Vec<u8>> = (0..40_000).map(|i| vec![(i % 251) as u8; 4_000]).collect();
        let keep = blocks.pop();
        drop(blocks);
        let before = resident_kib();
        let released = release_free_memory();
        let after = resident_kib();
        assert!(released, "glibc had free pages to return");
        assert!(after + 100_000 < before, "~150 MiB freed: {before} kB resident before, {after} kB after");
        drop(keep);
    }
}
