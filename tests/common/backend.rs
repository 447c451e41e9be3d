//! Real backends for tests: Alertmanager and Prometheus from Debian's packages,
//! started on free loopback ports with temporary config and storage, stopped on drop;
//! and a scripted HTTP server for answers no real backend gives. A missing binary
//! fails the test with the fix in the message.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A minimal HTTP/1.1 client for loopback test servers: (status, body).
pub fn http(method: &str, url: &str, body: &str) -> std::io::Result<(u16, String)> {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap_or((rest, "/".into()));
    let mut stream = TcpStream::connect(host)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

pub struct Server {
    child: Child,
    pub url: String,
    _dir: TempDir,
    name: &'static str,
}

impl Server {
    fn start(
        name: &'static str,
        binary: &str,
        args: impl Fn(&Path, u16) -> Vec<String>,
        ready: &str,
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        let child = Command::new(binary)
            .args(args(dir.path(), port))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start '{binary}' ({e}): run scripts/test, which installs it")
            });
        let server = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _dir: dir,
            name,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok((200, _)) = http("GET", &format!("{}{ready}", server.url), "") {
                return server;
            }
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(server._dir.path().join("server.log"))
                    .unwrap_or_default();
                panic!("{name} did not become ready in 30 s; its log:\n{log}");
            }
            thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn alertmanager() -> Self {
        Self::start(
            "alertmanager",
            "prometheus-alertmanager",
            |dir, port| {
                let config = dir.join("alertmanager.yml");
                std::fs::write(
                    &config,
                    "route:\n  receiver: \"null\"\nreceivers:\n  - name: \"null\"\n",
                )
                .unwrap();
                vec![
                    format!("--config.file={}", config.display()),
                    format!("--storage.path={}", dir.join("data").display()),
                    format!("--web.listen-address=127.0.0.1:{port}"),
                    "--cluster.listen-address=".into(),
                ]
            },
            "/-/ready",
        )
    }

    /// Prometheus evaluating `rules` (YAML of rule groups) every second.
    pub fn prometheus(rules: &'static str) -> Self {
        Self::start(
            "prometheus",
            "prometheus",
            move |dir, port| {
                let rule_file = dir.join("rules.yml");
                std::fs::write(&rule_file, rules).unwrap();
                let config = dir.join("prometheus.yml");
                std::fs::write(
                    &config,
                    format!(
                        "global:\n  evaluation_interval: 1s\n  scrape_interval: 1s\nrule_files:\n  - {}\n",
                        rule_file.display()
                    ),
                )
                .unwrap();
                vec![
                    format!("--config.file={}", config.display()),
                    format!("--storage.tsdb.path={}", dir.join("data").display()),
                    format!("--web.listen-address=127.0.0.1:{port}"),
                ]
            },
            "/-/ready",
        )
    }

    /// Posts alerts (a JSON array) through Alertmanager's own API.
    pub fn post_alerts(&self, json: &str) {
        let (status, body) = http("POST", &format!("{}/api/v2/alerts", self.url), json).unwrap();
        assert_eq!(status, 200, "{} refused the alerts: {body}", self.name);
    }

    /// Silences alerts whose `name` label equals `value` for an hour.
    pub fn silence(&self, name: &str, value: &str) -> String {
        let now = chrono::Utc::now();
        let json = serde_json::json!({
            "matchers": [{"name": name, "value": value, "isRegex": false, "isEqual": true}],
            "startsAt": now.to_rfc3339(),
            "endsAt": (now + chrono::Duration::hours(1)).to_rfc3339(),
            "createdBy": "sitrep tests",
            "comment": "test",
        });
        let (status, body) = http(
            "POST",
            &format!("{}/api/v2/silences", self.url),
            &json.to_string(),
        )
        .unwrap();
        assert_eq!(status, 200, "silence refused: {body}");
        body
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback server that answers every request with `response` (raw HTTP), or,
/// with `None`, accepts and never answers (for 20 s at most).
pub fn scripted(response: Option<Vec<u8>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        for stream in listener.incoming().take(64) {
            let Ok(mut stream) = stream else { continue };
            let response = response.clone();
            thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                match response {
                    Some(bytes) => {
                        let _ = stream.write_all(&bytes);
                    }
                    None => thread::sleep(Duration::from_secs(20)),
                }
            });
        }
    });
    url
}

pub fn reply(status: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}
