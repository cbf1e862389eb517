//! A TCP proxy that reads what passes: it counts HTTP requests (per
//! request line, keep-alive included) and WebSocket frames (after the
//! upgrade, both ways), so a test can say "this device sent no HTTP
//! request for an hour" at the server's side of the wire, and keeps each
//! request's head (so a test can read the headers a request carried). It
//! can also fail the Pusher HTTP API (`POST /apps/…`, the server's
//! broadcasts) while WebSockets keep flowing, and disrupt the next few
//! requests that start with a given request line ([`Disruption`]).
//!
//! Disruptions assume the client does not pipeline (reqwest does not): a
//! request is only sent once the previous response on its connection is
//! complete, so the next response on a connection answers the request
//! just forwarded.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// What went through.
#[derive(Debug, Default)]
pub struct ProxyStats {
    pub http_requests: AtomicU64,
    pub websockets: AtomicU64,
    pub ws_frames_to_server: AtomicU64,
    pub ws_frames_to_client: AtomicU64,
    /// Relay HTTP API requests refused while failing.
    pub failed_api_requests: AtomicU64,
    /// Requests a [`Disruption`] was applied to.
    pub disrupted_requests: AtomicU64,
    /// Every request line seen, for messages.
    pub request_lines: Mutex<Vec<String>>,
    /// Every request head seen (request line and headers), in order.
    pub request_heads: Mutex<Vec<String>>,
}

impl ProxyStats {
    pub fn http_requests(&self) -> u64 {
        self.http_requests.load(Ordering::Relaxed)
    }

    pub fn ws_frames(&self) -> (u64, u64) {
        (
            self.ws_frames_to_server.load(Ordering::Relaxed),
            self.ws_frames_to_client.load(Ordering::Relaxed),
        )
    }

    pub fn disrupted_requests(&self) -> u64 {
        self.disrupted_requests.load(Ordering::Relaxed)
    }

    /// How many requests began with `line_prefix` (e.g. `GET /api/me `).
    pub fn requests_to(&self, line_prefix: &str) -> usize {
        self.request_lines
            .lock()
            .expect("lines")
            .iter()
            .filter(|l| l.starts_with(line_prefix))
            .count()
    }

    /// The values of header `name` on the requests that began with
    /// `line_prefix`, in order (requests without it are skipped).
    pub fn header_values(&self, line_prefix: &str, name: &str) -> Vec<String> {
        self.request_heads
            .lock()
            .expect("heads")
            .iter()
            .filter(|head| head.starts_with(line_prefix))
            .filter_map(|head| {
                head.lines()
                    .skip(1)
                    .filter_map(|l| l.split_once(':'))
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.trim().to_owned())
            })
            .collect()
    }
}

/// What the proxy does to a request chosen by [`HttpProxy::disrupt`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disruption {
    /// Answer with this status and an API error body without passing the
    /// request on, then close the connection: e.g. a 500 from a server
    /// briefly unable to answer, or a 403.
    Answer(u16),
    /// Pass the request on, then close the connection when the response
    /// begins, so none of it reaches the client: the server acted, and the
    /// client cannot know.
    LoseResponse,
}

