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
