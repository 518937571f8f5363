//! The loopback redirect listener of the authorization-code flow (RFC 8252 §7.3, §8.3).
//!
//! Binds `127.0.0.1` only, on the port registered with the Salla app (Salla matches the redirect
//! URI exactly), for one flow at most: it closes after the first valid callback, on timeout and on
//! cancellation. Callbacks that are forged, replayed or for another path get an error page and the
//! wait goes on, so a stray request cannot abort a merchant's sign-in (reliability.md R2, R3).

use std::future::Future;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::auth::{AuthorizeRequest, CallbackError};

/// The callback path on the loopback host.
pub const CALLBACK_PATH: &str = "/callback";
/// Longest request head read from a callback connection.
const MAX_HEAD: usize = 8 * 1024;
/// How long one connection may take to send its request line.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// Why no code was obtained.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoopbackError {
    /// Nobody completed the sign-in in time.
    #[error("the sign-in was not completed within {} minutes", .0.as_secs() / 60)]
    Timeout(Duration),
    /// The user cancelled.
    #[error("the sign-in was cancelled")]
    Cancelled,
    /// Salla reported an error for this sign-in (e.g. the merchant refused).
    #[error(transparent)]
    Refused(CallbackError),
    /// The port could not be opened or the socket failed.
    #[error("cannot listen for the Salla redirect on 127.0.0.1:{port}: {reason}")]
    Io {
        /// The port.
        port: u16,
        /// The OS error.
        reason: String,
    },
}

/// A listener waiting for one authorization callback.
#[derive(Debug)]
pub struct LoopbackListener {
    listener: TcpListener,
    port: u16,
}

impl LoopbackListener {
    /// Listens on `127.0.0.1:port` (port 0: any free port, for tests).
    pub async fn bind(port: u16) -> Result<Self, LoopbackError> {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|e| LoopbackError::Io { port, reason: e.to_string() })?;
        let port = listener.local_addr().map_err(|e| LoopbackError::Io { port, reason: e.to_string() })?.port();
        Ok(Self { listener, port })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The redirect URI to register with the Salla app and send in the authorize request: the IP
    /// literal, never `localhost`.
    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}{CALLBACK_PATH}", self.port)
    }

    /// Serves callbacks until `request` accepts one (returns its code), the timeout passes, or
    /// `cancel` completes. The listener is closed when this returns.
    pub async fn wait_for_code(
        self,
        request: &mut AuthorizeRequest,
        timeout: Duration,
        cancel: impl Future<Output = ()>,
    ) -> Result<String, LoopbackError> {
        let port = self.port;
        let serve = async {
            loop {
                let (stream, _) =
                    self.listener.accept().await.map_err(|e| LoopbackError::Io { port, reason: e.to_string() })?;
                match handle(stream, request).await {
                    Some(Ok(code)) => return Ok(code),
                    Some(Err(refused)) => return Err(LoopbackError::Refused(refused)),
                    None => {}
                }
            }
        };
        tokio::select! {
            result = serve => result,
            () = tokio::time::sleep(timeout) => Err(LoopbackError::Timeout(timeout)),
            () = cancel => Err(LoopbackError::Cancelled),
        }
    }
}

/// Handles one connection: `Some(Ok(code))` for the valid callback, `Some(Err)` when Salla refused
/// this sign-in, `None` for anything to ignore (after answering it).
async fn handle(mut stream: TcpStream, request: &mut AuthorizeRequest) -> Option<Result<String, CallbackError>> {
    let target = match tokio::time::timeout(READ_TIMEOUT, read_target(&mut stream)).await {
        Ok(Some(t)) => t,
        _ => {
            respond(&mut stream, 400, "Bad request.").await;
            return None;
        }
    };
    let (path, query) = target.split_once('?').unwrap_or((target.as_str(), ""));
    if path != CALLBACK_PATH {
        respond(&mut stream, 404, "Not found.").await;
        return None;
    }
    match request.accept_callback(query) {
        Ok(code) => {
            respond(&mut stream, 200, "Your Salla store is connected. You can close this tab and return to Salla Price Optimizer. — تم ربط متجرك. يمكنك إغلاق هذه الصفحة والعودة إلى التطبيق.").await;
            Some(Ok(code))
        }
        Err(e @ CallbackError::Denied(_)) => {
            respond(&mut stream, 400, "Salla did not authorize the connection. You can close this tab.").await;
            Some(Err(e))
        }
        Err(e) => {
            tracing::warn!(reason = %e, "ignored an invalid authorization callback");
            respond(&mut stream, 400, "This link is not valid for the sign-in in progress.").await;
            None
        }
    }
}

/// Reads the request head and returns the request target of a GET.
async fn read_target(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&buf) {
            Ok(httparse::Status::Complete(_)) => {
                return (req.method == Some("GET")).then(|| req.path.map(str::to_owned)).flatten();
            }
            Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD => {}
            _ => return None,
        }
    }
}

async fn respond(stream: &mut TcpStream, status: u16, message: &str) {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Bad Request",
    };
    let body = format!(
        "<!doctype html><meta charset=\"utf-8\"><title>Salla Price Optimizer</title>\
         <body style=\"font-family:system-ui;margin:3em\"><p>{}</p></body>",
        message.replace('<', "&lt;")
    );
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    // The browser may already have gone; nothing to do about a failed write.
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body.as_bytes()).await;
    let _ = stream.shutdown().await;
}
