//! A real PostgreSQL for tests, from Debian's `postgresql` package: a cluster made
//! with `initdb` in a temporary directory, started with `pg_ctl` on a free loopback
//! port, stopped (immediately) on drop. The server refuses to run as root, so as root
//! the binaries run as the `postgres` OS user. A missing package fails the test with
//! the fix in the message; nothing is skipped.
//!
//! `initdb` runs once per test binary (a template cluster in cargo's target tmp dir);
//! each server gets a copy, so a test pays only for `pg_ctl start` (~0.3 s).

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::backend::free_port;

/// The superuser's password (TCP logins use scram-sha-256).
pub const SUPERUSER_PASSWORD: &str = "pg-test-superuser";

/// The directory of the newest installed PostgreSQL's server binaries.
pub fn bin_dir() -> PathBuf {
    let mut versions: Vec<PathBuf> = fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    versions.sort();
    versions
        .into_iter()
        .rev()
        .map(|v| v.join("bin"))
        .find(|b| b.join("initdb").is_file())
        .expect("PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin: run scripts/test, which installs Debian's 'postgresql' package")
}

fn is_root() -> bool {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() == 0 }
}

/// A command run as the server's owner: `postgres` when we are root, else ourselves.
fn as_owner(program: &Path) -> Command {
    if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

fn give_to_owner(path: &Path) {
    if is_root() {
        let out = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "chown: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn run(cmd: &mut Command, what: &str) -> Output {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("{what}: cannot run: {e} (is Debian's 'postgresql' package installed?)")
    });
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The template cluster, made once per test binary.
fn template() -> &'static Path {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        // Templates of test processes that are gone are removed, not piled up.
        for entry in fs::read_dir(&tmp).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(pid) = name.strip_prefix("pg-template-") {
                if !Path::new(&format!("/proc/{pid}")).exists() {
                    let _ = fs::remove_dir_all(entry.path());
                }
            }
        }
        let root = tmp.join(format!("pg-template-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(&root).unwrap();
        let pwfile = root.join("pw");
        fs::write(&pwfile, SUPERUSER_PASSWORD).unwrap();
        give_to_owner(&root);
        // The owner must be able to reach it through the target dir.
        let mut dir = root.parent().map(Path::to_path_buf);
        while let Some(d) = dir {
            use std::os::unix::fs::PermissionsExt;
            if let Ok(meta) = fs::metadata(&d) {
                let mode = meta.permissions().mode();
                if mode & 0o001 == 0 && is_root() {
                    let _ = fs::set_permissions(&d, fs::Permissions::from_mode(mode | 0o001));
                }
            }
            dir = d.parent().map(Path::to_path_buf);
        }
        let data = root.join("data");
        run(
            as_owner(&bin_dir().join("initdb"))
                .arg("-D")
                .arg(&data)
                .args([
                    "-U",
                    "postgres",
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                ])
                .arg(format!("--pwfile={}", pwfile.display()))
                .args(["--no-sync", "-E", "UTF8", "--locale=C"]),
            "initdb",
        );
        data
    })
}

/// One running server.
pub struct Postgres {
    pub port: u16,
    dir: TempDir,
    data: PathBuf,
    socket: PathBuf,
    options: String,
}

impl Postgres {
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Starts a copy of the template cluster with extra `postgresql.conf` settings.
    pub fn start_with(settings: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let socket = dir.path().join("socket");
        fs::create_dir(&socket).unwrap();
        run(
            Command::new("cp").arg("-a").arg(template()).arg(&data),
            "copy the template cluster",
        );
        let mut conf =
            String::from("\nlisten_addresses = '127.0.0.1'\nfsync = on\nmax_connections = 60\n");
        for (key, value) in settings {
            conf.push_str(&format!("{key} = '{value}'\n"));
        }
        fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))
            .and_then(|mut f| std::io::Write::write_all(&mut f, conf.as_bytes()))
            .unwrap();
        give_to_owner(dir.path());
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        }
        let port = free_port();
        let options = format!("-p {port} -k {}", socket.display());
        let server = Self {
            port,
            dir,
            data,
            socket,
            options,
        };
        server.pg_ctl(&["start", "-w", "-t", "60"]);
        server
    }

    fn pg_ctl(&self, args: &[&str]) {
        run(
            as_owner(&bin_dir().join("pg_ctl"))
                .arg("-D")
                .arg(&self.data)
                .arg("-l")
                .arg(self.dir.path().join("server.log"))
                .args(["-o", &self.options])
                .args(args),
            &format!("pg_ctl {args:?}"),
        );
    }

    /// `pg_ctl restart -m fast`: every connection is cut; the server is back when
    /// this returns.
    pub fn restart(&self) {
        self.pg_ctl(&["restart", "-m", "fast", "-w", "-t", "60"]);
    }

    pub fn stop(&self) {
        self.pg_ctl(&["stop", "-m", "fast", "-w"]);
    }

    pub fn start_again(&self) {
        self.pg_ctl(&["start", "-w", "-t", "60"]);
    }

    /// A URL for `user` with `password` to database `db` over TCP, without TLS.
    pub fn url_for(&self, user: &str, password: &str, db: &str) -> String {
        format!(
            "postgres://{user}:{password}@127.0.0.1:{}/{db}?sslmode=disable",
            self.port
        )
    }

    /// The superuser's URL to `db`.
    pub fn url(&self, db: &str) -> String {
        self.url_for("postgres", SUPERUSER_PASSWORD, db)
    }

    /// A superuser connection to `db` over the Unix socket.
    pub fn client(&self, db: &str) -> postgres::Client {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match postgres::Config::new()
                .host_path(&self.socket)
                .port(self.port)
                .user("postgres")
                .dbname(db)
                .connect(postgres::NoTls)
            {
                Ok(client) => return client,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => panic!("cannot connect to the test PostgreSQL: {e}"),
            }
        }
    }

    /// Creates an empty database and returns the superuser's URL to it.
    pub fn database(&self, name: &str) -> String {
        self.client("postgres")
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .unwrap();
        self.url(name)
    }

    /// Creates a login role with a password.
    pub fn role(&self, name: &str, password: &str) {
        self.client("postgres")
            .batch_execute(&format!(
                "CREATE ROLE \"{name}\" LOGIN PASSWORD '{password}'"
            ))
            .unwrap();
    }

    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = as_owner(&bin_dir().join("pg_ctl"))
            .arg("-D")
            .arg(&self.data)
            .args(["stop", "-m", "immediate", "-w"])
            .output();
    }
}