/// The reply of [`Disruption::Answer`], in the server's error format.
fn answer(status: u16) -> Vec<u8> {
    let body = format!(
        r#"{{"error":{{"code":"disrupted","message":"the test proxy answered {status}"}}}}"#
    );
    format!(
        "HTTP/1.1 {status} Disrupted\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

struct Rule {
    line_prefix: String,
    disruption: Disruption,
    remaining: u32,
}

/// What the connections share with the handle.
#[derive(Default)]
struct Shared {
    stats: Arc<ProxyStats>,
    fail_api: AtomicBool,
    rules: Mutex<Vec<Rule>>,
}

impl Shared {
    /// The disruption for a request with this request line, if one is due
    /// (each applied counts against its rule).
    fn disruption_for(&self, line: &str) -> Option<Disruption> {
        let mut rules = self.rules.lock().expect("rules");
        let rule = rules
            .iter_mut()
            .find(|r| r.remaining > 0 && line.starts_with(&r.line_prefix))?;
        rule.remaining -= 1;
        self.stats
            .disrupted_requests
            .fetch_add(1, Ordering::Relaxed);
        Some(rule.disruption)
    }
}

pub struct HttpProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    upstream: Arc<Mutex<SocketAddr>>,
    task: JoinHandle<()>,
}

impl Drop for HttpProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl HttpProxy {
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let shared = Arc::new(Shared::default());
        let upstream = Arc::new(Mutex::new(upstream));
        let task = tokio::spawn(accept(listener, shared.clone(), upstream.clone()));
        Self {
            addr,
            shared,
            upstream,
            task,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn stats(&self) -> &Arc<ProxyStats> {
        &self.shared.stats
    }

    /// While set, every `POST /apps/…` (the relay's HTTP API) is answered
    /// by a reset connection.
    pub fn fail_relay_api(&self, fail: bool) {
        self.shared.fail_api.store(fail, Ordering::Relaxed);
    }

    /// Applies `disruption` to the next `times` requests whose request
    /// line starts with `line_prefix` (e.g. `POST /api/pusher/auth `).
    pub fn disrupt(&self, line_prefix: &str, disruption: Disruption, times: u32) {
        self.shared.rules.lock().expect("rules").push(Rule {
            line_prefix: line_prefix.to_owned(),
            disruption,
            remaining: times,
        });
    }

    pub fn set_upstream(&self, upstream: SocketAddr) {
        *self.upstream.lock().expect("upstream") = upstream;
    }
}

async fn accept(listener: TcpListener, shared: Arc<Shared>, upstream: Arc<Mutex<SocketAddr>>) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            continue;
        };
        let target = *upstream.lock().expect("upstream");
        let shared = shared.clone();
        tokio::spawn(async move {
            let Ok(server) = TcpStream::connect(target).await else {
                let _ = client.set_zero_linger();
                return;
            };
            let _ = client.set_nodelay(true);
            let _ = server.set_nodelay(true);
            pump(client, server, &shared).await;
        });
    }
}

async fn pump(client: TcpStream, server: TcpStream, shared: &Shared) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let upgraded = AtomicBool::new(false);
    // The response now coming is to be lost.
    let lose_response = AtomicBool::new(false);
    // Ends with the answer the proxy gives instead of the server, if any.
    let up = async {
        let mut requests = Requests::default();
        let mut buf = [0u8; 16 * 1024];
        loop {
            let n = match client_read.read(&mut buf).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => n,
            };
            match requests.feed(&buf[..n], shared, &upgraded) {
                Verdict::Forward => {}
                Verdict::ForwardLosingResponse => lose_response.store(true, Ordering::Relaxed),
                Verdict::Reset => return None,
                Verdict::Answer(answer) => return Some(answer),
            }
            if server_write.write_all(&buf[..n]).await.is_err() {
                return None;
            }
        }
    };
    let down = async {
        let mut reply = Replies::default();
        let mut buf = [0u8; 16 * 1024];
        loop {
            let n = match server_read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if lose_response.load(Ordering::Relaxed) {
                // The server has answered, so it has acted: cut here.
                break;
            }
            if upgraded.load(Ordering::Relaxed) {
                reply.feed(&buf[..n], &shared.stats);
            }
            if client_write.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
    };
    // Either direction ending ends the pair (both halves drop).
    let instead = tokio::select! {
        instead = up => instead,
        () = down => None,
    };
    if let Some(reply) = instead {
        let _ = client_write.write_all(&reply).await;
        let _ = client_write.shutdown().await;
    }
}

/// What becomes of what the client just sent.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Forward,
    /// Forward it, and lose the response that follows.
    ForwardLosingResponse,
    /// Drop the connection without forwarding it.
    Reset,
    /// Do not forward it: give the client this, then close.
    Answer(Vec<u8>),
}

/// Client → server: request lines, headers, bodies; frames after an upgrade.
#[derive(Default)]
struct Requests {
    head: Vec<u8>,
    body_left: usize,
    frames: Option<Frames>,
}

