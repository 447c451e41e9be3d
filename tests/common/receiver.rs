//! A local HTTP receiver for comms posts: records each request and answers as its
//! script says (a status, or holding the connection without answering).
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// The secret part of every webhook URL here; it must appear nowhere.
pub const SECRET: &str = "T0001/B0002/XXSECRETXXwebhook";

#[derive(Debug, Clone)]
pub struct Request {
    pub path: String,
    pub body: String,
}

/// What the receiver does with the n-th request (0-based).
#[derive(Clone, Copy)]
pub enum Answer {
    Status(u16),
    /// Holds the connection without answering.
    Hang,
}

/// The receiver's answers, changeable while it runs.
pub type Script = Arc<Mutex<Box<dyn Fn(usize) -> Answer + Send>>>;

pub struct Receiver {
    pub url: String,
    seen: Arc<Mutex<Vec<Request>>>,
    script: Script,
}

impl Receiver {
    pub fn start(script: impl Fn(usize) -> Answer + Send + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "http://{}/services/{SECRET}",
            listener.local_addr().unwrap()
        );
        let seen = Arc::new(Mutex::new(Vec::new()));
        let script: Script = Arc::new(Mutex::new(Box::new(script)));
        let (seen2, script2) = (seen.clone(), script.clone());
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let (seen, script) = (seen2.clone(), script2.clone());
                thread::spawn(move || {
                    let Some(request) = read_request(&mut stream) else {
                        return;
                    };
                    let n = {
                        let mut seen = seen.lock().unwrap();
                        seen.push(request);
                        seen.len() - 1
                    };
                    let answer = (script.lock().unwrap())(n);
                    match answer {
                        Answer::Status(code) => {
                            let body = if code == 200 { "ok" } else { "no" };
                            let _ = write!(
                                stream,
                                "HTTP/1.1 {code} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                                body.len()
                            );
                        }
                        Answer::Hang => thread::sleep(Duration::from_secs(60)),
                    }
                });
            }
        });
        Self { url, seen, script }
    }

    pub fn then(&self, script: impl Fn(usize) -> Answer + Send + 'static) {
        *self.script.lock().unwrap() = Box::new(script);
    }

    pub fn requests(&self) -> Vec<Request> {
        self.seen.lock().unwrap().clone()
    }

    pub fn wait_for(&self, count: usize) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.requests().len() < count {
            assert!(
                Instant::now() < deadline,
                "the receiver got {:?}, waited for {count}",
                self.requests()
            );
            thread::sleep(Duration::from_millis(50));
        }
    }
}

fn read_request(stream: &mut std::net::TcpStream) -> Option<Request> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&seen[..head_end]).to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while seen.len() < head_end + length {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
    let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
    Some(Request {
        path,
        body: String::from_utf8_lossy(&seen[head_end..head_end + length]).to_string(),
    })
}
