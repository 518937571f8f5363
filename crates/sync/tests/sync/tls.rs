//! TLS off loopback, against a real PostgreSQL that speaks TLS on this machine's own network
//! address: a seat verifies the server's certificate and name (verify-full) and never talks in
//! plain text there.

use std::net::IpAddr;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use spo_sync::testkit::TlsCluster;
use spo_sync::{Error, Remote, SeatLogin};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// This machine's address on its network (not loopback).
fn this_machines_address() -> IpAddr {
    let routed = std::net::UdpSocket::bind("0.0.0.0:0")
        .and_then(|s| s.connect("192.0.2.1:9").map(|()| s))
        .and_then(|s| s.local_addr())
        .map(|a| a.ip())
        .ok()
        .filter(|ip| !ip.is_loopback() && !ip.is_unspecified());
    routed
        .or_else(|| {
            let out = std::process::Command::new("hostname").arg("-I").output().ok()?;
            String::from_utf8_lossy(&out.stdout)
                .split_whitespace()
                .filter_map(|w| w.parse::<IpAddr>().ok())
                .find(|ip| ip.is_ipv4() && !ip.is_loopback())
        })
        .expect("this machine has a network address besides loopback")
}

struct Ca {
    params: CertificateParams,
    key: KeyPair,
    pem: String,
}

fn ca(name: &str) -> Ca {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    let pem = params.self_signed(&key).expect("CA certificate").pem();
    Ca { params, key, pem }
}

/// A server certificate for `names` signed by `ca`, and its key (PEM).
fn server_cert(ca: &Ca, names: &[String]) -> (String, String) {
    let key = KeyPair::generate().expect("key");
    let params = CertificateParams::new(names.to_vec()).expect("params");
    let issuer = Issuer::from_params(&ca.params, &ca.key);
    (params.signed_by(&key, &issuer).expect("server certificate").pem(), key.serialize_pem())
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn off_loopback_a_seat_verifies_the_servers_certificate_and_name() {
    let ip = this_machines_address();
    let dir = tempfile::tempdir().expect("dir");
    let team_ca = ca("Team CA");
    let (cert, key) = server_cert(&team_ca, &[ip.to_string()]);
    let cluster = TlsCluster::start(
        &write(dir.path(), "server.crt", &cert),
        &write(dir.path(), "server.key", &key),
        &ip.to_string(),
    );
    let team = spo_sync::admin::create_team(&cluster.url, "TLS team", "Owner", None, None).await.expect("create team");
    let ca_file = write(dir.path(), "team-ca.pem", &team_ca.pem);
    let off = |ca_file: Option<std::path::PathBuf>| SeatLogin { host: ip.to_string(), ca_file, ..team.owner.clone() };

    // The team's CA: connected, and the session is encrypted.
    let remote = Remote::connect(&off(Some(ca_file.clone()))).await.expect("verify-full with the team's CA");
    let info = remote.server_info().await.expect("server info");
    assert!(info.tls.as_deref().is_some_and(|v| v.starts_with("TLS")), "{info:?}");
    remote.whoami().await.expect("the seat works over TLS");

    // Another CA, or none (public roots only): refused before any password is sent.
    let other = write(dir.path(), "other-ca.pem", &ca("Someone else").pem);
    for login in [off(Some(other)), off(None)] {
        let err = Remote::connect(&login).await.expect_err("an unknown CA is refused");
        assert!(matches!(&err, Error::Untrusted(_)), "{err:?}");
    }
    drop(cluster);

    // The right CA but a certificate for another name: verify-full checks the name too.
    let (cert, key) = server_cert(&team_ca, &["db.other-team.example".to_string()]);
    let cluster =
        TlsCluster::start(&write(dir.path(), "b.crt", &cert), &write(dir.path(), "b.key", &key), &ip.to_string());
    let team = spo_sync::admin::create_team(&cluster.url, "TLS team", "Owner", None, None).await.expect("create team");
    let login = SeatLogin { host: ip.to_string(), ca_file: Some(ca_file), ..team.owner.clone() };
    let err = Remote::connect(&login).await.expect_err("a certificate for another name is refused");
    assert!(matches!(&err, Error::Untrusted(_)), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn off_loopback_a_server_without_tls_gets_no_login() {
    // A server that answers the TLS request with "no": the seat must stop there.
    let ip = this_machines_address();
    let listener = tokio::net::TcpListener::bind((ip, 0)).await.expect("listen");
    let port = listener.local_addr().expect("addr").port();
    let server = tokio::spawn(async move {
        let (mut conn, _) = listener.accept().await.expect("accept");
        let mut request = [0u8; 8];
        conn.read_exact(&mut request).await.expect("SSLRequest");
        conn.write_all(b"N").await.expect("answer");
        let mut rest = Vec::new();
        let _ = tokio::time::timeout(std::time::Duration::from_secs(3), conn.read_to_end(&mut rest)).await;
        (request, rest)
    });
    let login = SeatLogin {
        host: ip.to_string(),
        port,
        database: "team".into(),
        role: "spo_s_test".into(),
        password: "a-secret-that-must-not-travel".into(),
        ca_file: None,
    };
    let err = Remote::connect(&login).await.expect_err("plain text is refused");
    assert!(matches!(err, Error::Untrusted(_)), "{err:?}");
    let (request, rest) = server.await.expect("server");
    assert_eq!(request, [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f], "the first thing sent is the TLS request");
    assert!(rest.is_empty(), "nothing followed the refusal (no startup message, no password): {rest:?}");
}