impl Requests {
    /// Counts what `data` completes and decides what becomes of it.
    fn feed(&mut self, mut data: &[u8], shared: &Shared, upgraded: &AtomicBool) -> Verdict {
        let stats = &shared.stats;
        let mut verdict = Verdict::Forward;
        while !data.is_empty() {
            if let Some(frames) = &mut self.frames {
                let n = frames.feed(data);
                stats.ws_frames_to_server.fetch_add(n, Ordering::Relaxed);
                return verdict;
            }
            if self.body_left > 0 {
                let n = self.body_left.min(data.len());
                self.body_left -= n;
                data = &data[n..];
                continue;
            }
            // Collecting a request head until the blank line.
            let split = data.len().min(64 * 1024);
            self.head.extend_from_slice(&data[..split]);
            data = &data[split..];
            let Some(end) = find(&self.head, b"\r\n\r\n") else {
                continue;
            };
            let rest = self.head.split_off(end + 4);
            let head = String::from_utf8_lossy(&self.head).into_owned();
            self.head.clear();
            let line = head.lines().next().unwrap_or_default().to_owned();
            if line.starts_with("GET /app/") {
                stats.websockets.fetch_add(1, Ordering::Relaxed);
                upgraded.store(true, Ordering::Relaxed);
                self.frames = Some(Frames::default());
            } else {
                stats.http_requests.fetch_add(1, Ordering::Relaxed);
                stats
                    .request_heads
                    .lock()
                    .expect("heads")
                    .push(head.trim_end().to_owned());
                if line.starts_with("POST /apps/") && shared.fail_api.load(Ordering::Relaxed) {
                    stats.failed_api_requests.fetch_add(1, Ordering::Relaxed);
                    return Verdict::Reset;
                }
                match shared.disruption_for(&line) {
                    Some(Disruption::Answer(status)) => {
                        stats.request_lines.lock().expect("lines").push(line);
                        return Verdict::Answer(answer(status));
                    }
                    Some(Disruption::LoseResponse) => verdict = Verdict::ForwardLosingResponse,
                    None => {}
                }
                self.body_left = head
                    .lines()
                    .filter_map(|l| l.split_once(':'))
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, v)| v.trim().parse().ok())
                    .unwrap_or(0);
            }
            stats.request_lines.lock().expect("lines").push(line);
            // What followed the head in this read: body or frames.
            if !rest.is_empty() {
                match self.feed(&rest, shared, upgraded) {
                    Verdict::Forward => {}
                    Verdict::ForwardLosingResponse => verdict = Verdict::ForwardLosingResponse,
                    stop => return stop,
                }
            }
        }
        verdict
    }
}

/// Server → client on an upgraded connection: the 101 head, then frames.
#[derive(Default)]
struct Replies {
    head: Vec<u8>,
    frames: Option<Frames>,
}

impl Replies {
    fn feed(&mut self, data: &[u8], stats: &ProxyStats) {
        if let Some(frames) = &mut self.frames {
            stats
                .ws_frames_to_client
                .fetch_add(frames.feed(data), Ordering::Relaxed);
            return;
        }
        self.head.extend_from_slice(data);
        if let Some(end) = find(&self.head, b"\r\n\r\n") {
            let rest = self.head.split_off(end + 4);
            let mut frames = Frames::default();
            stats
                .ws_frames_to_client
                .fetch_add(frames.feed(&rest), Ordering::Relaxed);
            self.frames = Some(frames);
        }
    }
}

/// Counts WebSocket frames in a byte stream (RFC 6455 §5.2 framing).
#[derive(Default)]
struct Frames {
    header: Vec<u8>,
    payload_left: u64,
}

