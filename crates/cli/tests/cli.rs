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
    for label in
        ["Database", "Schema version", "Integrity check", "Journal mode", "Keychain", "Log folder", "Scheduler"]
    {
        assert!(stdout.contains(label), "missing {label} in:\n{stdout}");
    }
}

#[test]
fn data_backup_list_keep_and_restore() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = spo(dir.path(), &["data", "backup", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let backup: spo_ipc::BackupReport = serde_json::from_slice(&out.stdout).expect("json");
    assert!(backup.file.path.starts_with(&dir.path().join("data").join("backups").display().to_string()));
    assert!(backup.tables.iter().any(|t| t.table == "stores"));
    assert!(spo(dir.path(), &["data", "keep", "3"]).status.success());
    let bad = spo(dir.path(), &["data", "keep", "0"]);
    assert_eq!(bad.status.code(), Some(2), "a bad count is a usage error");
    let out = spo(dir.path(), &["data", "list", "--json"]);
    let overview: spo_ipc::DataOverview = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!((overview.keep, overview.backups.len()), (3, 1));
    let out = spo(dir.path(), &["data", "restore", &backup.file.path]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && stdout.contains("the data it replaced is kept in"), "{stdout}");
    let junk = dir.path().join("junk.sqlite3");
    std::fs::write(&junk, "junk").expect("write");
    let out = spo(dir.path(), &["data", "restore", &junk.display().to_string()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a usable backup"));
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

type Lines = std::io::Lines<std::io::BufReader<std::process::ChildStdout>>;

/// `spo daemon` on `dir`'s folders (no keychain), with its output lines.
fn daemon(dir: &std::path::Path) -> (std::process::Child, Lines) {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_spo"))
        .arg("daemon")
        .env("SPO_DATA_DIR", dir.join("data"))
        .env("SPO_LOG_DIR", dir.join("logs"))
        .env("DBUS_SESSION_BUS_ADDRESS", format!("unix:path={}", dir.join("no-bus").display()))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn spo daemon");
    let lines = std::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    (child, lines)
}

/// SIGTERM, then a clean exit that says so.
fn stop(mut child: std::process::Child, mut lines: Lines) {
    assert_eq!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill").code(), Some(0));
    let status = child.wait().expect("wait");
    assert!(status.success(), "{status:?}");
    assert_eq!(lines.next().map(|l| l.expect("utf-8")), Some("scheduler stopped".to_owned()));
}

#[test]
fn daemon_runs_the_scheduler_until_sigterm_and_jobs_can_be_rescheduled() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (child, mut lines) = daemon(dir.path());
    let first = lines.next().expect("a line").expect("utf-8");
    assert_eq!(
        first, "scheduler running: 2 jobs (Ctrl-C stops it)",
        "no store yet: the global retention and backup jobs"
    );
    // A second daemon on the same data folder does not run the jobs twice: it waits.
    let (second, mut second_lines) = daemon(dir.path());
    assert_eq!(
        second_lines.next().expect("a line").expect("utf-8"),
        format!(
            "standby: spo (pid {}) runs this data folder's jobs; this daemon takes over when it stops (Ctrl-C stops it)",
            child.id()
        )
    );
    stop(second, second_lines);
    stop(child, lines);

    let out = spo(dir.path(), &["jobs", "list", "--json"]);
    let jobs: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(jobs.len(), 2);
    let retention = jobs.iter().find(|j| j["kind"] == "retention").expect("retention job");
    assert_eq!(retention["schedule"].as_str(), Some("0 3 * * *"));
    let backup = jobs.iter().find(|j| j["kind"] == "backup").expect("daily backup job");
    assert_eq!(backup["schedule"].as_str(), Some("0 2 * * *"));
    let id = retention["id"].as_str().expect("id").to_owned();
    let bad = spo(dir.path(), &["jobs", "set", &id, "--schedule", "every 2s"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("at most once a minute"));
    assert!(spo(dir.path(), &["jobs", "set", &id, "--schedule", "every 12h", "--pause"]).status.success());
    let jobs: Vec<serde_json::Value> =
        serde_json::from_slice(&spo(dir.path(), &["jobs", "list", "--json"]).stdout).expect("json");
    let retention = jobs.iter().find(|j| j["id"] == id.as_str()).expect("retention job");
    assert_eq!((retention["schedule"].as_str(), retention["paused"].as_bool()), (Some("every 12h"), Some(true)));
    let runs: Vec<serde_json::Value> =
        serde_json::from_slice(&spo(dir.path(), &["jobs", "runs", "--json"]).stdout).expect("json");
    assert!(runs.is_empty(), "nothing was due");
    // "Run now" with no app or daemon running is kept for the next one.
    let queued = spo(dir.path(), &["jobs", "run", &id]);
    assert!(queued.status.success(), "{}", String::from_utf8_lossy(&queued.stderr));
    assert_eq!(String::from_utf8_lossy(&queued.stdout), "queued: it runs when the app or spo daemon next runs\n");
    let unknown = spo(dir.path(), &["jobs", "run", "no-such-job"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no job no-such-job"));
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
    assert_eq!((summary.imported, summary.unchanged), (0, 240), "nothing changed at Salla, nothing rewritten");
    // Orders: 180 days of history, every line joined to a product or variant by SKU.
    let orders: spo_ipc::SyncSummary =
        serde_json::from_slice(&run(&["orders", "sync", "--store", &connected.store.id, "--json"])).expect("json");
    assert!(orders.imported > 300 && orders.order_lines >= orders.imported, "{orders:?}");
    assert_eq!((orders.unmatched_lines, orders.skipped, orders.cancelled), (0, 0, false));
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
    assert!(text.contains("SAR") && text.contains("1–3 of 240 products"), "{text}");
    // Every product, page after page; and the next page from an offset.
    let all: spo_ipc::ProductPage =
        serde_json::from_slice(&run(&["products", "list", "--store", &connected.store.id, "--all", "--json"]))
            .expect("json");
    assert_eq!((all.items.len(), all.total), (240, 240));
    let text = String::from_utf8(run(&[
        "products",
        "list",
        "--store",
        &connected.store.id,
        "--limit",
        "100",
        "--offset",
        "200",
    ]))
    .expect("utf-8");
    assert!(text.contains("201–240 of 240 products"), "{text}");
    // A closed pipe ends the listing quietly.
    let mut child = Command::new(env!("CARGO_BIN_EXE_spo"))
        .args(["products", "list", "--store", &connected.store.id, "--all"])
        .env("SPO_DATA_DIR", dir.path().join("data"))
        .env("SPO_LOG_DIR", dir.path().join("logs"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    {
        use std::io::BufRead as _;
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut first).expect("a line");
    }
    let out = child.wait_with_output().expect("wait");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"), "{}", String::from_utf8_lossy(&out.stderr));
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
    // Its products are gone with it: listing them names the missing store and fails.
    let out = Command::new(env!("CARGO_BIN_EXE_spo"))
        .args(["products", "list", "--store", &connected.store.id])
        .env("SPO_DATA_DIR", dir.path().join("data"))
        .env("SPO_LOG_DIR", dir.path().join("logs"))
        .output()
        .expect("run spo");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no store with id"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
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

/// Custom Mode end to end: the real `spo` process listens on the loopback port, this test plays
/// the browser against the local Salla-compatible server. Runs in scripts/check.sh's keychain step.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a real OS keychain; run by scripts/check.sh inside dbus-run-session"]
async fn cli_connect_with_app_credentials_via_loopback() {
    use std::io::{BufRead, Write};

    let dir = tempfile::tempdir().expect("temp dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("addr").port();
    let mut cfg = spo_salla_sim::SimConfig::demo(75);
    cfg.redirect_uri = format!("http://127.0.0.1:{port}/callback");
    cfg.store_name = "متجر التاجر".into();
    let sim = spo_salla_sim::Sim::start(cfg).await.expect("sim");
    let c = sim.config();
    let mut child = Command::new(env!("CARGO_BIN_EXE_spo"))
        .args([
            "stores",
            "connect",
            "--client-id",
            &c.client_id,
            "--redirect-port",
            &port.to_string(),
            "--no-browser",
            "--json",
        ])
        .env("SPO_DATA_DIR", dir.path().join("data"))
        .env("SPO_LOG_DIR", dir.path().join("logs"))
        .env("SPO_SALLA_ACCOUNTS_URL", sim.accounts_url())
        .env("SPO_SALLA_API_URL", sim.api_url())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn spo");
    writeln!(child.stdin.take().expect("stdin"), "{}", c.client_secret).expect("secret to stdin");
    // Keep reading stderr for the whole run (closing the pipe early would break the child's
    // later writes); hand the sign-in URL over as soon as it appears.
    let stderr = child.stderr.take().expect("stderr");
    let (url_tx, url_rx) = std::sync::mpsc::channel::<String>();
    let stderr_reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.starts_with("http://") || line.starts_with("https://") {
                let _ = url_tx.send(line.clone());
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let url = tokio::task::spawn_blocking(move || url_rx.recv_timeout(std::time::Duration::from_secs(60)))
        .await
        .expect("join")
        .expect("the sign-in URL is printed");
    assert!(url.contains("code_challenge_method=S256") && url.contains("offline_access"), "{url}");
    // The "browser": follows Salla's redirect to the CLI's loopback listener.
    let mut last_error = String::new();
    let mut page = None;
    for _ in 0..100 {
        match reqwest::get(&url).await {
            Ok(resp) => {
                page = Some(resp);
                break;
            }
            Err(e) => {
                last_error = format!("{e:?}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
    let page = page.unwrap_or_else(|| panic!("the browser never reached the listener: {last_error}"));
    assert!(page.status().is_success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output()).await.expect("join").expect("wait");
    let stderr_text = stderr_reader.join().expect("stderr reader");
    assert!(out.status.success(), "spo failed: {stderr_text}");
    let connected: spo_ipc::ConnectedStore = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        (connected.store.name.as_str(), connected.store.is_demo, connected.imported),
        ("متجر التاجر", false, 75)
    );
    assert_eq!(sim.stats().code_exchanges, 1);
    // The secret went to the keychain, not to the data folder.
    for entry in std::fs::read_dir(dir.path().join("data")).expect("data") {
        let bytes = std::fs::read(entry.expect("entry").path()).expect("read");
        assert!(!String::from_utf8_lossy(&bytes).contains(&c.client_secret), "client secret leaked to disk");
    }
}

#[test]
fn connect_with_tokens_requires_an_access_token() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_spo"))
        .args(["stores", "connect", "--tokens", "--json"])
        .env("SPO_DATA_DIR", dir.path().join("data"))
        .env("SPO_LOG_DIR", dir.path().join("logs"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().expect("stdin").write_all(b"\n").expect("write");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid_input"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn competitors_probe_reads_one_page_with_its_evidence() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sim = spo_salla_sim::Sim::start(spo_salla_sim::SimConfig::demo(5)).await.expect("sim");
    let product = sim.config().products[1].clone();
    let url = sim.competitor_url("bayt", product.id);
    let host = url.trim_start_matches("http://").split('/').next().expect("host").to_owned();
    let d = dir.path().to_owned();
    let (u, h) = (url.clone(), host.clone());
    let out = tokio::task::spawn_blocking(move || {
        spo(&d, &["competitors", "probe", &u, "--sku", "ignored-when-one-offer", "--allow-host", &h, "--json"])
    })
    .await
    .expect("join");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: spo_ipc::ProbeResult = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!((r.status, r.method), (spo_ipc::PageStatus::Ok, Some(spo_ipc::PriceMethod::Microdata)));
    assert_eq!(r.amount_minor, Some(spo_salla_sim::competitor_price(&product, 0) * 103 / 100));
    assert!(r.evidence.as_deref().is_some_and(|e| e.contains("itemprop")));
    // Without --allow-host a loopback page is refused, and the exit code says so.
    let d = dir.path().to_owned();
    let out =
        tokio::task::spawn_blocking(move || spo(&d, &["competitors", "probe", &url, "--json"])).await.expect("join");
    assert_eq!(out.status.code(), Some(1));
    let r: spo_ipc::ProbeResult = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(r.status, spo_ipc::PageStatus::ForbiddenAddress);
}

/// Discovery from the command line: the Tavily key goes to the real keychain through standard
/// input, the search runs against the simulator's Tavily-compatible endpoint, a found page is
/// accepted and checked through the Settings allow-list. Runs in scripts/check.sh's keychain step.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a real OS keychain; run by scripts/check.sh inside dbus-run-session"]
async fn cli_competitor_discovery_with_real_keychain() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sim = spo_salla_sim::Sim::start(spo_salla_sim::SimConfig::demo(240)).await.expect("sim");
    let tavily = sim.tavily_url();
    let run = move |d: std::path::PathBuf, args: Vec<String>, stdin: Option<String>| {
        let tavily = tavily.clone();
        tokio::task::spawn_blocking(move || {
            use std::io::Write;
            let mut child = Command::new(env!("CARGO_BIN_EXE_spo"))
                .args(&args)
                .env("SPO_DATA_DIR", d.join("data"))
                .env("SPO_LOG_DIR", d.join("logs"))
                .env("SPO_TAVILY_URL", &tavily)
                .env("SPO_FETCH_MIN_INTERVAL_MS", "10")
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn spo");
            let mut input = child.stdin.take().expect("stdin");
            input.write_all(stdin.unwrap_or_default().as_bytes()).expect("write stdin");
            drop(input);
            let out = child.wait_with_output().expect("wait");
            assert!(out.status.success(), "spo {args:?}: {}", String::from_utf8_lossy(&out.stderr));
            out.stdout
        })
    };
    let d = dir.path().to_owned();
    let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let connected: spo_ipc::ConnectedStore = serde_json::from_slice(
        &run(d.clone(), args(&["stores", "connect", "--demo", "--json"]), None).await.expect("join"),
    )
    .expect("json");
    let store = connected.store.id;
    let product = sim.config().products[7].clone();
    let host = sim.accounts_url().trim_start_matches("http://").to_owned();

    let settings: spo_ipc::CompetitorSettings = serde_json::from_slice(
        &run(
            d.clone(),
            args(&["competitors", "settings", "--tavily-key-stdin", "--allow-host", &host, "--json"]),
            Some(format!("{}\n", spo_salla_sim::DEMO_TAVILY_KEY)),
        )
        .await
        .expect("join"),
    )
    .expect("json");
    assert!(settings.tavily_key_set);
    assert_eq!(settings.allowed_hosts, vec![host.clone()]);

    let report: spo_ipc::DiscoveryReport = serde_json::from_slice(
        &run(
            d.clone(),
            args(&["competitors", "discover", "--store", &store, "--product", &product.sku, "--json"]),
            None,
        )
        .await
        .expect("join"),
    )
    .expect("json");
    assert!(report.new_candidates >= 4, "{report:?}");
    let show = |d: std::path::PathBuf| {
        let a = args(&["competitors", "show", "--store", &store, "--product", &product.sku, "--json"]);
        let run = run.clone();
        async move {
            serde_json::from_slice::<spo_ipc::ProductCompetitors>(&run(d, a, None).await.expect("join")).expect("json")
        }
    };
    let page = show(d.clone()).await;
    assert_eq!(page.candidates[0].url, sim.competitor_url("souq", product.id));
    run(d.clone(), args(&["competitors", "accept", "--store", &store, &page.candidates[0].id]), None)
        .await
        .expect("join");
    let checked: Vec<spo_ipc::Listing> = serde_json::from_slice(
        &run(d.clone(), args(&["competitors", "check", "--store", &store, "--json"]), None).await.expect("join"),
    )
    .expect("json");
    assert_eq!(checked.len(), 1);
    assert_eq!(checked[0].last_status, Some(spo_ipc::PageStatus::Ok), "{:?}", checked[0].last_error);
    assert_eq!(checked[0].last_amount_minor, Some(spo_salla_sim::competitor_price(&product, 0)));
    let page = show(d.clone()).await;
    assert_eq!(page.listings[0].history.len(), 1);

    let cleared: spo_ipc::CompetitorSettings = serde_json::from_slice(
        &run(
            d.clone(),
            args(&["competitors", "settings", "--clear-tavily-key", "--clear-allowed-hosts", "--json"]),
            None,
        )
        .await
        .expect("join"),
    )
    .expect("json");
    assert!(!cleared.tavily_key_set && cleared.allowed_hosts.is_empty());
    // The key never reached the data folder or the logs.
    for folder in ["data", "logs"] {
        for entry in std::fs::read_dir(dir.path().join(folder)).expect("folder") {
            let bytes = std::fs::read(entry.expect("entry").path()).expect("read");
            assert!(
                !String::from_utf8_lossy(&bytes).contains(spo_salla_sim::DEMO_TAVILY_KEY),
                "key leaked into {folder}"
            );
        }
    }
}

/// The pricing loop from the command line against the demo store: a product rule, a run, the
/// approval, the apply, the kill switch. Runs in scripts/check.sh's keychain step.
#[test]
#[ignore = "needs a real OS keychain; run by scripts/check.sh inside dbus-run-session"]
fn cli_pricing_loop_with_real_keychain() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_spo"))
            .args(args)
            .env("SPO_DATA_DIR", dir.path().join("data"))
            .env("SPO_LOG_DIR", dir.path().join("logs"))
            .output()
            .expect("run spo");
        (out.status.code(), out.stdout, String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let ok = |args: &[&str]| {
        let (code, stdout, stderr) = run(args);
        assert_eq!(code, Some(0), "spo {args:?}: {stderr}");
        stdout
    };
    let connected: spo_ipc::ConnectedStore =
        serde_json::from_slice(&ok(&["stores", "connect", "--demo", "--json"])).expect("json");
    let store = connected.store.id;
    let sku = spo_salla_sim::demo_catalog(240)[5].sku.clone();
    let rule: spo_ipc::Rule = serde_json::from_slice(&ok(&[
        "rules",
        "set",
        "--store",
        &store,
        "--product",
        &sku,
        "--strategy",
        "target-margin",
        "--bps",
        "4000",
        "--min",
        "1.00",
        "--max",
        "99999.00",
        "--json",
    ]))
    .expect("json");
    assert!(rule.dry_run && rule.scope == spo_ipc::RuleScope::Product);
    // Missing parameters are refused with words.
    let (code, _, stderr) = run(&["rules", "set", "--store", &store, "--strategy", "beat-lowest"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--by-bps"), "{stderr}");

    let report: spo_ipc::RunReport =
        serde_json::from_slice(&ok(&["optimize", "--store", &store, "--json"])).expect("json");
    assert_eq!((report.proposed, report.applied), (1, 0), "{report:?}");
    let d = &report.decisions[0];
    assert_eq!(d.status, spo_ipc::DecisionStatus::Proposed);
    ok(&["decisions", "approve", "--store", &store, "--all-proposed"]);
    let applied: spo_ipc::ApplyReport =
        serde_json::from_slice(&ok(&["decisions", "apply", "--store", &store, "--json"])).expect("json");
    assert_eq!((applied.applied, applied.failed), (1, 0), "{applied:?}");
    let list: Vec<spo_ipc::Decision> =
        serde_json::from_slice(&ok(&["decisions", "list", "--store", &store, "--status", "applied", "--json"]))
            .expect("json");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].new_price_minor, d.new_price_minor);

    // The kill switch stops the next run from proposing anything.
    assert!(String::from_utf8_lossy(&ok(&["pricing", "kill-switch", "on"])).contains("ON"));
    let report: spo_ipc::RunReport =
        serde_json::from_slice(&ok(&["optimize", "--store", &store, "--dry-run", "--json"])).expect("json");
    assert_eq!(report.proposed, 0);
    assert!(report.unchanged.iter().any(|u| u.reason == "kill_switch"), "{:?}", report.unchanged);
    ok(&["pricing", "kill-switch", "off"]);

    // The run is listed with its agents' output, and rolls back as a whole.
    let runs: Vec<spo_ipc::RunSummary> =
        serde_json::from_slice(&ok(&["decisions", "runs", "--store", &store, "--json"])).expect("json");
    let run_id = report_run_id(&runs, d.run_id.as_deref());
    let steps: serde_json::Value =
        serde_json::from_str(&runs.iter().find(|r| r.id == run_id).expect("run").steps).expect("steps are JSON");
    assert_eq!(steps[0]["agent"], "market_analyst", "{steps}");
    // The demo store keeps the price the run wrote across `spo` processes (in the data folder), so
    // the rollback, a later process, finds it and puts the old price back.
    let back: spo_ipc::ApplyReport =
        serde_json::from_slice(&ok(&["decisions", "rollback", "--store", &store, "--run", &run_id, "--json"]))
            .expect("json");
    assert_eq!((back.applied, back.expired, back.failed), (1, 0, 0), "{back:?}");
    let list: Vec<spo_ipc::Decision> =
        serde_json::from_slice(&ok(&["decisions", "list", "--store", &store, "--status", "rolled_back", "--json"]))
            .expect("json");
    assert_eq!(list.len(), 1, "the applied decision is rolled back");
    let (code, _, stderr) = run(&["decisions", "rollback", "--store", &store, "--run", "no-such-run"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("no applied price"), "{stderr}");
}

/// The id of the run a decision came from, checked against the listed runs.
fn report_run_id(runs: &[spo_ipc::RunSummary], run_id: Option<&str>) -> String {
    let id = run_id.expect("a recorded run").to_owned();
    assert!(runs.iter().any(|r| r.id == id), "listed: {runs:?}");
    id
}

/// A data folder with a database holding a few rows and one checked backup; returns the backup.
fn folder_with_a_backup(dir: &std::path::Path) -> String {
    assert!(spo(dir, &["data", "retention", "--runs", "30", "--logs", "20"]).status.success());
    let out = spo(dir, &["data", "backup", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice::<spo_ipc::BackupReport>(&out.stdout).expect("json").file.path
}

#[test]
fn a_damaged_database_is_reported_by_doctor_and_replaced_by_restore_keeping_it_aside() {
    for damage in ["truncated", "overwritten"] {
        let dir = tempfile::tempdir().expect("temp dir");
        let backup = folder_with_a_backup(dir.path());
        let db = dir.path().join("data").join("spo.sqlite3");
        let mut bytes = std::fs::read(&db).expect("read");
        assert!(bytes.len() > 40_000, "{}", bytes.len());
        match damage {
            "truncated" => bytes.truncate(bytes.len() / 3),
            _ => bytes[16_384..16_384 + 8_192].fill(0x5a),
        }
        std::fs::write(&db, &bytes).expect("damage");
        let _ = std::fs::remove_file(dir.path().join("data").join("spo.sqlite3-wal"));

        let out = spo(dir.path(), &["doctor"]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{damage}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains("The database is damaged"), "{damage}: {stdout}");
        assert!(stdout.contains(&backup), "{damage}: the backups are listed: {stdout}");

        let out = spo(dir.path(), &["data", "restore", &backup]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{damage}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains("kept in"), "{damage}: {stdout}");
        // A file SQLite can no longer read is moved aside as it is; one it can still copy (the
        // damage in pages a copy does not need) is kept as a checked copy like any restore's.
        if stdout.contains(".damaged-") {
            let kept: Vec<_> = std::fs::read_dir(dir.path().join("data"))
                .expect("dir")
                .flatten()
                .filter(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.contains(".damaged-") && !name.ends_with("-wal") && !name.ends_with("-shm")
                })
                .collect();
            assert_eq!(kept.len(), 1, "{damage}: the damaged file is kept");
            assert_eq!(std::fs::read(kept[0].path()).expect("read"), bytes, "{damage}: kept as it was");
        } else {
            assert_eq!(damage, "overwritten", "a truncated file cannot be copied: {stdout}");
        }
        let out = spo(dir.path(), &["doctor", "--json"]);
        let report: spo_ipc::DoctorReport = serde_json::from_slice(&out.stdout).expect("a full report again");
        assert_eq!(report.database.integrity, "ok", "{damage}");
    }
}

#[test]
fn a_foreign_or_incomplete_backup_is_refused_and_the_database_kept() {
    let dir = tempfile::tempdir().expect("temp dir");
    let backup = folder_with_a_backup(dir.path());
    let foreign = dir.path().join("foreign.sqlite3");
    std::fs::copy(&backup, &foreign).expect("copy");
    let conn = std::process::Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('DROP TABLE notifications'); c.commit()",
            &foreign.display().to_string(),
        ])
        .status()
        .expect("python3");
    assert!(conn.success());
    let out = spo(dir.path(), &["data", "restore", &foreign.display().to_string()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("notifications"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = spo(dir.path(), &["doctor", "--json"]);
    let report: spo_ipc::DoctorReport = serde_json::from_slice(&out.stdout).expect("report");
    assert_eq!(report.database.integrity, "ok");
}
