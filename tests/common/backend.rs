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

/// The sitrep binary with no inherited SITREP_* settings, a database at `db`, a
/// user, and a private home beside the database.
pub fn sitrep_on(db: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sitrep"));
    for (key, _) in std::env::vars() {
        if key.starts_with("SITREP_") {
            cmd.env_remove(key);
        }
    }
    let home = db.parent().unwrap_or(Path::new("/"));
    cmd.env("SITREP_DB", db)
        .env("SITREP_USER", "tester")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"));
    cmd
}

/// A loopback port nothing listens on, for a server a test starts. Taken below the
/// kernel's ephemeral range (32768 and up here), which the tests' own outgoing
/// connections draw from: a port found free there can be the local port of a
/// connection a moment later. Never the same port twice in one test process.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    // Test binaries run one after another: start each at its own offset.
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let span = 12_000u16;
    let offset = (std::process::id() % u32::from(span)) as u16;
    for _ in 0..span {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = 20_000 + (offset.wrapping_add(n.wrapping_mul(7))) % span;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
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

/// The arguments every test Alertmanager starts with (its config written in `dir`:
/// one receiver that sends nothing), listening on `port`.
fn alertmanager_args(dir: &Path, port: u16) -> Vec<String> {
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
    ]
}

pub struct Server {
    child: Child,
    pub url: String,
    _dir: TempDir,
    name: &'static str,
    binary: String,
    args: Vec<String>,
    ready: Option<String>,
}

impl Server {
    /// Starts `binary` on a free port; waits for `ready` to answer 200 over plain
    /// HTTP, or with `None` (TLS) for the port to accept connections.
    fn start(
        name: &'static str,
        binary: &str,
        args: impl Fn(&Path, u16) -> Vec<String>,
        ready: Option<&str>,
    ) -> Self {
        // A free port can be handed out twice before either taker binds it (two
        // free_port calls, one for gossip): a server that loses that race is started
        // again on another port.
        for attempt in 1.. {
            let dir = tempfile::tempdir().unwrap();
            let port = free_port();
            let args = args(dir.path(), port);
            let child = Self::spawn(binary, &args, dir.path());
            let scheme = if ready.is_some() { "http" } else { "https" };
            let mut server = Self {
                child,
                url: format!("{scheme}://127.0.0.1:{port}"),
                _dir: dir,
                name,
                binary: binary.to_string(),
                args,
                ready: ready.map(str::to_string),
            };
            if attempt < 4 && server.lost_its_port() {
                let _ = server.child.kill();
                let _ = server.child.wait();
                continue;
            }
            server.wait_ready(port);
            return server;
        }
        unreachable!("the loop returns or panics")
    }

