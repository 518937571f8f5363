//! Test support (feature `testkit`): a real PostgreSQL for the tests: `SPO_TEST_PG_URL` (a superuser URL of a throwaway cluster, as
//! `.ci/run` starts with scripts/pg-test.sh), or else a private cluster this test process starts
//! and a watchdog stops when the process ends. Every test gets its own database.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use crate::{admin, Remote, SeatLogin};
use spo_domain::sync::SeatRole;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The watchdog that stops a cluster this process started (kept, not waited for: it outlives us).
static WATCHDOG: OnceLock<std::sync::Mutex<std::process::Child>> = OnceLock::new();

/// The superuser URL of the test cluster (database `postgres`).
pub fn cluster_url() -> String {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("SPO_TEST_PG_URL") {
            return url;
        }
        let out = Command::new("bash")
            .arg(repo_root().join("scripts/pg-test.sh"))
            .arg("start")
            .output()
            .expect("run scripts/pg-test.sh");
        assert!(out.status.success(), "could not start PostgreSQL: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let value = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("export {name}='")).map(|v| v.trim_end_matches('\'').to_string()))
                .unwrap_or_else(|| panic!("pg-test.sh printed no {name}: {text}"))
        };
        let (dir, url) = (value("SPO_TEST_PG_DIR"), value("SPO_TEST_PG_URL"));
        // Stop the cluster when this process ends, however it ends.
        let script = repo_root().join("scripts/pg-test.sh");
        let watchdog = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "while kill -0 {pid} 2>/dev/null; do sleep 1; done; bash '{}' stop '{dir}'",
                script.display(),
                pid = std::process::id()
            ))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start the cluster watchdog");
        WATCHDOG.get_or_init(|| std::sync::Mutex::new(watchdog));
        url
    })
    .clone()
}

/// A throwaway cluster of its own that also speaks TLS with `cert` and `key` (PEM files) and
/// listens on `listen` too, where it takes TLS logins only; stopped when dropped.
#[derive(Debug)]
pub struct TlsCluster {
    /// The superuser URL (loopback, database `postgres`).
    pub url: String,
    /// The cluster's port (also on `listen`).
    pub port: u16,
    dir: String,
}

impl TlsCluster {
    /// Starts it (scripts/pg-test.sh with SPO_PG_TLS_CERT, SPO_PG_TLS_KEY and SPO_PG_LISTEN).
    pub fn start(cert: &std::path::Path, key: &std::path::Path, listen: &str) -> TlsCluster {
        let out = Command::new("bash")
            .arg(repo_root().join("scripts/pg-test.sh"))
            .arg("start")
            .env("SPO_PG_TLS_CERT", cert)
            .env("SPO_PG_TLS_KEY", key)
            .env("SPO_PG_LISTEN", listen)
            .output()
            .expect("run scripts/pg-test.sh");
        assert!(out.status.success(), "could not start PostgreSQL with TLS: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let value = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("export {name}='")).map(|v| v.trim_end_matches('\'').to_string()))
                .unwrap_or_else(|| panic!("pg-test.sh printed no {name}: {text}"))
        };
        let url = value("SPO_TEST_PG_URL");
        let port = url.rsplit_once(':').and_then(|(_, p)| p.split('/').next()?.parse().ok()).expect("port in URL");
        TlsCluster { url, port, dir: value("SPO_TEST_PG_DIR") }
    }
}

impl Drop for TlsCluster {
    fn drop(&mut self) {
        let _ = Command::new("bash").arg(repo_root().join("scripts/pg-test.sh")).arg("stop").arg(&self.dir).status();
    }
}

fn with_database(url: &str, db: &str) -> String {
    let (base, _) = url.rsplit_once('/').expect("URL with a database");
    format!("{base}/{db}")
}

/// Runs `f` while holding a lock shared by every test process: the team schema creates
/// cluster-wide roles, which two databases migrating at once would race on.
pub fn with_cluster_lock<T>(f: impl FnOnce() -> T) -> T {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(std::env::temp_dir().join("spo-pg-roles.lock"))
        .expect("lock file");
    file.lock().expect("lock");
    let out = f();
    drop(file);
    out
}

