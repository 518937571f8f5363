//! The `spo-salla-sim` binary starts, announces its URL and serves the contract.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

#[test]
fn the_binary_serves_on_loopback_and_announces_its_url() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_spo-salla-sim"))
        .args(["--products", "5", "--days", "3", "--client-id", "e2e", "--client-secret", "s3cret"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("ready line");
    let url = line.trim().strip_prefix("ready http://").expect("ready <url>").to_owned();
    assert!(url.starts_with("127.0.0.1:"), "loopback only: {url}");
    let mut stream = std::net::TcpStream::connect(&url).expect("connect");
    write!(stream, "GET /admin/v2/products HTTP/1.1\r\nHost: {url}\r\nConnection: close\r\n\r\n").expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    assert!(answer.starts_with("HTTP/1.1 401"), "no token, no products: {answer}");
    assert!(answer.contains(r#""success":false"#));
    child.kill().expect("stop");
    child.wait().expect("reap");
}
