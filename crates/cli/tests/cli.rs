//! Runs the real `spo` binary against a temporary data folder.

use std::process::Command;

fn spo(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_spo"))
        .args(args)
        .env("SPO_DATA_DIR", dir.join("data"))
        .env("SPO_LOG_DIR", dir.join("logs"))
        // No session bus: the keychain is unavailable, as on a headless server.
        .env("DBUS_SESSION_BUS_ADDRESS", format!("unix:path={}", dir.join("no-bus").display()))
        .output()
        .expect("run spo")
}

#[test]
fn doctor_json_reports_the_database_it_opened() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = spo(dir.path(), &["doctor", "--json"]);
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let report: spo_ipc::DoctorReport = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(report.database.path, dir.path().join("data").join("spo.sqlite3").display().to_string());
    assert_eq!(report.database.integrity, "ok");
    assert_eq!(report.database.journal_mode, "wal");
    assert!(dir.path().join("data").join("spo.sqlite3").exists());
    assert!(std::fs::read_dir(dir.path().join("logs")).expect("log folder").next().is_some(), "a log file is written");
    if cfg!(target_os = "linux") {
        assert!(!report.keychain.available, "no bus, no keychain");
        assert_eq!(out.status.code(), Some(1), "a failed check exits 1");
    }
}

#[test]
fn doctor_human_output_names_every_check() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = spo(dir.path(), &["doctor"]);
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    for label in ["Database", "Schema version", "Integrity check", "Journal mode", "Keychain", "Log folder"] {
        assert!(stdout.contains(label), "missing {label} in:\n{stdout}");
    }
}

#[test]
fn demo_store_from_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The in-memory keychain is not available to a separate process, so use the real one when
    // present; without a session bus the connection must fail closed.
    let out = spo(dir.path(), &["stores", "connect", "--demo", "--json"]);
    if out.status.success() {
        panic!("connecting without a keychain must fail closed: {}", String::from_utf8_lossy(&out.stdout));
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("keychain_unavailable"), "{stderr}");
    let out = spo(dir.path(), &["stores", "list", "--json"]);
    assert!(out.status.success());
    let stores: Vec<spo_ipc::StoreSummary> = serde_json::from_slice(&out.stdout).expect("json");
    assert!(stores.is_empty(), "nothing was stored locally");
}

/// Runs inside scripts/check.sh's keychain step (a private D-Bus session with gnome-keyring).
#[test]
#[ignore = "needs a real OS keychain; run by scripts/check.sh inside dbus-run-session"]
fn cli_demo_store_with_real_keychain() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_spo"))
            .args(args)
            .env("SPO_DATA_DIR", dir.path().join("data"))
            .env("SPO_LOG_DIR", dir.path().join("logs"))
            .output()
            .expect("run spo");
        assert!(out.status.success(), "spo {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    let connected: spo_ipc::ConnectedStore =
        serde_json::from_slice(&run(&["stores", "connect", "--demo", "--json"])).expect("json");
    assert_eq!(connected.imported, 240);
    // A second process: the demo server is restarted from the grant kept in the keychain.
    let summary: spo_ipc::SyncSummary =
        serde_json::from_slice(&run(&["catalog", "sync", "--store", &connected.store.id, "--json"])).expect("json");
    assert_eq!(summary.imported, 240);
    let page: spo_ipc::ProductPage = serde_json::from_slice(&run(&[
        "products",
        "list",
        "--store",
        &connected.store.id,
        "--search",
        "عسل",
        "--limit",
        "5",
        "--json",
    ]))
    .expect("json");
    assert_eq!((page.items.len(), page.total), (5, 24));
    let text =
        String::from_utf8(run(&["products", "list", "--store", &connected.store.id, "--limit", "3"])).expect("utf-8");
    assert!(text.contains("SAR") && text.contains("3 of 240 products"), "{text}");
    // Disconnect and delete: the keychain entry and the products go.
    let left: Vec<spo_ipc::StoreSummary> = serde_json::from_slice(&run(&[
        "stores",
        "disconnect",
        "--store",
        &connected.store.id,
        "--delete-data",
        "--json",
    ]))
    .expect("json");
    assert!(left.is_empty());
    let page: spo_ipc::ProductPage =
        serde_json::from_slice(&run(&["products", "list", "--store", &connected.store.id, "--json"])).expect("json");
    assert_eq!(page.total, 0);
    // No token in the data folder or the logs.
    let grant_json = {
        let out = run(&["stores", "list", "--json"]);
        String::from_utf8(out).expect("utf-8")
    };
    assert!(!grant_json.contains("ory_"), "no token in IPC/CLI output");
    for folder in ["data", "logs"] {
        for entry in std::fs::read_dir(dir.path().join(folder)).expect("folder") {
            let bytes = std::fs::read(entry.expect("entry").path()).expect("read");
            assert!(!String::from_utf8_lossy(&bytes).contains("ory_at_"), "a token leaked into {folder}");
            assert!(!String::from_utf8_lossy(&bytes).contains("ory_rt_"), "a token leaked into {folder}");
        }
    }
}