/// A new empty database with the team schema; returns its admin (superuser) URL.
pub async fn fresh_database() -> String {
    let url = cluster_url();
    let name = format!("t_{}", uuid::Uuid::now_v7().simple());
    let admin = sqlx::PgPool::connect(&url).await.expect("connect to the test cluster");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.expect("create database");
    admin.close().await;
    let db_url = with_database(&url, &name);
    let migrate_url = db_url.clone();
    let out = tokio::task::spawn_blocking(move || {
        with_cluster_lock(|| {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(admin::migrate(&migrate_url, None))
        })
    })
    .await
    .expect("migration task");
    out.expect("team schema migrations");
    db_url
}

/// The admin (superuser) pool of a test database.
pub async fn admin_pool(db_url: &str) -> sqlx::PgPool {
    sqlx::PgPool::connect(db_url).await.expect("admin connection")
}

/// One seat: its login and connection.
#[derive(Debug)]
pub struct Seat {
    /// Login.
    pub login: SeatLogin,
    /// Connection.
    pub remote: Remote,
    /// Role.
    pub role: SeatRole,
    /// Team id.
    pub team: String,
}

/// Makes a team with an owner seat.
pub async fn new_team(db_url: &str, name: &str) -> Seat {
    let url = db_url.to_string();
    let n = name.to_string();
    let team = tokio::task::spawn_blocking(move || {
        with_cluster_lock(|| {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(admin::create_team(&url, &n, "Owner", None, None))
        })
    })
    .await
    .expect("create-team task")
    .expect("create team");
    let remote = Remote::connect(&team.owner).await.expect("owner connects");
    Seat { login: team.owner, remote, role: SeatRole::Owner, team: team.team_id }
}

/// Invites and joins a seat of `owner`'s team with `role`.
pub async fn join(owner: &Seat, role: SeatRole, name: &str) -> Seat {
    let invite = owner.remote.invite(role, name).await.expect("invite");
    let mut login =
        SeatLogin { role: invite.db_role.clone(), password: invite.temporary_password.clone(), ..owner.login.clone() };
    let first = Remote::connect(&login).await.expect("log in with the invite");
    let new_password = crate::new_password();
    first.complete_join(&new_password).await.expect("complete join");
    first.close().await;
    login.password = new_password;
    let remote = Remote::connect(&login).await.expect("log in with the seat's own password");
    Seat { login, remote, role, team: owner.team.clone() }
}

/// A TCP forwarder in front of the test cluster, to take one seat offline and back.
#[derive(Debug)]
pub struct Proxy {
    /// Port seats connect to.
    pub port: u16,
    /// (online, cut count): every forwarding task watches it and drops its connection at a cut.
    state: tokio::sync::watch::Sender<(bool, u64)>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Forwards 127.0.0.1:port to the test cluster.
    pub async fn start() -> Proxy {
        let target = {
            let url = cluster_url();
            let after_at = url.rsplit_once('@').map(|(_, h)| h.to_string()).unwrap_or_default();
            let host_port = after_at.split('/').next().unwrap_or_default().to_string();
            host_port
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let state = tokio::sync::watch::Sender::new((true, 0u64));
        let watch = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else { return };
                let (online, started) = *watch.borrow();
                if !online {
                    drop(client);
                    continue;
                }
                let (target, mut rx) = (target.clone(), watch.subscribe());
                tokio::spawn(async move {
                    let Ok(mut server) = tokio::net::TcpStream::connect(&target).await else { return };
                    let copy = tokio::io::copy_bidirectional(&mut client, &mut server);
                    // Woken by the cut itself (no polling): the connection goes at once.
                    let cut = async {
                        while matches!(*rx.borrow_and_update(), (true, n) if n == started) {
                            if rx.changed().await.is_err() {
                                return;
                            }
                        }
                    };
                    tokio::select! { _ = copy => {}, () = cut => {} }
                });
            }
        });
        Proxy { port, state, task }
    }

    /// Drops every connection and refuses new ones.
    pub fn cut(&self) {
        self.state.send_modify(|(online, cuts)| {
            *online = false;
            *cuts += 1;
        });
    }

    /// Lets connections through again.
    pub fn restore(&self) {
        self.state.send_modify(|(online, _)| *online = true);
    }

    /// The admin URL of `db_url`'s database through this proxy.
    pub fn url_of(&self, db_url: &str) -> String {
        let (before, after) = db_url.rsplit_once('@').expect("URL with a host");
        let db = after.split_once('/').map(|(_, d)| d).unwrap_or("postgres");
        format!("{before}@127.0.0.1:{}/{db}", self.port)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}