    /// Whether the server exited at once because its port was taken meanwhile.
    fn lost_its_port(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            let log =
                std::fs::read_to_string(self._dir.path().join("server.log")).unwrap_or_default();
            if log.contains("address already in use") {
                return true;
            }
            if self.ready_now() {
                return false;
            }
            thread::sleep(Duration::from_millis(50));
        }
        false
    }

    fn ready_now(&self) -> bool {
        let port: u16 = self
            .url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        match self.ready.as_deref() {
            Some(path) => matches!(
                http("GET", &format!("{}{path}", self.url), ""),
                Ok((200, _))
            ),
            None => TcpStream::connect(("127.0.0.1", port)).is_ok(),
        }
    }

    fn spawn(binary: &str, args: &[String], dir: &Path) -> Child {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("server.log"))
            .unwrap();
        Command::new(binary)
            .args(args)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start '{binary}' ({e}): run scripts/test, which installs it")
            })
    }

    /// Stops the server, waits `down`, and starts it again on the same port and
    /// storage (Alertmanager keeps silences across a restart, not alerts).
    pub fn restart_after(&mut self, down: Duration) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        thread::sleep(down);
        self.child = Self::spawn(&self.binary, &self.args, self._dir.path());
        let port: u16 = self
            .url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("a port in the URL");
        self.wait_ready(port);
    }

    fn wait_ready(&self, port: u16) {
        let (ready, name, server) = (self.ready.as_deref(), self.name, self);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let up = match ready {
                Some(path) => matches!(
                    http("GET", &format!("{}{path}", server.url), ""),
                    Ok((200, _))
                ),
                None => TcpStream::connect(("127.0.0.1", port)).is_ok(),
            };
            if up {
                return;
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
                let mut args = alertmanager_args(dir, port);
                args.push("--cluster.listen-address=".into());
                args
            },
            Some("/-/ready"),
        )
    }

    /// Two Alertmanagers gossiping as one HA pair on loopback.
    pub fn alertmanager_pair() -> (Self, Self) {
        let (first_gossip, second_gossip) = (free_port(), free_port());
        let member = move |own: u16, peer: u16| {
            move |dir: &Path, port: u16| {
                let mut args = alertmanager_args(dir, port);
                args.extend([
                    format!("--cluster.listen-address=127.0.0.1:{own}"),
                    format!("--cluster.advertise-address=127.0.0.1:{own}"),
                    format!("--cluster.peer=127.0.0.1:{peer}"),
                    "--cluster.gossip-interval=100ms".into(),
                    "--cluster.pushpull-interval=1s".into(),
                    "--cluster.settle-timeout=1s".into(),
                ]);
                args
            }
        };
        let first = Self::start(
            "alertmanager (pair, first)",
            "prometheus-alertmanager",
            member(first_gossip, second_gossip),
            Some("/-/ready"),
        );
        let second = Self::start(
            "alertmanager (pair, second)",
            "prometheus-alertmanager",
            member(second_gossip, first_gossip),
            Some("/-/ready"),
        );
        (first, second)
    }

    /// An Alertmanager that asks for basic auth: user `admin`, password `test` (the
    /// bcrypt hash from Prometheus' basic-auth guide).
    pub fn alertmanager_basic_auth() -> Self {
        let mut server = Self::start(
            "alertmanager (basic auth)",
            "prometheus-alertmanager",
            |dir, port| {
                let web = dir.join("web.yml");
                std::fs::write(
                    &web,
                    "basic_auth_users:\n  admin: $2b$12$hNf2lSsxfm0.i4a.1kVpSOVyBCfIB51VRjgBUyv6kdnyTlgWj81Ay\n",
                )
                .unwrap();
                let mut args = alertmanager_args(dir, port);
                args.extend([
                    format!("--web.config.file={}", web.display()),
                    "--cluster.listen-address=".into(),
                ]);
                args
            },
            // /-/ready asks for the password too: wait for the port only.
            None,
        );
        // Plain HTTP (no ready path means TLS to `start`).
        server.url = server.url.replacen("https://", "http://", 1);
        server
    }

    /// Prometheus evaluating `rules` (YAML of rule groups) every second.
    pub fn prometheus(rules: &'static str) -> Self {
        Self::prometheus_scraping(rules, None)
    }

    /// Prometheus evaluating `rules` every second and scraping `target`
    /// (`host:port`) every second.
    pub fn prometheus_scraping(rules: &'static str, target: Option<String>) -> Self {
        Self::prometheus_configured(rules, target, String::new())
    }

    /// Prometheus evaluating `rules` every second and sending its alerts to the
    /// Alertmanager at `alertmanager` (`host:port`), as most teams run it.
    pub fn prometheus_alerting_to(rules: &'static str, alertmanager: &str) -> Self {
        Self::prometheus_configured(
            rules,
            None,
            format!("alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['{alertmanager}']\n"),
        )
    }

    fn prometheus_configured(rules: &'static str, target: Option<String>, extra: String) -> Self {
        Self::start(
            "prometheus",
            "prometheus",
            move |dir, port| {
                let target = target.clone();
                let rule_file = dir.join("rules.yml");
                std::fs::write(&rule_file, rules).unwrap();
                let config = dir.join("prometheus.yml");
                std::fs::write(
                    &config,
format!(
                        "global:\n  evaluation_interval: 1s\n  scrape_interval: 1s\nrule_files:\n  - {}\n{extra}{}",
                        rule_file.display(),
                        target
                            .as_ref()
                            .map(|t| format!("scrape_configs:\n  - job_name: exporter\n    static_configs:\n      - targets: ['{t}']\n"))
                            .unwrap_or_default()
                    )
                )
                .unwrap();
                let mut args = vec![
                    format!("--config.file={}", config.display()),
                    format!("--storage.tsdb.path={}", dir.join("data").display()),
                    format!("--web.listen-address=127.0.0.1:{port}"),
                ];
                if !extra.is_empty() {
                    // The first send can come before the Alertmanager is discovered
                    // and is dropped; the next is resend-delay later (1m by default).
                    args.push("--rules.alert.resend-delay=1s".into());
                }
                args
            },
            Some("/-/ready"),
        )
    }

    /// Prometheus over a history: `openmetrics` (samples with timestamps, ending in
    /// `# EOF`) is turned into TSDB blocks with `promtool tsdb
    /// create-blocks-from openmetrics` before it starts. No rules, no scrapes.
    pub fn prometheus_with_history(openmetrics: String) -> Self {
        Self::prometheus_with_history_and_rules(openmetrics, String::new())
    }

    /// [`Server::prometheus_with_history`] that also loads `rules` (a rule file,
    /// evaluated every minute; empty: none), so its rules API serves them.
    pub fn prometheus_with_history_and_rules(openmetrics: String, rules: String) -> Self {
        Self::start(
            "prometheus",
            "prometheus",
            move |dir, port| {
                let input = dir.join("history.om");
                std::fs::write(&input, &openmetrics).unwrap();
                let data = dir.join("data");
                let out = Command::new("promtool")
                    .args(["tsdb", "create-blocks-from", "openmetrics", "-q"])
                    .arg(&input)
                    .arg(&data)
                    .output()
                    .expect(
                        "promtool (Debian's prometheus package) is not installed: run scripts/test",
                    );
                assert!(
                    out.status.success(),
                    "promtool refused the history: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let config = dir.join("prometheus.yml");
                let mut text = "global:\n  evaluation_interval: 1m\n".to_string();
                if !rules.is_empty() {
                    let file = dir.join("rules.yml");
                    std::fs::write(&file, &rules).unwrap();
                    text.push_str(&format!("rule_files:\n  - {}\n", file.display()));
                }
                std::fs::write(&config, text).unwrap();
                vec![
                    format!("--config.file={}", config.display()),
                    format!("--storage.tsdb.path={}", data.display()),
                    "--storage.tsdb.retention.time=90d".into(),
                    format!("--web.listen-address=127.0.0.1:{port}"),
                ]
            },
            Some("/-/ready"),
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

/// A loopback server that answers each request with what `answer` makes of its
/// head (request line and headers); `None` holds the connection without answering,
/// for 20 s at most.
pub fn scripted_with(answer: impl Fn(&str) -> Option<Vec<u8>> + Send + Sync + 'static) -> String {
    let answer = std::sync::Arc::new(answer);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        for stream in listener.incoming().take(64) {
            let Ok(mut stream) = stream else { continue };
            let answer = answer.clone();
            thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                match answer(&String::from_utf8_lossy(&seen)) {
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

/// Alertmanager over TLS: a throwaway CA and a certificate for 127.0.0.1, made with
/// openssl. Returns the server and the CA file to trust.
/// A throwaway CA and a server certificate for 127.0.0.1 signed by it, made with
/// openssl in `dir`: `ca.pem`, `server.pem`, `server.key`.
pub fn throwaway_ca(dir: &Path) {
    let path = |name: &str| dir.join(name).display().to_string();
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .output()
            .expect("openssl is required for the TLS test");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=sitrep test CA",
        "-keyout",
        &path("ca.key"),
        "-out",
        &path("ca.pem"),
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        &path("server.key"),
        "-out",
        &path("server.csr"),
    ]);
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        &path("server.csr"),
        "-CA",
        &path("ca.pem"),
        "-CAkey",
        &path("ca.key"),
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        &path("ext.cnf"),
        "-out",
        &path("server.pem"),
    ]);
}

pub fn alertmanager_tls() -> (Server, std::path::PathBuf, TempDir) {
    let certs = tempfile::tempdir().unwrap();
    throwaway_ca(certs.path());
    let path = |name: &str| certs.path().join(name).display().to_string();
    let (cert, key) = (path("server.pem"), path("server.key"));
    let server = Server::start(
        "alertmanager (TLS)",
        "prometheus-alertmanager",
        move |dir, port| {
            let web = dir.join("web.yml");
            std::fs::write(
                &web,
                format!("tls_server_config:\n  cert_file: {cert}\n  key_file: {key}\n"),
            )
            .unwrap();
            let mut args = alertmanager_args(dir, port);
            args.extend([
                format!("--web.config.file={}", web.display()),
                "--cluster.listen-address=".into(),
            ]);
            args
        },
        None,
    );
    let ca = certs.path().join("ca.pem");
    (server, ca, certs)
}

/// A loopback server that answers every request with `response` (raw HTTP), or,
/// with `None`, accepts and never answers (for 20 s at most).
pub fn scripted(response: Option<Vec<u8>>) -> String {
    scripted_with(move |_| response.clone())
}

pub fn reply(status: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}