impl Frames {
    /// Returns how many frames began in `data`.
    fn feed(&mut self, mut data: &[u8]) -> u64 {
        let mut count = 0;
        while !data.is_empty() {
            if self.payload_left > 0 {
                let n = usize::try_from(self.payload_left)
                    .unwrap_or(usize::MAX)
                    .min(data.len());
                self.payload_left -= n as u64;
                data = &data[n..];
                continue;
            }
            self.header.push(data[0]);
            data = &data[1..];
            if self.header.len() < 2 {
                continue;
            }
            let masked = self.header[1] & 0x80 != 0;
            let len7 = self.header[1] & 0x7f;
            let ext = match len7 {
                126 => 2,
                127 => 8,
                _ => 0,
            };
            let need = 2 + ext + if masked { 4 } else { 0 };
            if self.header.len() < need {
                continue;
            }
            let len = match len7 {
                126 => u64::from(u16::from_be_bytes([self.header[2], self.header[3]])),
                127 => u64::from_be_bytes(self.header[2..10].try_into().expect("8 bytes")),
                n => u64::from(n),
            };
            count += 1;
            self.payload_left = len;
            self.header.clear();
        }
        count
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_counted_across_reads() {
        // A masked 5-byte text frame, an unmasked 200-byte one, a ping.
        let mut bytes = vec![0x81, 0x85, 1, 2, 3, 4, b'h', b'e', b'l', b'l', b'o'];
        bytes.extend([0x81, 126, 0, 200]);
        bytes.extend(std::iter::repeat_n(b'x', 200));
        bytes.extend([0x89, 0x00]);
        let mut frames = Frames::default();
        let total: u64 = bytes.chunks(3).map(|c| frames.feed(c)).sum();
        assert_eq!(total, 3);
    }

    #[test]
    fn keep_alive_requests_are_counted_one_by_one() {
        let shared = Shared::default();
        let up = AtomicBool::new(false);
        let mut r = Requests::default();
        let two = b"POST /api/x HTTP/1.1\r\ncontent-length: 4\r\n\r\nabcdGET /api/me HTTP/1.1\r\nhost: h\r\n\r\n";
        for chunk in two.chunks(7) {
            assert_eq!(r.feed(chunk, &shared, &up), Verdict::Forward);
        }
        assert_eq!(shared.stats.http_requests(), 2);
        assert_eq!(shared.stats.header_values("GET /api/me ", "Host"), ["h"]);
        shared.fail_api.store(true, Ordering::Relaxed);
        assert_eq!(
            r.feed(b"POST /apps/1/batch_events HTTP/1.1\r\n\r\n", &shared, &up),
            Verdict::Reset
        );
    }

    #[test]
    fn disruptions_apply_to_the_next_matching_requests_only() {
        let shared = Shared::default();
        shared.rules.lock().unwrap().push(Rule {
            line_prefix: "POST /api/pusher/auth ".into(),
            disruption: Disruption::Answer(500),
            remaining: 1,
        });
        shared.rules.lock().unwrap().push(Rule {
            line_prefix: "POST /api/families/".into(),
            disruption: Disruption::LoseResponse,
            remaining: 1,
        });
        let up = AtomicBool::new(false);
        let auth = b"POST /api/pusher/auth HTTP/1.1\r\ncontent-length: 2\r\n\r\nab";
        assert_eq!(
            Requests::default().feed(auth, &shared, &up),
            Verdict::Answer(answer(500))
        );
        assert_eq!(
            Requests::default().feed(auth, &shared, &up),
            Verdict::Forward
        );
        let star = b"POST /api/families/f/members/m/stars HTTP/1.1\r\nidempotency-key: k1\r\ncontent-length: 2\r\n\r\n{}";
        let mut r = Requests::default();
        assert_eq!(r.feed(&star[..20], &shared, &up), Verdict::Forward);
        assert_eq!(
            r.feed(&star[20..], &shared, &up),
            Verdict::ForwardLosingResponse
        );
        assert_eq!(
            Requests::default().feed(star, &shared, &up),
            Verdict::Forward
        );
        assert_eq!(shared.stats.disrupted_requests(), 2);
        assert_eq!(
            shared
                .stats
                .header_values("POST /api/families/", "Idempotency-Key"),
            ["k1", "k1"]
        );
        let reply = String::from_utf8(answer(500)).unwrap();
        assert!(reply.starts_with("HTTP/1.1 500 "), "{reply}");
        let (head, body) = reply.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("content-length: {}", body.len())));
    }
}
