//! Helpers of the crash-safety harnesses: a data folder the `spo` binary runs against, pointed at
//! a local Salla-compatible server, and a store connected by pasted tokens.
#![allow(dead_code)]

use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::process::{Command, Stdio};

use spo_salla_sim::Sim;

pub struct Ctx {
    pub dir: tempfile::TempDir,
    pub api: String,
    pub accounts: String,
}

impl Ctx {
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_spo"));
        c.args(args)
            .env("SPO_DATA_DIR", self.dir.path().join("data"))
            .env("SPO_LOG_DIR", self.dir.path().join("logs"))
            .env("SPO_SALLA_ACCOUNTS_URL", &self.accounts)
            .env("SPO_SALLA_API_URL", &self.api)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    /// Runs `spo` to completion and returns its standard output; fails the test otherwise.
    pub fn ok(&self, args: &[&str]) -> Vec<u8> {
        let out = self.command(args).output().expect("run spo");
        assert!(out.status.success(), "spo {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    }
}

pub fn random_below(n: u64) -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0);
    h.finish() % n.max(1)
}

/// Fresh tokens by the real authorization-code flow.
pub async fn tokens(sim: &Sim) -> (String, String) {
    let client = spo_salla::SallaClient::new(spo_salla::SallaUrls { accounts: sim.accounts_url(), api: sim.api_url() })
        .expect("client");
    let c = sim.config();
    let creds = spo_salla::ClientCredentials { client_id: c.client_id, client_secret: c.client_secret };
    let mut req = client.authorize(&creds.client_id, &c.redirect_uri).expect("url");
    let code = req.accept_callback(&client.authorize_without_browser(&req).await.expect("redirect")).expect("code");
    let t = client.exchange_code(&creds, &req, &code, 0).await.expect("exchange");
    (t.access_token, t.refresh_token.expect("refresh token"))
}

/// `spo stores connect --tokens` (a reconnect replaces the stored grant); returns the store id.
pub async fn connect(ctx: &Ctx, sim: &Sim) -> String {
    let (access, refresh) = tokens(sim).await;
    let c = sim.config();
    let mut child =
        ctx.command(&["stores", "connect", "--tokens", "--client-id", &c.client_id, "--json"]).spawn().expect("spawn");
    writeln!(child.stdin.take().expect("stdin"), "{access}\n{refresh}\n{}", c.client_secret).expect("stdin");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "connect failed: {}", String::from_utf8_lossy(&out.stderr));
    let connected: spo_ipc::ConnectedStore = serde_json::from_slice(&out.stdout).expect("json");
    connected.store.id
}

impl Ctx {
    /// Runs `spo` with `input` on standard input; returns standard output (fails the test
    /// otherwise).
    pub fn ok_with_input(&self, args: &[&str], input: &str) -> Vec<u8> {
        let mut child = self.command(args).spawn().expect("spawn spo");
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("stdin");
        let out = child.wait_with_output().expect("wait");
        assert!(out.status.success(), "spo {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    }
}
