//! A TCP proxy that reads what passes: it counts HTTP requests (per
//! request line, keep-alive included) and WebSocket frames (after the
//! upgrade, both ways), so a test can say "this device sent no HTTP
//! request for an hour" at the server's side of the wire. It can also fail
//! the Pusher HTTP API (`POST /apps/…`, the server's broadcasts) while
//! WebSockets keep flowing.

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
    /// Every request line seen, for messages.
    pub request_lines: Mutex<Vec<String>>,
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
}

pub struct HttpProxy {
    addr: SocketAddr,
    stats: Arc<ProxyStats>,
    fail_api: Arc<AtomicBool>,
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
        let stats = Arc::new(ProxyStats::default());
        let fail_api = Arc::new(AtomicBool::new(false));
        let upstream = Arc::new(Mutex::new(upstream));
        let task = tokio::spawn(accept(
            listener,
            stats.clone(),
            fail_api.clone(),
            upstream.clone(),
        ));
        Self {
            addr,
            stats,
            fail_api,
            upstream,
            task,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn stats(&self) -> &Arc<ProxyStats> {
        &self.stats
    }

    /// While set, every `POST /apps/…` (the relay's HTTP API) is answered
    /// by a reset connection.
    pub fn fail_relay_api(&self, fail: bool) {
        self.fail_api.store(fail, Ordering::Relaxed);
    }

    pub fn set_upstream(&self, upstream: SocketAddr) {
        *self.upstream.lock().expect("upstream") = upstream;
    }
}

async fn accept(
    listener: TcpListener,
    stats: Arc<ProxyStats>,
    fail_api: Arc<AtomicBool>,
    upstream: Arc<Mutex<SocketAddr>>,
) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            continue;
        };
        let target = *upstream.lock().expect("upstream");
        let (stats, fail_api) = (stats.clone(), fail_api.clone());
        tokio::spawn(async move {
            let Ok(server) = TcpStream::connect(target).await else {
                let _ = client.set_zero_linger();
                return;
            };
            let _ = client.set_nodelay(true);
            let _ = server.set_nodelay(true);
            pump(client, server, stats, fail_api).await;
        });
    }
}

async fn pump(
    client: TcpStream,
    server: TcpStream,
    stats: Arc<ProxyStats>,
    fail_api: Arc<AtomicBool>,
) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let upgraded = Arc::new(AtomicBool::new(false));
    let up_stats = stats.clone();
    let up_flag = upgraded.clone();
    let up = async move {
        let mut requests = Requests::default();
        let mut buf = [0u8; 16 * 1024];
        loop {
            let n = match client_read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if requests
                .feed(&buf[..n], &up_stats, &fail_api, &up_flag)
                .is_err()
            {
                break;
            }
            if server_write.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
    };
    let down = async move {
        let mut reply = Replies::default();
        let mut buf = [0u8; 16 * 1024];
        loop {
            let n = match server_read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if upgraded.load(Ordering::Relaxed) {
                reply.feed(&buf[..n], &stats);
            }
            if client_write.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
    };
    // Either direction ending ends the pair (both halves drop).
    tokio::select! {
        () = up => {}
        () = down => {}
    }
}

/// Client → server: request lines, headers, bodies; frames after an upgrade.
#[derive(Default)]
struct Requests {
    head: Vec<u8>,
    body_left: usize,
    frames: Option<Frames>,
}

impl Requests {
    /// Counts what `data` completes; `Err` means reset the connection.
    fn feed(
        &mut self,
        mut data: &[u8],
        stats: &ProxyStats,
        fail_api: &AtomicBool,
        upgraded: &AtomicBool,
    ) -> Result<(), ()> {
        while !data.is_empty() {
            if let Some(frames) = &mut self.frames {
                let n = frames.feed(data);
                stats.ws_frames_to_server.fetch_add(n, Ordering::Relaxed);
                return Ok(());
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
                if line.starts_with("POST /apps/") && fail_api.load(Ordering::Relaxed) {
                    stats.failed_api_requests.fetch_add(1, Ordering::Relaxed);
                    return Err(());
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
            self.feed_rest(&rest, stats, fail_api, upgraded)?;
        }
        Ok(())
    }

    fn feed_rest(
        &mut self,
        rest: &[u8],
        stats: &ProxyStats,
        fail_api: &AtomicBool,
        upgraded: &AtomicBool,
    ) -> Result<(), ()> {
        if rest.is_empty() {
            Ok(())
        } else {
            self.feed(rest, stats, fail_api, upgraded)
        }
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
        let stats = ProxyStats::default();
        let fail = AtomicBool::new(false);
        let up = AtomicBool::new(false);
        let mut r = Requests::default();
        let two = b"POST /api/x HTTP/1.1\r\ncontent-length: 4\r\n\r\nabcdGET /api/me HTTP/1.1\r\nhost: h\r\n\r\n";
        for chunk in two.chunks(7) {
            r.feed(chunk, &stats, &fail, &up).unwrap();
        }
        assert_eq!(stats.http_requests(), 2);
        fail.store(true, Ordering::Relaxed);
        assert!(
            r.feed(
                b"POST /apps/1/batch_events HTTP/1.1\r\n\r\n",
                &stats,
                &fail,
                &up
            )
            .is_err()
        );
    }
}
