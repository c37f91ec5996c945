//! A loopback HTTP server for the hosting-API tests: it answers a list of
//! expected requests in order (one connection each) and records every
//! request it receives, so a test can check methods, paths, headers and
//! bodies.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

/// One request the server received.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Value,
}

impl Seen {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An expected request: method, path, and the answer (status, body).
pub(crate) type Route = (&'static str, String, u16, Value);

/// Serves `routes` in order, one connection per request; every request is
/// recorded. A request that is not the next route gets a 500.
pub(crate) fn serve(
    routes: Vec<Route>,
) -> (String, Arc<Mutex<Vec<Seen>>>, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let handle = std::thread::spawn(move || {
        let mut routes: VecDeque<Route> = routes.into();
        while !routes.is_empty() {
            let Ok((stream, _)) = listener.accept() else {
                return;
            };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut line = String::new();
            reader.read_line(&mut line).expect("request line");
            let mut parts = line.split_whitespace();
            let method = parts.next().unwrap_or_default().to_owned();
            let path = parts.next().unwrap_or_default().to_owned();
            let mut headers = Vec::new();
            let mut length = 0usize;
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).expect("header");
                let header = header.trim_end();
                if header.is_empty() {
                    break;
                }
                if let Some((name, value)) = header.split_once(':') {
                    let value = value.trim().to_owned();
                    if name.eq_ignore_ascii_case("content-length") {
                        length = value.parse().unwrap_or(0);
                    }
                    headers.push((name.to_owned(), value));
                }
            }
            let mut body = vec![0u8; length];
            reader.read_exact(&mut body).expect("body");
            let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
            record.lock().expect("lock").push(Seen {
                method: method.clone(),
                path: path.clone(),
                headers,
                body,
            });
            let (status, answer) = match routes.front() {
                Some((m, p, status, answer)) if *m == method && *p == path => {
                    let reply = (*status, answer.clone());
                    routes.pop_front();
                    reply
                }
                _ => (
                    500,
                    json!({"message": format!("unexpected {method} {path}")}),
                ),
            };
            let text = answer.to_string();
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                text.len()
            );
            if status == 500 {
                return;
            }
        }
    });
    (base, seen, handle)
}
