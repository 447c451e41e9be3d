//! One store test suite, two engines: each test body runs once on a SQLite file and
//! once on a real PostgreSQL (see `postgres.rs`), through the same `Store` API.

#![allow(dead_code)]

use std::ffi::OsStr;

use sitrep::store::{Store, Target, DEFAULT_BUSY_TIMEOUT};
use tempfile::TempDir;

use super::postgres::Postgres;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// An empty sitrep database on `engine`, kept alive as long as this value.
pub struct Db {
    pub engine: Engine,
    pub dir: TempDir,
    pub pg: Option<Postgres>,
    /// What `--db` / `SITREP_DB` would say.
    pub spec: String,
}

impl Db {
    pub fn new(engine: Engine) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (pg, spec) = match engine {
            Engine::Sqlite => (None, dir.path().join("sitrep.db").display().to_string()),
            Engine::Postgres => {
                let pg = Postgres::start();
                let url = pg.database("sitrep");
                (Some(pg), url)
            }
        };
        Self {
            engine,
            dir,
            pg,
            spec,
        }
    }

    /// Like [`Db::new`], for tests that write a past (incidents declared weeks ago):
    /// on PostgreSQL the owner's sessions keep the times they write, as `db copy`
    /// does (`sitrep.keep_times`), where the server would otherwise date an entry
    /// more than ten minutes off by its own clock.
    pub fn with_history(engine: Engine) -> Self {
        let db = Self::new(engine);
        if let Some(pg) = &db.pg {
            pg.client("sitrep")
                .batch_execute("ALTER DATABASE sitrep SET sitrep.keep_times = 'on'")
                .unwrap();
        }
        db
    }

    pub fn target(&self) -> Target {
        Target::parse(OsStr::new(&self.spec)).unwrap()
    }

    /// A new connection (a second process would have its own).
    pub fn open(&self) -> Store {
        Store::connect(&self.target(), DEFAULT_BUSY_TIMEOUT, false).unwrap()
    }
}

/// Runs a test body on both engines as two tests, `NAME::sqlite` and `NAME::postgres`.
#[macro_export]
macro_rules! on_both_engines {
    ($($(#[doc = $doc:expr])* $name:ident($engine:ident) $body:block)*) => {$(
        $(#[doc = $doc])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            fn run($engine: common::engine::Engine) $body
            #[test]
            fn sqlite() {
                run(common::engine::Engine::Sqlite)
            }
            #[test]
            fn postgres() {
                run(common::engine::Engine::Postgres)
            }
        }
    )*};
}
