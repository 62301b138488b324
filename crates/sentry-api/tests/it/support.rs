//! A programmable HTTP/1.1 test server and a CONNECT proxy, both on 127.0.0.1:0.
//!
//! Tests queue scripted replies (status, headers, body, delay, or a connection reset) and
//! assert on every request recorded (method, target, headers, body). Nothing in the client
//! is mocked: it talks real TCP to these.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// One scripted reply.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
    pub reset: bool,
}

impl Reply {
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: Duration::ZERO,
            reset: false,
        }
    }

    pub fn json(status: u16, body: &str) -> Reply {
        Reply::status(status)
            .header("Content-Type", "application/json")
            .body(body)
    }

    pub fn html(status: u16, body: &str) -> Reply {
        Reply::status(status)
            .header("Content-Type", "text/html; charset=utf-8")
            .body(body)
    }

    /// Close the connection with a TCP RST instead of answering.
    pub fn reset() -> Reply {
        Reply {
            reset: true,
            ..Reply::status(0)
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn body(mut self, body: &str) -> Reply {
        self.body = body.as_bytes().to_vec();
        self
    }

    pub fn delay(mut self, d: Duration) -> Reply {
        self.delay = d;
        self
    }
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// The request target (`/api/0/x/?a=1`, or `host:port` for CONNECT).
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct State {
    replies: VecDeque<Reply>,
    requests: Vec<Recorded>,
    connections: usize,
}

pub struct TestServer {
    port: u16,
    state: Arc<Mutex<State>>,
}

impl TestServer {
    pub fn start() -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let state = Arc::new(Mutex::new(State::default()));
        let st = state.clone();
        thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let st = st.clone();
                st.lock().unwrap().connections += 1;
                thread::spawn(move || serve(conn, st));
            }
        });
        TestServer { port, state }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn push(&self, reply: Reply) -> &TestServer {
        self.state.lock().unwrap().replies.push_back(reply);
        self
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn request_count(&self) -> usize {
        self.state.lock().unwrap().requests.len()
    }

    pub fn connection_count(&self) -> usize {
        self.state.lock().unwrap().connections
    }
}

/// Method, target, headers, body.
pub type RawRequest = (String, String, Vec<(String, String)>, Vec<u8>);

/// Reads one request head and body; `None` when the client closed the connection.
pub fn read_request<R: BufRead>(r: &mut R) -> Option<RawRequest> {
    let mut line = String::new();
    if r.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.trim_end().splitn(3, ' ');
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((n, v)) = h.split_once(':') {
            headers.push((n.trim().to_string(), v.trim().to_string()));
        }
    }
    let len = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    Some((method, target, headers, body))
}

pub fn write_reply<W: Write>(w: &mut W, reply: &Reply) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {} Scripted\r\n", reply.status);
    for (n, v) in &reply.headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        reply.body.len()
    ));
    w.write_all(head.as_bytes())?;
    w.write_all(&reply.body)?;
    w.flush()
}

fn serve(conn: TcpStream, st: Arc<Mutex<State>>) {
    let mut reader = BufReader::new(conn.try_clone().expect("clone"));
    let Some((method, target, headers, body)) = read_request(&mut reader) else {
        return;
    };
    let reply = {
        let mut s = st.lock().unwrap();
        s.requests.push(Recorded {
            method,
            target,
            headers,
            body,
            at: Instant::now(),
        });
        s.replies
            .pop_front()
            .unwrap_or_else(|| Reply::json(418, r#"{"detail":"no scripted reply left"}"#))
    };
    if !reply.delay.is_zero() {
        thread::sleep(reply.delay);
    }
    let mut conn = conn;
    if reply.reset {
        reset(&conn);
        return;
    }
    let _ = write_reply(&mut conn, &reply);
    let _ = conn.shutdown(Shutdown::Write);
    // Drain so the close is graceful (no RST because of unread bytes).
    let mut sink = [0u8; 1024];
    let _ = conn.set_read_timeout(Some(Duration::from_millis(200)));
    while matches!(reader.read(&mut sink), Ok(n) if n > 0) {}
}

/// SO_LINGER 0 then close: the peer sees a TCP RST ("connection reset by peer").
fn reset(conn: &TcpStream) {
    #[cfg(unix)]
    {
        use std::os::unix::io::AsRawFd;
        let linger = libc::linger {
            l_onoff: 1,
            l_linger: 0,
        };
        // SAFETY: valid fd owned by `conn`, pointer to a properly sized struct.
        unsafe {
            libc::setsockopt(
                conn.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_LINGER,
                &linger as *const libc::linger as *const libc::c_void,
                std::mem::size_of::<libc::linger>() as libc::socklen_t,
            );
        }
    }
    let _ = conn.shutdown(Shutdown::Both);
}

/// A minimal HTTP CONNECT proxy that tunnels to the requested target and records each
/// CONNECT request (target and headers, e.g. `Proxy-Authorization`).
pub struct TestProxy {
    port: u16,
    seen: Arc<Mutex<Vec<Recorded>>>,
}

impl TestProxy {
    pub fn start() -> TestProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let s = s.clone();
                thread::spawn(move || tunnel(conn, s));
            }
        });
        TestProxy { port, seen }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.seen.lock().unwrap().clone()
    }
}

fn tunnel(mut client: TcpStream, seen: Arc<Mutex<Vec<Recorded>>>) {
    let mut reader = BufReader::new(client.try_clone().expect("clone"));
    let Some((method, target, headers, body)) = read_request(&mut reader) else {
        return;
    };
    seen.lock().unwrap().push(Recorded {
        method: method.clone(),
        target: target.clone(),
        headers,
        body,
        at: Instant::now(),
    });
    if method != "CONNECT" {
        let _ = write_reply(&mut client, &Reply::status(501));
        return;
    }
    let Ok(upstream) = TcpStream::connect(&target) else {
        let _ = write_reply(&mut client, &Reply::status(502));
        return;
    };
    if client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .is_err()
    {
        return;
    }
    // Bytes the client sent after the CONNECT head are already in `reader`'s buffer.
    let buffered = reader.buffer().to_vec();
    let mut up_w = upstream.try_clone().expect("clone");
    if !buffered.is_empty() && up_w.write_all(&buffered).is_err() {
        return;
    }
    let mut up_r = upstream;
    let mut cl_w = client.try_clone().expect("clone");
    let t = thread::spawn(move || {
        let _ = std::io::copy(&mut up_r, &mut cl_w);
        let _ = cl_w.shutdown(Shutdown::Write);
    });
    let mut cl_r = reader.into_inner();
    let _ = std::io::copy(&mut cl_r, &mut up_w);
    let _ = up_w.shutdown(Shutdown::Write);
    let _ = t.join();
}
