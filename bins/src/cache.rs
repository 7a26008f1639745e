//! The persistent answer cache and the MISP circuit breaker.
//!
//! integratord runs `custom-misp` once per alert and waits for it, so a
//! value seen again should cost no network, and a MISP that is down should
//! cost milliseconds rather than the timeout. This module keeps both kinds of
//! memory between runs in one SQLite file:
//!
//! - answers: for a *scope* (the MISP base URL plus every query option that
//!   changes MISP's answer) and a value, either the matching attributes or
//!   "no match", each reused within its own TTL;
//! - breakers: per MISP, whether recent runs found it failing, so that runs
//!   during a cool-down skip the network, and one run probes it afterwards.
//!
//! # Example
//!
//! ```ignore
//! use std::time::Duration;
//!
//! let settings = CacheSettings::new("/var/ossec/var/db/custom-misp/cache.sqlite");
//! let cache = Cache::open(&settings)?;
//! let scope = "https://misp.example.org to_ids=1";
//!
//! match cache.get_many(scope, &["185.220.101.1"]).remove(0) {
//!     Some(Cached::Match(attributes)) => { /* send one event per attribute */ }
//!     Some(Cached::NoMatch) => { /* nothing to do, no network */ }
//!     None => {
//!         // Ask MISP, then remember the answer for the next run.
//!         cache.put(scope, &[("185.220.101.1".to_owned(), Cached::NoMatch)]);
//!     }
//! }
//! ```
//!
//! # Storage
//!
//! SQLite (bundled, through `rusqlite`), with a rollback journal in
//! `TRUNCATE` mode, `synchronous=OFF` and a 200 ms busy timeout. Several
//! processes may read and write at once under SQLite's file locks; a process
//! that dies mid-write leaves a journal that the next one rolls back, so no
//! half-written answer is ever read; a damaged file is recognised rather
//! than misread. Opening is cheap on purpose: no integrity check and no
//! VACUUM; a file from another application is recognised by its
//! `application_id`, and one from another schema version of this cache by
//! its `user_version`.
//!
//! These choices were measured (100 000 answers, release build, a 2-core
//! machine; `examples/src/bin/cache_bench.rs`):
//!
//! - Every run is a new process. In WAL mode each first connection creates
//!   and maps the `-wal` and `-shm` files and the last one checkpoints and
//!   removes them: opening and reading one answer took about 300 µs, against
//!   80 to 120 µs with a rollback journal, and that path runs for every
//!   alert. With a rollback journal a run whose answers are all cached only
//!   reads.
//! - `TRUNCATE` leaves an empty journal between writes. `PERSIST` saves a
//!   write its truncation, but leaves a journal that every reader must open
//!   and read to learn that it is not hot: a run made more system calls,
//!   not fewer. `DELETE` adds a file creation to every write.
//! - With `synchronous=NORMAL` a write took about 0.8 ms, nearly all of it
//!   fsync with the lock held, and a process writing in a loop kept readers
//!   locked out beyond the busy timeout; with `OFF` a write takes about
//!   0.15 ms and the same loop never did. The price: an operating-system
//!   crash or power loss during a write may lose recent answers or damage
//!   the file, which the next run then sets aside (see below). For a cache
//!   that is a fair trade.
//!
//! Values are stored lower-cased, since MISP matches without regard to case.
//! Times are wall-clock milliseconds since the Unix epoch.
//!
//! # Never a reason to fail
//!
//! - A damaged or unusable file met by [`Cache::open`] is renamed aside as
//!   `<name>.corrupt-<unix seconds>` (with its `-journal`, `-wal` and
//!   `-shm` companions) with a `warn!`, and a fresh file takes its place. Damage
//!   found later, by a read or a write, is set aside the same way, and the
//!   rest of that run goes on without the cache.
//! - A lock held by another process beyond the busy timeout makes the run
//!   give up on the cache (`warn!`): [`Cache::get_many`] then answers `None`,
//!   [`Cache::put`] and the breaker calls do nothing, and
//!   [`Cache::breaker`] answers [`BreakerState::Closed`].
//! - [`Cache::open`] returns an error only when no usable file can be had at
//!   all (the folder cannot be created or written, or the path holds another
//!   application's database, which is left untouched); the caller then goes
//!   on without a cache.
//!
//! # Counters
//!
//! Hits and misses are kept only with [`CacheSettings::count_hits`]: a run
//! whose answers are all cached would otherwise read only, and a write costs
//! about ten times the read it counts. When kept, they are counted in memory
//! and written with the run's [`Cache::put`], or, when the run stored
//! nothing, in one small write when the [`Cache`] is dropped. They are
//! informative: a run that gives up on the cache, or is killed, loses its
//! counts.
//!
//! # Limits
//!
//! - The bound ([`CacheSettings::max_entries`]) is enforced when answers are
//!   stored: the oldest-stored answers are evicted first, and expired ones
//!   are purged at the same time.
//! - A TTL is applied when an answer is read, with the TTLs in force then:
//!   shortening a TTL takes effect at once. An answer stored "in the future"
//!   (the clock was set back) counts as expired.
//! - A new folder (mode `0770`) and file (mode `0660`) take the group of
//!   their parent, so that `root` (running `check` or `enrich` by hand) and
//!   `wazuh` (running the integration) can share one cache under
//!   `<root>/var/db`, which is `root:wazuh`, mode `0770`.

use log::{debug, info, warn};
use misp_client::Attribute;
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior, params};
use std::cell::Cell;
use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a statement waits for another process's lock before the run
/// gives up on the cache.
const BUSY_TIMEOUT: Duration = Duration::from_millis(200);

/// Marks a file as this cache (`PRAGMA application_id`): "cMSP".
const APPLICATION_ID: i32 = 0x634D_5350;

/// The schema's version (`PRAGMA user_version`). A file of an older version
/// is replaced; one of a newer version (a downgrade) is set aside.
const SCHEMA_VERSION: i32 = 2;

/// The tables; run once, when a fresh file is set up.
///
/// Kept small on purpose: every run parses it when it first touches the
/// file. A scope is stored as a 64-bit hash of its text ([`scope_key`]), and
/// every table is `WITHOUT ROWID`, so that storing an answer changes one
/// table and one index.
const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS answers (
        scope INTEGER NOT NULL,
        value TEXT NOT NULL,
        stored INTEGER NOT NULL,
        attributes TEXT,
        PRIMARY KEY (scope, value)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS answers_by_age ON answers (stored);
    CREATE TABLE IF NOT EXISTS breakers (
        misp TEXT PRIMARY KEY,
        open_until INTEGER NOT NULL,
        last_error TEXT NOT NULL,
        failures INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS counters (
        name TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    ) WITHOUT ROWID;
";

const GET: &str = "SELECT stored, attributes FROM answers WHERE scope = ?1 AND value = ?2";

const UPSERT: &str = "INSERT INTO answers (scope, value, stored, attributes) \
                      VALUES (?1, ?2, ?3, ?4) ON CONFLICT (scope, value) DO UPDATE \
                      SET stored = excluded.stored, attributes = excluded.attributes";

const EXISTS: &str = "SELECT 1 FROM answers WHERE scope = ?1 AND value = ?2";

const PURGE: &str = "DELETE FROM answers WHERE stored < ?1 AND stored < \
                     CASE WHEN attributes IS NULL THEN ?2 ELSE ?3 END";

const EVICT: &str = "DELETE FROM answers WHERE (scope, value) IN \
                     (SELECT scope, value FROM answers ORDER BY stored, scope, value LIMIT ?1)";

/// Sets the number of answers and adds the run's hits and misses, in one
/// statement.
const COUNT: &str = "INSERT INTO counters (name, value) \
                     VALUES ('answers', ?1), ('hits', ?2), ('misses', ?3) \
                     ON CONFLICT (name) DO UPDATE SET value = \
                     CASE name WHEN 'answers' THEN excluded.value ELSE value + excluded.value END";

/// Where the cache lives and how long answers are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheSettings {
    /// The SQLite file. Its folder is created (mode `0770`) when missing;
    /// SQLite keeps its journal, `<path>-journal`, beside it. No default:
    /// the binary derives it from the Wazuh root.
    pub path: PathBuf,
    /// How long a match is reused. Defaults to 1 hour; zero turns off the
    /// reuse of matches.
    pub match_ttl: Duration,
    /// How long a "no match" is reused. Defaults to 15 minutes; zero turns
    /// off the reuse of no-matches.
    pub no_match_ttl: Duration,
    /// The most answers kept; storing more evicts the oldest-stored.
    /// Defaults to 100 000 (a file of about 15 MB when one answer in ten is
    /// a match).
    pub max_entries: u64,
    /// How long the breaker stays open after a MISP failure. Defaults to
    /// 60 seconds.
    pub cooldown: Duration,
    /// Whether hits and misses are written to the file, which makes every
    /// run write (about 1 ms more a run). Defaults to `false`.
    pub count_hits: bool,
}

impl CacheSettings {
    /// Settings for a cache at `path`, every other setting at its default.
    pub fn new(path: impl Into<PathBuf>) -> CacheSettings {
        CacheSettings {
            path: path.into(),
            match_ttl: Duration::from_secs(60 * 60),
            no_match_ttl: Duration::from_secs(15 * 60),
            max_entries: 100_000,
            cooldown: Duration::from_secs(60),
            count_hits: false,
        }
    }
}

/// A remembered MISP answer for one value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cached {
    /// MISP returned these attributes for the value; a cached match still
    /// produces every event a fresh one would.
    Match(Vec<Attribute>),
    /// MISP returned nothing for the value.
    NoMatch,
}

/// The circuit breaker's state for one MISP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BreakerState {
    /// MISP has not failed lately: ask it.
    Closed,
    /// MISP failed lately: until `until`, skip the network and report
    /// `last_error` (the code given to [`Cache::record_failure`]).
    Open {
        /// When the cool-down ends.
        until: SystemTime,
        /// The error code of the failure that opened the breaker.
        last_error: String,
    },
    /// The cool-down is over and this run is the one that probes MISP; it
    /// must report the outcome with [`Cache::record_success`] or
    /// [`Cache::record_failure`]. Other runs see the breaker open meanwhile.
    HalfOpen,
}

/// What `check` reports about the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheStats {
    /// The SQLite file.
    pub path: PathBuf,
    /// Bytes on disk: the file and its journal.
    pub file_size: u64,
    /// Answers stored, expired ones included until they are purged.
    pub entries: u64,
    /// Reads that found a fresh answer, while
    /// [`CacheSettings::count_hits`] was on.
    pub hits: u64,
    /// Reads that found nothing fresh, while [`CacheSettings::count_hits`]
    /// was on.
    pub misses: u64,
    /// Every MISP whose breaker is not closed, with its state. Reading it
    /// claims no probe: a breaker whose cool-down is over shows
    /// [`BreakerState::HalfOpen`].
    pub breakers: Vec<(String, BreakerState)>,
}

/// Why the cache could not be opened or cleared. The caller goes on without
/// a cache.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError {
    /// The cache's folder is missing and could not be created (a parent is
    /// not a folder, or the user may not write there).
    #[error("cannot create the cache folder {}", path.display())]
    Folder {
        /// The folder.
        path: PathBuf,
        /// The system's reason.
        #[source]
        source: io::Error,
    },
    /// SQLite could not open or set up the file, even a fresh one.
    #[error("cannot open the cache {}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// SQLite's reason.
        #[source]
        source: rusqlite::Error,
    },
    /// Another process held the file locked beyond the busy timeout; the
    /// next run will try again.
    #[error("the cache {} is locked by another process", path.display())]
    Busy {
        /// The file.
        path: PathBuf,
        /// SQLite's report.
        #[source]
        source: rusqlite::Error,
    },
    /// The file is damaged or unusable and could not be renamed aside, or
    /// is an earlier release's and could not be removed (the folder is not
    /// writable).
    #[error("cannot set aside or replace the cache {}", path.display())]
    SetAside {
        /// The file.
        path: PathBuf,
        /// The system's reason.
        #[source]
        source: io::Error,
    },
    /// The path holds another application's SQLite database (or, while this
    /// run was setting the file up, another version of this program made
    /// it), which is left untouched: point the cache elsewhere.
    #[error("{} is not a custom-misp cache", path.display())]
    Foreign {
        /// The file.
        path: PathBuf,
    },
    /// A statement failed while the cache was being cleared; nothing was
    /// cleared.
    #[error("cannot clear the cache {}", path.display())]
    Clear {
        /// The file.
        path: PathBuf,
        /// SQLite's reason.
        #[source]
        source: rusqlite::Error,
    },
}

/// An open cache: one SQLite connection, for one run.
#[derive(Debug)]
pub struct Cache {
    conn: Connection,
    path: PathBuf,
    match_ttl: i64,
    no_match_ttl: i64,
    max_entries: i64,
    cooldown: i64,
    count_hits: bool,
    /// Set when the run gave up on the cache.
    off: Cell<bool>,
    /// Set once `synchronous=OFF` is in force, before the first write.
    writing: Cell<bool>,
    /// Hits and misses not yet written.
    hits: Cell<u64>,
    misses: Cell<u64>,
}

impl Cache {
    /// Opens the cache at `settings.path`, creating the file and its folder
    /// when missing.
    ///
    /// A damaged or unusable file is renamed aside (`<name>.corrupt-<unix
    /// time>`) with a `warn!` and a fresh one is made.
    ///
    /// # Errors
    ///
    /// When no usable file can be had: see [`CacheError`]. The caller goes
    /// on without a cache.
    pub fn open(settings: &CacheSettings) -> Result<Cache, CacheError> {
        let path = settings.path.clone();
        make_folder(&path)?;

        let conn = match connect(&path) {
            Ok(conn) => conn,
            Err(Setup::OtherVersion(old)) if old < SCHEMA_VERSION => {
                // Written by an earlier release: its answers are only a
                // cache, so start afresh.
                remove_files(&path)?;
                info!(
                    "cache {} was of schema version {old}; replaced by a fresh one",
                    path.display()
                );
                connect(&path).map_err(|err| err.into_error(&path))?
            }
            Err(damage @ (Setup::Damaged(_) | Setup::OtherVersion(_))) => {
                let reason = damage.reason();
                let aside = set_aside(&path)?;
                warn!(
                    "cache {} is unusable ({reason}); moved it to {} and started afresh",
                    path.display(),
                    aside.display()
                );
                connect(&path).map_err(|err| err.into_error(&path))?
            }
            Err(err) => return Err(err.into_error(&path)),
        };

        Ok(Cache {
            conn,
            path,
            match_ttl: millis(settings.match_ttl),
            no_match_ttl: millis(settings.no_match_ttl),
            max_entries: i64::try_from(settings.max_entries).unwrap_or(i64::MAX),
            cooldown: millis(settings.cooldown),
            count_hits: settings.count_hits,
            off: Cell::new(false),
            writing: Cell::new(false),
            hits: Cell::new(0),
            misses: Cell::new(0),
        })
    }

    /// The fresh answer stored for each of `values` under `scope`, in one
    /// read transaction. `scope` names the MISP and every query option that
    /// changes its answers. An answer is `None` when nothing is stored, it
    /// has expired, or the run gave up on the cache.
    pub fn get_many(&self, scope: &str, values: &[&str]) -> Vec<Option<Cached>> {
        self.get_many_at(scope, values, SystemTime::now())
    }

    /// Stores answers for `scope`, replacing older ones for the same values,
    /// in one transaction; evicts the oldest answers beyond the bound and
    /// purges expired ones. Never fails: trouble is a `warn!`, and the run
    /// goes on without the cache.
    pub fn put(&self, scope: &str, entries: &[(String, Cached)]) {
        self.put_at(scope, entries, SystemTime::now());
    }

    /// The file's figures and every breaker that is not closed. Figures that
    /// cannot be read are zero (with a `warn!`).
    pub fn stats(&self) -> CacheStats {
        let mut stats = CacheStats {
            path: self.path.clone(),
            file_size: file_len(&self.path) + file_len(&companion(&self.path, "-journal")),
            entries: 0,
            hits: self.hits.get(),
            misses: self.misses.get(),
            breakers: Vec::new(),
        };
        let read = self
            .read_stats(&mut stats, millis_since_epoch(SystemTime::now()))
            .and_then(|()| self.release());
        if let Err(err) = read {
            warn!(
                "cache {}: cannot read its figures: {err}",
                self.path.display()
            );
        }
        stats
    }

    /// Forgets every answer, breaker and counter, then compacts the file
    /// when no other process is using it.
    ///
    /// # Errors
    ///
    /// [`CacheError::Clear`] when the deletion fails (for instance another
    /// process holds the lock beyond the busy timeout); nothing is cleared.
    pub fn clear(&self) -> Result<(), CacheError> {
        let clear = || {
            self.for_writing()?;
            let tx = self.conn.unchecked_transaction()?;
            tx.execute_batch("DELETE FROM answers; DELETE FROM breakers; DELETE FROM counters;")?;
            tx.commit()
        };
        clear().map_err(|source| CacheError::Clear {
            path: self.path.clone(),
            source,
        })?;
        self.hits.set(0);
        self.misses.set(0);

        // Compacting is a nicety: another process reading the file makes it
        // fail, and that is fine.
        if let Err(err) = self.conn.execute_batch("VACUUM") {
            debug!("cache {}: not compacted: {err}", self.path.display());
        }
        Ok(())
    }

    /// The breaker's state for `misp` (the MISP base URL).
    ///
    /// When the cool-down is over, the first run to ask gets
    /// [`BreakerState::HalfOpen`] and with it the duty to probe; later runs
    /// see the breaker open for another cool-down, or until the prober
    /// reports. So ask only when about to query MISP, and report the outcome.
    pub fn breaker(&self, misp: &str) -> BreakerState {
        self.breaker_at(misp, SystemTime::now())
    }

    /// Records that MISP failed (`error_code` names how: refused, timeout,
    /// 5xx ...): the breaker opens for the cool-down.
    pub fn record_failure(&self, misp: &str, error_code: &str) {
        self.record_failure_at(misp, error_code, SystemTime::now());
    }

    /// Records that MISP answered: the breaker closes.
    pub fn record_success(&self, misp: &str) {
        if self.off.get() {
            return;
        }
        let close = || -> rusqlite::Result<()> {
            self.for_writing()?;
            // Only write when there is something to close: a write takes
            // the file's write lock.
            let mut exists = self
                .conn
                .prepare_cached("SELECT 1 FROM breakers WHERE misp = ?1")?;
            if exists.exists([misp])? {
                self.conn
                    .execute("DELETE FROM breakers WHERE misp = ?1", [misp])?;
                debug!("cache: breaker for {misp} closed");
            }
            Ok(())
        };
        if let Err(err) = close() {
            self.give_up("closing the breaker", &err);
        }
    }

    fn get_many_at(&self, scope: &str, values: &[&str], now: SystemTime) -> Vec<Option<Cached>> {
        if let Err(err) = self.hold_read() {
            self.give_up("reading answers", &err);
        }
        let found = values
            .iter()
            .map(|value| self.get_at(scope, value, now))
            .collect();
        if let Err(err) = self.release() {
            self.give_up("reading answers", &err);
        }
        found
    }

    fn get_at(&self, scope: &str, value: &str, now: SystemTime) -> Option<Cached> {
        if self.off.get() {
            return None;
        }
        let found = match self.read(scope, &value.to_lowercase(), millis_since_epoch(now)) {
            Ok(found) => found,
            Err(err) => {
                self.give_up("reading an answer", &err);
                return None;
            }
        };

        if self.count_hits {
            let counter = if found.is_some() {
                &self.hits
            } else {
                &self.misses
            };
            counter.set(counter.get() + 1);
        }
        found
    }

    /// The stored answer if it is fresh at `now`.
    fn read(&self, scope: &str, value: &str, now: i64) -> rusqlite::Result<Option<Cached>> {
        let mut get = self.conn.prepare_cached(GET)?;
        let row = get
            .query_row(params![scope_key(scope), value], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, Option<String>>(1)?))
            })
            .optional()?;
        let Some((stored, attributes)) = row else {
            return Ok(None);
        };

        let ttl = if attributes.is_some() {
            self.match_ttl
        } else {
            self.no_match_ttl
        };
        let age = now - stored;
        if age < 0 || age >= ttl {
            return Ok(None);
        }

        let Some(json) = attributes else {
            return Ok(Some(Cached::NoMatch));
        };
        match serde_json::from_str::<Vec<Attribute>>(&json) {
            Ok(list) => Ok(Some(Cached::Match(list))),
            Err(err) => {
                debug!("cache: stored answer for {value} unreadable, ignored: {err}");
                Ok(None)
            }
        }
    }

    fn put_at(&self, scope: &str, entries: &[(String, Cached)], now: SystemTime) {
        if self.off.get() || entries.is_empty() {
            return;
        }
        match self.write(scope, entries, millis_since_epoch(now)) {
            Ok(()) => {
                self.hits.set(0);
                self.misses.set(0);
            }
            Err(err) => self.give_up("storing answers", &err),
        }
    }

    /// One transaction: the answers, the purge, the eviction and the
    /// counters.
    fn write(&self, scope: &str, entries: &[(String, Cached)], now: i64) -> rusqlite::Result<()> {
        self.for_writing()?;
        let tx = self.conn.unchecked_transaction()?;
        let scope_id = scope_key(scope);

        let mut exists = tx.prepare_cached(EXISTS)?;
        let mut upsert = tx.prepare_cached(UPSERT)?;
        let mut added = 0;
        for (value, answer) in entries {
            let attributes = match answer {
                Cached::NoMatch => None,
                Cached::Match(list) => match serde_json::to_string(list) {
                    Ok(json) => Some(json),
                    Err(err) => {
                        debug!("cache: answer for {value} not storable, skipped: {err}");
                        continue;
                    }
                },
            };
            let value = value.to_lowercase();
            if !exists.exists(params![scope_id, value])? {
                added += 1;
            }
            upsert.execute(params![scope_id, value, now, attributes])?;
        }
        drop((exists, upsert));

        let purged = self.purge(now)?;
        let count = self.evict(added - purged)?;
        self.write_counters(Some(count))?;
        tx.commit()
    }

    /// Deletes the answers that have expired under either TTL; returns how
    /// many went.
    fn purge(&self, now: i64) -> rusqlite::Result<i64> {
        let no_match_cut = now.saturating_sub(self.no_match_ttl);
        let match_cut = now.saturating_sub(self.match_ttl);
        let purged = self.conn.prepare_cached(PURGE)?.execute(params![
            no_match_cut.max(match_cut),
            no_match_cut,
            match_cut
        ])?;
        if purged > 0 {
            debug!("cache: purged {purged} expired answers");
        }
        Ok(i64::try_from(purged).unwrap_or(i64::MAX))
    }

    /// Deletes the oldest-stored answers beyond the bound, and answers how
    /// many remain. The number of answers is kept in `counters` (row
    /// `answers`) and moved by `delta`, so that a write costs no count of
    /// the whole table; a file without that row (new, or just cleared) is
    /// counted once.
    fn evict(&self, delta: i64) -> rusqlite::Result<i64> {
        let stored: Option<i64> = self
            .conn
            .prepare_cached("SELECT value FROM counters WHERE name = 'answers'")?
            .query_row([], |r| r.get(0))
            .optional()?;
        let mut count = match stored {
            Some(count) => count.saturating_add(delta).max(0),
            None => self
                .conn
                .prepare_cached("SELECT count(*) FROM answers")?
                .query_row([], |r| r.get(0))?,
        };
        let excess = count.saturating_sub(self.max_entries);
        if excess > 0 {
            let evicted = self.conn.prepare_cached(EVICT)?.execute([excess])?;
            count -= i64::try_from(evicted).unwrap_or(excess);
            debug!("cache: evicted {evicted} oldest answers");
        }
        Ok(count)
    }

    /// Writes the counters in one statement: the number of answers when
    /// `answers` is given, and the pending hits and misses, added to the
    /// stored ones, when they are kept.
    fn write_counters(&self, answers: Option<i64>) -> rusqlite::Result<()> {
        let pending = |cell: &Cell<u64>| {
            let n = if self.count_hits { cell.get() } else { 0 };
            i64::try_from(n).unwrap_or(i64::MAX)
        };
        let (hits, misses) = (pending(&self.hits), pending(&self.misses));
        let Some(answers) = answers else {
            if hits > 0 || misses > 0 {
                self.conn
                    .prepare_cached(
                        "INSERT INTO counters (name, value) VALUES ('hits', ?1), ('misses', ?2) \
                         ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
                    )?
                    .execute(params![hits, misses])?;
            }
            return Ok(());
        };
        self.conn
            .prepare_cached(COUNT)?
            .execute(params![answers, hits, misses])?;
        Ok(())
    }

    fn breaker_at(&self, misp: &str, now: SystemTime) -> BreakerState {
        if self.off.get() {
            return BreakerState::Closed;
        }
        match self.claim(misp, millis_since_epoch(now)) {
            Ok(state) => state,
            Err(err) => {
                self.give_up("reading the breaker", &err);
                BreakerState::Closed
            }
        }
    }

    /// Reads the breaker; when its cool-down is over, claims the probe for
    /// this run by opening it for another cool-down, unless another run
    /// claimed it first.
    fn claim(&self, misp: &str, now: i64) -> rusqlite::Result<BreakerState> {
        let row = self.breaker_row(misp)?;
        let Some((open_until, last_error)) = row else {
            return Ok(BreakerState::Closed);
        };
        if now < open_until {
            return Ok(open_state(open_until, last_error));
        }

        self.for_writing()?;
        let claimed = self
            .conn
            .prepare_cached(
                "UPDATE breakers SET open_until = ?1 WHERE misp = ?2 AND open_until = ?3",
            )?
            .execute(params![now.saturating_add(self.cooldown), misp, open_until])?;
        if claimed == 1 {
            debug!("cache: breaker for {misp} half-open, this run probes");
            return Ok(BreakerState::HalfOpen);
        }

        // Another run claimed the probe (or closed the breaker) meanwhile.
        Ok(match self.breaker_row(misp)? {
            Some((until, last_error)) => open_state(until, last_error),
            None => BreakerState::Closed,
        })
    }

    fn breaker_row(&self, misp: &str) -> rusqlite::Result<Option<(i64, String)>> {
        self.conn
            .prepare_cached("SELECT open_until, last_error FROM breakers WHERE misp = ?1")?
            .query_row([misp], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()
    }

    fn record_failure_at(&self, misp: &str, error_code: &str, now: SystemTime) {
        if self.off.get() {
            return;
        }
        let until = millis_since_epoch(now).saturating_add(self.cooldown);
        let open = self.for_writing().and_then(|()| {
            self.conn.execute(
                "INSERT INTO breakers (misp, open_until, last_error, failures) \
             VALUES (?1, ?2, ?3, 1) ON CONFLICT (misp) DO UPDATE SET \
             open_until = excluded.open_until, last_error = excluded.last_error, \
             failures = failures + 1",
                params![misp, until, error_code],
            )
        });
        match open {
            Ok(_) => debug!("cache: breaker for {misp} open after {error_code}"),
            Err(err) => self.give_up("opening the breaker", &err),
        }
    }

    /// Adds the stored entries, counters and breakers to `stats`.
    fn read_stats(&self, stats: &mut CacheStats, now: i64) -> rusqlite::Result<()> {
        self.hold_read()?;
        let entries: i64 = self
            .conn
            .query_row("SELECT count(*) FROM answers", [], |r| r.get(0))?;
        stats.entries = entries.max(0).unsigned_abs();

        let mut counter = self
            .conn
            .prepare("SELECT value FROM counters WHERE name = ?1")?;
        for (name, total) in [("hits", &mut stats.hits), ("misses", &mut stats.misses)] {
            let stored: Option<i64> = counter.query_row([name], |r| r.get(0)).optional()?;
            *total += stored.unwrap_or_default().max(0).unsigned_abs();
        }

        let mut list = self
            .conn
            .prepare("SELECT misp, open_until, last_error FROM breakers")?;
        stats.breakers = list
            .query_map([], |row| {
                let (misp, until, last_error): (String, i64, String) =
                    (row.get(0)?, row.get(1)?, row.get(2)?);
                let state = if now < until {
                    open_state(until, last_error)
                } else {
                    BreakerState::HalfOpen
                };
                Ok((misp, state))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(())
    }

    /// Reads from here on share one read transaction, and so one round of
    /// file locking (a dozen system calls), until [`Cache::release`].
    fn hold_read(&self) -> rusqlite::Result<()> {
        if self.conn.is_autocommit() {
            self.conn.execute_batch("BEGIN DEFERRED")?;
        }
        Ok(())
    }

    /// Ends the read transaction, if one is open, so that other processes
    /// may write.
    fn release(&self) -> rusqlite::Result<()> {
        if !self.conn.is_autocommit() {
            self.conn.execute_batch("COMMIT")?;
        }
        Ok(())
    }

    /// Readies the connection for a write: no read transaction held, and
    /// `synchronous=OFF`, which SQLite refuses to change inside a
    /// transaction. A run that only reads never pays for the pragma.
    fn for_writing(&self) -> rusqlite::Result<()> {
        self.release()?;
        if !self.writing.get() {
            self.conn.execute_batch("PRAGMA synchronous = OFF")?;
            self.writing.set(true);
        }
        Ok(())
    }

    /// Turns the cache off for the rest of the run, with a warning; damage
    /// is also set aside so that the next run starts afresh.
    fn give_up(&self, what: &str, err: &rusqlite::Error) {
        self.off.set(true);
        let path = self.path.display();
        if !is_damage(err) {
            warn!("cache {path}: {what} failed, going on without the cache: {err}");
            return;
        }
        match set_aside(&self.path) {
            Ok(aside) => warn!(
                "cache {path}: {what} found damage ({err}); moved it to {} and going on \
                 without the cache",
                aside.display()
            ),
            Err(aside_err) => warn!(
                "cache {path}: {what} found damage ({err}) and {aside_err}; going on without \
                 the cache"
            ),
        }
    }
}

impl Drop for Cache {
    /// Writes the counts of a run that stored nothing, when they are kept.
    fn drop(&mut self) {
        if !self.count_hits || self.off.get() || self.hits.get() + self.misses.get() == 0 {
            return;
        }
        let write = || {
            self.for_writing()?;
            let tx = self.conn.unchecked_transaction()?;
            self.write_counters(None)?;
            tx.commit()
        };
        if let Err(err) = write() {
            debug!("cache {}: counts not saved: {err}", self.path.display());
        }
    }
}

/// Why [`connect`] failed.
enum Setup {
    /// The file is damaged or unusable: set it aside and try once more.
    Damaged(rusqlite::Error),
    /// The file is this cache's, from another schema version: set it aside.
    OtherVersion(i32),
    /// The file belongs to another application.
    Foreign,
    /// Another process holds a lock.
    Busy(rusqlite::Error),
    /// Anything else.
    Failed(rusqlite::Error),
}

impl Setup {
    fn reason(&self) -> String {
        match self {
            Setup::OtherVersion(version) => {
                format!("schema version {version}, this program uses {SCHEMA_VERSION}")
            }
            Setup::Damaged(err) | Setup::Busy(err) | Setup::Failed(err) => err.to_string(),
            Setup::Foreign => "another application's database".to_owned(),
        }
    }

    fn into_error(self, path: &Path) -> CacheError {
        let path = path.to_path_buf();
        match self {
            Setup::Foreign | Setup::OtherVersion(_) => CacheError::Foreign { path },
            Setup::Busy(source) => CacheError::Busy { path, source },
            Setup::Damaged(source) | Setup::Failed(source) => CacheError::Open { path, source },
        }
    }
}

/// Opens a connection on `path` with the cache's settings and checks, or
/// sets up, the schema.
fn connect(path: &Path) -> Result<Connection, Setup> {
    let existed = path.exists();
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn =
        Connection::open_with_flags(path, flags).map_err(|err| classify(err, existed))?;
    if !existed {
        share_with_group(path, 0o660);
    }
    configure(&mut conn).map_err(|err| classify(err, existed))?;

    // The journal mode and the checks share one read transaction, and so
    // one round of file locking.
    let marks = conn
        .execute_batch("BEGIN DEFERRED; PRAGMA journal_mode = TRUNCATE;")
        .and_then(|()| schema_marks(&conn))
        .and_then(|marks| conn.execute_batch("COMMIT").map(|()| marks))
        .map_err(|err| classify(err, existed))?;
    match marks {
        (APPLICATION_ID, SCHEMA_VERSION) => Ok(conn),
        (0, 0) => set_up_schema(&conn).map(|()| conn),
        (APPLICATION_ID, version) => Err(Setup::OtherVersion(version)),
        _ => Err(Setup::Foreign),
    }
}

/// Sets the connection up: busy timeout, transactions that take
/// the write lock at once. Refuses a file this user may not write, which
/// SQLite would quietly open read-only, failing every write.
fn configure(conn: &mut Connection) -> rusqlite::Result<()> {
    if conn.is_readonly(rusqlite::MAIN_DB)? {
        let read_only = rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_READONLY);
        let reason = "the file is read-only for this user".to_owned();
        return Err(rusqlite::Error::SqliteFailure(read_only, Some(reason)));
    }
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_transaction_behavior(TransactionBehavior::Immediate);
    Ok(())
}

/// `application_id` and `user_version`.
fn schema_marks(conn: &Connection) -> rusqlite::Result<(i32, i32)> {
    let app = conn.pragma_query_value(None, "application_id", |row| row.get(0))?;
    let version = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    Ok((app, version))
}

/// Creates the tables in a file that has none, under the write lock so that
/// two processes setting up one file agree.
fn set_up_schema(conn: &Connection) -> Result<(), Setup> {
    let classify = |err: rusqlite::Error| classify(err, true);
    let tx = conn.unchecked_transaction().map_err(classify)?;

    // Another process may have set it up while this one waited.
    match schema_marks(&tx).map_err(classify)? {
        (APPLICATION_ID, SCHEMA_VERSION) => return Ok(()),
        (0, 0) => {}
        _ => return Err(Setup::Foreign),
    }
    let tables: i64 = tx
        .query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))
        .map_err(classify)?;
    if tables > 0 {
        return Err(Setup::Foreign);
    }

    tx.execute_batch(SCHEMA).map_err(classify)?;
    tx.pragma_update(None, "application_id", APPLICATION_ID)
        .map_err(classify)?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)
        .map_err(classify)?;
    tx.commit().map_err(classify)
}

/// Sorts an error met while opening: damage (and, for a file that exists,
/// being unable to open or write it) calls for setting the file aside; a
/// lock calls for giving up this run.
fn classify(err: rusqlite::Error, existed: bool) -> Setup {
    match err.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Setup::Busy(err),
        _ if is_damage(&err) => Setup::Damaged(err),
        Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied | ErrorCode::ReadOnly)
            if existed =>
        {
            Setup::Damaged(err)
        }
        _ => Setup::Failed(err),
    }
}

/// True when SQLite says the file is not a sound database.
fn is_damage(err: &rusqlite::Error) -> bool {
    matches!(
        err.sqlite_error_code(),
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase)
    )
}

/// Creates the cache's folder when missing, shared with the group of its
/// parent (`wazuh` under `<root>/var/db`), mode `0770`.
fn make_folder(path: &Path) -> Result<(), CacheError> {
    let Some(folder) = path
        .parent()
        .filter(|folder| !folder.as_os_str().is_empty())
    else {
        return Ok(());
    };
    if folder.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o770)
        .create(folder)
        .map_err(|source| CacheError::Folder {
            path: folder.to_path_buf(),
            source,
        })?;
    share_with_group(folder, 0o770);
    Ok(())
}

/// Gives a new file or folder `mode` and the group of its parent, so that
/// `root` (running commands by hand) and `wazuh` (running the integration)
/// can share it. SQLite gives its journal the file's mode and owner. Best
/// effort: a user who may not change the group leaves it as it is.
fn share_with_group(path: &Path, mode: u32) {
    let share = || -> io::Result<()> {
        fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
        let parent = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let group = fs::metadata(parent)?.gid();
        if fs::metadata(path)?.gid() != group {
            std::os::unix::fs::chown(path, None, Some(group))?;
        }
        Ok(())
    };
    if let Err(err) = share() {
        debug!(
            "cache: {} not shared with its parent's group: {err}",
            path.display()
        );
    }
}

/// Renames the file and its companions (journal, and WAL files should a
/// foreign tool have switched it to WAL mode) to
/// `<name>.corrupt-<unix seconds>`; answers the new name.
fn set_aside(path: &Path) -> Result<PathBuf, CacheError> {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".corrupt-{seconds}"));
    let aside = PathBuf::from(name);

    fs::rename(path, &aside).map_err(|source| CacheError::SetAside {
        path: path.to_path_buf(),
        source,
    })?;

    // A stale journal must not be replayed into the fresh file.
    for suffix in ["-journal", "-wal", "-shm"] {
        let from = companion(path, suffix);
        match fs::rename(&from, companion(&aside, suffix)) {
            Err(err) if err.kind() != io::ErrorKind::NotFound => {
                let _ = fs::remove_file(&from);
            }
            _ => {}
        }
    }
    Ok(aside)
}

/// Removes the file and its companions.
fn remove_files(path: &Path) -> Result<(), CacheError> {
    for suffix in ["", "-journal", "-wal", "-shm"] {
        match fs::remove_file(companion(path, suffix)) {
            Err(err) if err.kind() != io::ErrorKind::NotFound => {
                return Err(CacheError::SetAside {
                    path: path.to_path_buf(),
                    source: err,
                });
            }
            _ => {}
        }
    }
    Ok(())
}

/// `<path><suffix>`, as SQLite names its companion files.
fn companion(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn file_len(path: &Path) -> u64 {
    fs::metadata(path).map(|meta| meta.len()).unwrap_or(0)
}

fn open_state(until: i64, last_error: String) -> BreakerState {
    let until = UNIX_EPOCH + Duration::from_millis(until.max(0).unsigned_abs());
    BreakerState::Open { until, last_error }
}

/// A duration in whole milliseconds, saturated.
fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// The key a scope's answers are stored under: the 64-bit FNV-1a hash of
/// its text. Scopes come from the configuration, a handful per manager, so
/// a collision (odds about one in 10^18 for ten scopes) is not a concern;
/// the hash keeps each answer's key short and the schema to one table.
fn scope_key(scope: &str) -> i64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let hash = scope.bytes().fold(OFFSET, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    });
    i64::from_ne_bytes(hash.to_ne_bytes())
}

/// Milliseconds since the Unix epoch; negative before it.
fn millis_since_epoch(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => millis(after),
        Err(before) => -millis(before.duration()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    const SCOPE: &str = "https://misp.example.org to_ids=1";
    const MISP: &str = "https://misp.example.org";

    /// A fixed "now" for tests, so that expiry needs no sleeping.
    fn t0() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_800_000_000)
    }

    fn minutes(n: u64) -> Duration {
        Duration::from_secs(60 * n)
    }

    fn settings_in(dir: &tempfile::TempDir) -> CacheSettings {
        CacheSettings::new(dir.path().join("custom-misp").join("cache.sqlite"))
    }

    fn attribute(value: &str) -> Attribute {
        serde_json::from_value(serde_json::json!({
            "id": "4021", "event_id": "88", "object_id": "0",
            "category": "Network activity", "type": "ip-dst", "value": value,
            "to_ids": true, "uuid": "5f0c2a47-1b6e-4d39-9a51-0b7c3e1d2f60",
            "timestamp": "1767225600", "distribution": "5", "comment": "C2 node",
            "deleted": false, "first_seen": null, "last_seen": "2026-01-01T00:00:00+00:00",
            "Event": {"id": "88", "info": "Botnet C2 servers", "org_id": "1",
                      "orgc_id": "2", "uuid": "2d9e7c15-8a40-4b6f-b3c2-71e05f9a6d18",
                      "distribution": "1", "publish_timestamp": "1767225700"},
            "Tag": [{"id": "3", "name": "tlp:amber", "colour": "#FFC000"},
                    {"id": "9", "name": "misp-galaxy:botnet=\"Mirai\"", "is_galaxy": true}]
        }))
        .expect("the test attribute is valid")
    }

    fn entry(value: &str, answer: Cached) -> (String, Cached) {
        (value.to_owned(), answer)
    }

    fn set_aside_files(dir: &Path) -> Vec<PathBuf> {
        fs::read_dir(dir)
            .expect("the cache folder exists")
            .map(|item| item.expect("readable folder entry").path())
            .filter(|path| {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                name.split_once(".corrupt-")
                    .is_some_and(|(_, time)| time.bytes().all(|b| b.is_ascii_digit()))
            })
            .collect()
    }

    #[test]
    fn a_stored_match_comes_back_whole_in_the_next_run_until_its_ttl() {
        let dir = tempfile::tempdir().unwrap();
        let settings = settings_in(&dir);
        let matched = Cached::Match(vec![attribute("185.220.101.1")]);

        let first_run = Cache::open(&settings).unwrap();
        first_run.put_at(SCOPE, &[entry("185.220.101.1", matched.clone())], t0());
        drop(first_run);

        let next_run = Cache::open(&settings).unwrap();
        let fresh = t0() + minutes(59);
        assert_eq!(
            next_run.get_at(SCOPE, "185.220.101.1", fresh),
            Some(matched)
        );
        assert_eq!(
            next_run.get_at(SCOPE, "185.220.101.1", t0() + minutes(60)),
            None
        );
    }

    #[test]
    fn a_no_match_expires_on_its_own_shorter_ttl() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&settings_in(&dir)).unwrap();
        let matched = Cached::Match(vec![attribute("45.33.32.156")]);
        cache.put_at(
            SCOPE,
            &[
                entry("45.33.32.156", matched.clone()),
                entry("2a00:1450:4001::1", Cached::NoMatch),
            ],
            t0(),
        );

        let later = t0() + minutes(14);
        assert_eq!(
            cache.get_at(SCOPE, "2a00:1450:4001::1", later),
            Some(Cached::NoMatch)
        );

        let past_no_match_ttl = t0() + minutes(15);
        assert_eq!(
            cache.get_at(SCOPE, "2a00:1450:4001::1", past_no_match_ttl),
            None
        );
        assert_eq!(
            cache.get_at(SCOPE, "45.33.32.156", past_no_match_ttl),
            Some(matched)
        );
    }

    #[test]
    fn custom_ttls_are_honoured_and_zero_turns_reuse_off() {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = settings_in(&dir);
        settings.match_ttl = Duration::ZERO;
        settings.no_match_ttl = Duration::from_secs(30);
        let cache = Cache::open(&settings).unwrap();
        let matched = Cached::Match(vec![attribute("185.220.101.1")]);
        cache.put_at(
            SCOPE,
            &[
                entry("185.220.101.1", matched),
                entry("45.33.32.156", Cached::NoMatch),
            ],
            t0(),
        );

        assert_eq!(cache.get_at(SCOPE, "185.220.101.1", t0()), None);
        let within = t0() + Duration::from_secs(29);
        assert_eq!(
            cache.get_at(SCOPE, "45.33.32.156", within),
            Some(Cached::NoMatch)
        );
        let past = t0() + Duration::from_secs(30);
        assert_eq!(cache.get_at(SCOPE, "45.33.32.156", past), None);
    }

    #[test]
    fn an_answer_stored_in_the_future_counts_as_expired() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&settings_in(&dir)).unwrap();
        cache.put_at(SCOPE, &[entry("evil.example", Cached::NoMatch)], t0());

        let clock_set_back = t0() - Duration::from_secs(1);
        assert_eq!(cache.get_at(SCOPE, "evil.example", clock_set_back), None);
    }

    #[test]
    fn values_match_without_regard_to_case() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&settings_in(&dir)).unwrap();
        let hash = "D41D8CD98F00B204E9800998ECF8427E";
        cache.put_at(
            SCOPE,
            &[
                entry("Evil.Example", Cached::NoMatch),
                entry(hash, Cached::NoMatch),
            ],
            t0(),
        );

        assert_eq!(
            cache.get_at(SCOPE, "evil.example", t0()),
            Some(Cached::NoMatch)
        );
        assert_eq!(
            cache.get_at(SCOPE, "EVIL.EXAMPLE", t0()),
            Some(Cached::NoMatch)
        );
        assert_eq!(
            cache.get_at(SCOPE, &hash.to_lowercase(), t0()),
            Some(Cached::NoMatch)
        );
    }

    #[test]
    fn answers_under_one_scope_are_not_seen_under_another() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&settings_in(&dir)).unwrap();
        cache.put_at(SCOPE, &[entry("evil.example", Cached::NoMatch)], t0());

        let other_options = "https://misp.example.org to_ids=0";
        assert_eq!(cache.get_at(other_options, "evil.example", t0()), None);
        assert_eq!(
            cache.get_at("https://other.example.org", "evil.example", t0()),
            None
        );
    }

    #[test]
    fn a_newer_answer_replaces_the_older_one() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&settings_in(&dir)).unwrap();
        cache.put_at(SCOPE, &[entry("185.220.101.1", Cached::NoMatch)], t0());
        let matched = Cached::Match(vec![attribute("185.220.101.1")]);
        cache.put_at(
            SCOPE,
            &[entry("185.220.101.1", matched.clone())],
            t0() + minutes(1),
        );

        assert_eq!(
            cache.get_at(SCOPE, "185.220.101.1", t0() + minutes(2)),
            Some(matched)
        );
        assert_eq!(cache.stats().entries, 1);
    }

    #[test]
    fn storing_beyond_the_bound_evicts_the_oldest_answers() {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = settings_in(&dir);
        settings.max_entries = 10;
        let cache = Cache::open(&settings).unwrap();

        for n in 0..15 {
            let stored = t0() + Duration::from_secs(n);
            cache.put_at(
                SCOPE,
                &[entry(&format!("host-{n}.example"), Cached::NoMatch)],
                stored,
            );
        }

        assert_eq!(cache.stats().entries, 10);
        let now = t0() + Duration::from_secs(20);
        for n in 0..5 {
            assert_eq!(
                cache.get_at(SCOPE, &format!("host-{n}.example"), now),
                None,
                "{n}"
            );
        }
        for n in 5..15 {
            let found = cache.get_at(SCOPE, &format!("host-{n}.example"), now);
            assert_eq!(found, Some(Cached::NoMatch), "host-{n}");
        }
    }

    #[test]
    fn the_bound_counts_answers_not_writes_and_survives_a_clear() {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = settings_in(&dir);
        settings.max_entries = 3;
        let cache = Cache::open(&settings).unwrap();

        // Storing one value again replaces its answer: it is still one.
        for n in 0..10 {
            let stored = t0() + Duration::from_secs(n);
            cache.put_at(SCOPE, &[entry("again.example", Cached::NoMatch)], stored);
        }
        let later = t0() + Duration::from_secs(11);
        cache.put_at(SCOPE, &[entry("a.example", Cached::NoMatch)], later);
        cache.put_at(SCOPE, &[entry("b.example", Cached::NoMatch)], later);
        assert_eq!(cache.stats().entries, 3, "nothing evicted below the bound");

        // After a clear the count starts afresh, and the bound still holds.
        cache.clear().unwrap();
        for n in 0..5 {
            let stored = t0() + Duration::from_secs(20 + n);
            cache.put_at(
                SCOPE,
                &[entry(&format!("c{n}.example"), Cached::NoMatch)],
                stored,
            );
        }
        assert_eq!(cache.stats().entries, 3);
        let now = t0() + Duration::from_secs(30);
        assert_eq!(
            cache.get_at(SCOPE, "c4.example", now),
            Some(Cached::NoMatch)
        );
        assert_eq!(cache.get_at(SCOPE, "c0.example", now), None);
    }

    #[test]
    fn expired_answers_are_purged_when_answers_are_stored() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&settings_in(&dir)).unwrap();
        let matched = Cached::Match(vec![attribute("185.220.101.1")]);
        cache.put_at(
            SCOPE,
            &[
                entry("old.example", Cached::NoMatch),
                entry("185.220.101.1", matched),
            ],
            t0(),
        );

        cache.put_at(
            SCOPE,
            &[entry("new.example", Cached::NoMatch)],
            t0() + minutes(20),
        );

        // The no-match has expired and is gone; the match (1 hour) stays.
        assert_eq!(cache.stats().entries, 2);
        let now = t0() + minutes(21);
        assert!(cache.get_at(SCOPE, "185.220.101.1", now).is_some());
        assert!(cache.get_at(SCOPE, "new.example", now).is_some());
    }

    #[test]
    fn a_garbage_file_is_set_aside_and_a_fresh_cache_works() {
        let dir = tempfile::tempdir().unwrap();
        let settings = settings_in(&dir);
        let folder = settings.path.parent().unwrap().to_path_buf();
        fs::create_dir_all(&folder).unwrap();
        let garbage = b"not a database at all, just bytes \x00\x01\x02".repeat(200);
        fs::write(&settings.path, &garbage).unwrap();

        let cache = Cache::open(&settings).unwrap();
        cache.put_at(SCOPE, &[entry("evil.example", Cached::NoMatch)], t0());
        assert_eq!(
            cache.get_at(SCOPE, "evil.example", t0()),
            Some(Cached::NoMatch)
        );

        let aside = set_aside_files(&folder);
        assert_eq!(aside.len(), 1, "{aside:?}");
        assert_eq!(fs::read(&aside[0]).unwrap(), garbage);
    }

    #[test]
    fn damage_found_after_opening_is_set_aside_and_the_run_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let settings = settings_in(&dir);
        let entries: Vec<_> = (0..2000)
            .map(|n| entry(&format!("host-{n}.example"), Cached::NoMatch))
            .collect();
        Cache::open(&settings)
            .unwrap()
            .put_at(SCOPE, &entries, t0());

        // Keep the first page (header and schema) and scramble the rest.
        let mut bytes = fs::read(&settings.path).unwrap();
        let page = usize::from(u16::from_be_bytes([bytes[16], bytes[17]]));
        bytes[page..]
            .iter_mut()
            .enumerate()
            .for_each(|(i, b)| *b = (i % 251) as u8);
        fs::write(&settings.path, &bytes).unwrap();

        let cache = Cache::open(&settings).unwrap();
        assert_eq!(cache.get_at(SCOPE, "host-7.example", t0()), None);
        cache.put_at(SCOPE, &[entry("evil.example", Cached::NoMatch)], t0());
        assert_eq!(cache.breaker_at(MISP, t0()), BreakerState::Closed);
        assert_eq!(set_aside_files(settings.path.parent().unwrap()).len(), 1);

        let next_run = Cache::open(&settings).unwrap();
        next_run.put_at(SCOPE, &[entry("evil.example", Cached::NoMatch)], t0());
        assert_eq!(
            next_run.get_at(SCOPE, "evil.example", t0()),
            Some(Cached::NoMatch)
        );
    }

    #[test]
    fn a_location_that_cannot_be_created_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let not_a_folder = dir.path().join("plain-file");
        fs::write(&not_a_folder, "x").unwrap();

        let settings = CacheSettings::new(not_a_folder.join("cache.sqlite"));
        let err = Cache::open(&settings).unwrap_err();
        assert!(matches!(err, CacheError::Folder { .. }), "{err:?}");

        let nested = CacheSettings::new(not_a_folder.join("deeper").join("cache.sqlite"));
        assert!(Cache::open(&nested).is_err());
    }

    #[test]
    fn another_applications_database_is_refused_and_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.sqlite");
        let other = Connection::open(&path).unwrap();
        other
            .execute_batch("CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('ann');")
            .unwrap();
        drop(other);
        let before = fs::read(&path).unwrap();

        let err = Cache::open(&CacheSettings::new(&path)).unwrap_err();
        assert!(matches!(err, CacheError::Foreign { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!("{} is not a custom-misp cache", path.display())
        );
        assert_eq!(fs::read(&path).unwrap(), before);
        assert!(set_aside_files(dir.path()).is_empty());
    }

    /// A cache holding one answer, in a file then marked as of `version`.
    fn cache_of_version(dir: &tempfile::TempDir, version: i32) -> CacheSettings {
        let settings = settings_in(dir);
        Cache::open(&settings).unwrap().put_at(
            SCOPE,
            &[entry("old.example", Cached::NoMatch)],
            t0(),
        );
        Connection::open(&settings.path)
            .unwrap()
            .pragma_update(None, "user_version", version)
            .unwrap();
        settings
    }

    #[test]
    fn a_cache_of_a_later_schema_version_is_set_aside_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let settings = cache_of_version(&dir, SCHEMA_VERSION + 5);

        let cache = Cache::open(&settings).unwrap();
        assert_eq!(cache.get_at(SCOPE, "old.example", t0()), None);
        assert_eq!(cache.stats().entries, 0);
        assert_eq!(set_aside_files(settings.path.parent().unwrap()).len(), 1);
    }

    #[test]
    fn a_cache_of_an_earlier_schema_version_is_replaced_without_a_trace() {
        let dir = tempfile::tempdir().unwrap();
        let settings = cache_of_version(&dir, SCHEMA_VERSION - 1);

        let cache = Cache::open(&settings).unwrap();
        assert_eq!(cache.get_at(SCOPE, "old.example", t0()), None);
        cache.put_at(SCOPE, &[entry("new.example", Cached::NoMatch)], t0());
        assert_eq!(cache.stats().entries, 1);
        assert!(set_aside_files(settings.path.parent().unwrap()).is_empty());
        let version: i32 = Connection::open(&settings.path)
            .unwrap()
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
    }

    #[test]
    fn a_new_folder_and_file_are_writable_by_the_parents_group() {
        let dir = tempfile::tempdir().unwrap();
        let settings = settings_in(&dir);
        drop(Cache::open(&settings).unwrap());

        let file = fs::metadata(&settings.path).unwrap();
        let folder = fs::metadata(settings.path.parent().unwrap()).unwrap();
        let parent = fs::metadata(dir.path()).unwrap();
        assert_eq!(file.mode() & 0o777, 0o660);
        assert_eq!(folder.mode() & 0o777, 0o770);
        assert_eq!(file.gid(), folder.gid());
        assert_eq!(folder.gid(), parent.gid());
    }

    #[test]
    fn two_handles_writing_at_once_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let settings = settings_in(&dir);
        drop(Cache::open(&settings).unwrap());

        let writers: Vec<_> = ["left", "right"]
            .into_iter()
            .map(|tag| {
                let settings = settings.clone();
                std::thread::spawn(move || {
                    let cache = Cache::open(&settings).unwrap();
                    for n in 0..WRITES {
                        cache.put_at(
                            SCOPE,
                            &[entry(&format!("{tag}-{n}.example"), Cached::NoMatch)],
                            t0(),
                        );
                    }
                    assert!(!cache.off.get(), "{tag} gave up on the cache");
                })
            })
            .collect();
        writers
            .into_iter()
            .for_each(|writer| writer.join().unwrap());

        let cache = Cache::open(&settings).unwrap();
        assert_eq!(cache.stats().entries, 2 * WRITES as u64);
        for tag in ["left", "right"] {
            for n in 0..WRITES {
                let value = format!("{tag}-{n}.example");
                assert_eq!(
                    cache.get_at(SCOPE, &value, t0()),
                    Some(Cached::NoMatch),
                    "{value}"
                );
            }
        }
    }

    /// The name of a test of this module as the test harness knows it.
    fn test_name(name: &str) -> String {
        let module = module_path!();
        let module = module.split_once("::").map_or(module, |(_, rest)| rest);
        format!("{module}::{name}")
    }

    #[test]
    fn two_processes_writing_at_once_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let settings = settings_in(&dir);
        drop(Cache::open(&settings).unwrap());

        let spawn = |tag: &str| {
            Command::new(std::env::current_exe().unwrap())
                .args([
                    &test_name("writer_process"),
                    "--exact",
                    "--ignored",
                    "--test-threads=1",
                ])
                .env(
                    "CACHE_TEST_WRITER",
                    format!("{}|{tag}", settings.path.display()),
                )
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        // Both start before either is waited for, so that they overlap.
        let running = [spawn("one"), spawn("two")];
        for child in running {
            let output = child.wait_with_output().unwrap();
            let text = String::from_utf8_lossy(&output.stdout);
            assert!(
                output.status.success() && text.contains("1 passed"),
                "{text}"
            );
        }

        let cache = Cache::open(&settings).unwrap();
        for tag in ["one", "two"] {
            for n in 0..WRITES {
                let value = format!("{tag}-{n}.example");
                assert_eq!(
                    cache.get_at(SCOPE, &value, t0()),
                    Some(Cached::NoMatch),
                    "{value}"
                );
            }
        }
    }

    const WRITES: usize = 300;

    /// Run by `two_processes_writing_at_once_lose_nothing` in a child
    /// process; does nothing when run otherwise.
    #[test]
    #[ignore = "a helper that the multi-process test runs in a child process"]
    fn writer_process() {
        let Ok(job) = std::env::var("CACHE_TEST_WRITER") else {
            return;
        };
        let (path, tag) = job.split_once('|').unwrap();
        let cache = Cache::open(&CacheSettings::new(path)).unwrap();
        for n in 0..WRITES {
            cache.put_at(
                SCOPE,
                &[entry(&format!("{tag}-{n}.example"), Cached::NoMatch)],
                t0(),
            );
        }
        assert!(!cache.off.get(), "{tag} gave up on the cache");
    }

    /// Holds the file's write lock, as a slow process would, until dropped.
    fn lock_exclusively(path: &Path) -> Connection {
        let other = Connection::open(path).unwrap();
        other.execute_batch("BEGIN EXCLUSIVE").unwrap();
        other
    }

    #[test]
    fn a_lock_held_too_long_makes_the_run_go_on_without_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let settings = settings_in(&dir);
        let cache = Cache::open(&settings).unwrap();
        cache.put_at(SCOPE, &[entry("evil.example", Cached::NoMatch)], t0());

        let other = lock_exclusively(&settings.path);
        assert_eq!(cache.get_at(SCOPE, "evil.example", t0()), None);
        drop(other);

        // Given up for the rest of this run, even with the lock gone.
        assert_eq!(cache.get_at(SCOPE, "evil.example", t0()), None);
        cache.put_at(SCOPE, &[entry("lost.example", Cached::NoMatch)], t0());
        cache.record_failure_at(MISP, "timeout", t0());
        assert_eq!(cache.breaker_at(MISP, t0()), BreakerState::Closed);

        // The next run finds the file as it was, not set aside.
        let next_run = Cache::open(&settings).unwrap();
        assert_eq!(
            next_run.get_at(SCOPE, "evil.example", t0()),
            Some(Cached::NoMatch)
        );
        assert_eq!(next_run.get_at(SCOPE, "lost.example", t0()), None);
        assert_eq!(next_run.breaker_at(MISP, t0()), BreakerState::Closed);
        assert!(set_aside_files(settings.path.parent().unwrap()).is_empty());
    }

    #[test]
    fn opening_a_locked_cache_fails_without_setting_it_aside() {
        let dir = tempfile::tempdir().unwrap();
        let settings = settings_in(&dir);
        drop(Cache::open(&settings).unwrap());

        let other = lock_exclusively(&settings.path);
        let err = Cache::open(&settings).unwrap_err();
        drop(other);

        assert!(matches!(err, CacheError::Busy { .. }), "{err:?}");
        assert!(set_aside_files(settings.path.parent().unwrap()).is_empty());
        assert!(Cache::open(&settings).is_ok());
    }

    #[test]
    fn the_breaker_opens_on_failure_and_holds_through_the_cooldown() {
        let dir = tempfile::tempdir().unwrap();
        let settings = settings_in(&dir);
        let cache = Cache::open(&settings).unwrap();
        assert_eq!(cache.breaker_at(MISP, t0()), BreakerState::Closed);

        cache.record_failure_at(MISP, "timeout", t0());
        drop(cache);

        let open = BreakerState::Open {
            until: t0() + Duration::from_secs(60),
            last_error: "timeout".to_owned(),
        };
        let next_run = Cache::open(&settings).unwrap();
        assert_eq!(
            next_run.breaker_at(MISP, t0() + Duration::from_secs(1)),
            open
        );
        assert_eq!(
            next_run.breaker_at(MISP, t0() + Duration::from_secs(59)),
            open
        );
        assert_eq!(
            next_run.breaker_at("https://other.example.org", t0()),
            BreakerState::Closed
        );
    }

    #[test]
    fn reads_hold_no_lock_once_they_are_done() {
        let dir = tempfile::tempdir().unwrap();
        let settings = settings_in(&dir);
        let reader = Cache::open(&settings).unwrap();
        let writer = Cache::open(&settings).unwrap();
        writer.put_at(SCOPE, &[entry("a.example", Cached::NoMatch)], t0());

        let found = reader.get_many_at(SCOPE, &["a.example", "b.example"], t0());
        assert_eq!(found, vec![Some(Cached::NoMatch), None]);
        assert!(reader.conn.is_autocommit(), "the read transaction ended");
        reader.stats();
        assert!(reader.conn.is_autocommit(), "stats end theirs too");

        // The writer is not kept waiting by the reader's finished reads.
        writer.put_at(SCOPE, &[entry("b.example", Cached::NoMatch)], t0());
        assert!(!writer.off.get(), "the write went through");
        assert_eq!(
            reader.get_many_at(SCOPE, &["b.example"], t0()),
            vec![Some(Cached::NoMatch)]
        );
    }

    #[test]
    fn after_the_cooldown_exactly_one_run_probes() {
        let dir = tempfile::tempdir().unwrap();
        let settings = settings_in(&dir);
        Cache::open(&settings)
            .unwrap()
            .record_failure_at(MISP, "refused", t0());

        let after = t0() + Duration::from_secs(61);
        let prober = Cache::open(&settings).unwrap();
        let bystander = Cache::open(&settings).unwrap();
        assert_eq!(prober.breaker_at(MISP, after), BreakerState::HalfOpen);
        assert_eq!(
            bystander.breaker_at(MISP, after),
            BreakerState::Open {
                until: after + Duration::from_secs(60),
                last_error: "refused".into()
            }
        );
        let report = bystander.stats().breakers;
        assert_eq!(report.len(), 1);
        assert_eq!(report[0].0, MISP);
    }

    #[test]
    fn a_failed_probe_reopens_and_a_successful_one_closes() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&settings_in(&dir)).unwrap();
        cache.record_failure_at(MISP, "refused", t0());

        let probe = t0() + Duration::from_secs(60);
        assert_eq!(cache.breaker_at(MISP, probe), BreakerState::HalfOpen);
        cache.record_failure_at(MISP, "http-500", probe);
        let reopened = BreakerState::Open {
            until: probe + Duration::from_secs(60),
            last_error: "http-500".to_owned(),
        };
        assert_eq!(
            cache.breaker_at(MISP, probe + Duration::from_secs(30)),
            reopened
        );

        let second_probe = probe + Duration::from_secs(60);
        assert_eq!(cache.breaker_at(MISP, second_probe), BreakerState::HalfOpen);
        cache.record_success(MISP);
        assert_eq!(cache.breaker_at(MISP, second_probe), BreakerState::Closed);
        assert!(cache.stats().breakers.is_empty());
    }

    #[test]
    fn the_cooldown_is_a_setting() {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = settings_in(&dir);
        settings.cooldown = Duration::from_secs(5);
        let cache = Cache::open(&settings).unwrap();
        cache.record_failure_at(MISP, "timeout", t0());

        let open = cache.breaker_at(MISP, t0() + Duration::from_secs(4));
        assert!(matches!(open, BreakerState::Open { .. }), "{open:?}");
        assert_eq!(
            cache.breaker_at(MISP, t0() + Duration::from_secs(5)),
            BreakerState::HalfOpen
        );
    }

    #[test]
    fn clear_forgets_answers_breakers_and_counts() {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = settings_in(&dir);
        settings.count_hits = true;
        let cache = Cache::open(&settings).unwrap();
        cache.put_at(SCOPE, &[entry("evil.example", Cached::NoMatch)], t0());
        assert!(cache.get_at(SCOPE, "evil.example", t0()).is_some());
        cache.record_failure_at(MISP, "timeout", t0());

        cache.clear().unwrap();

        assert_eq!(cache.get_at(SCOPE, "evil.example", t0()), None);
        assert_eq!(cache.breaker_at(MISP, t0()), BreakerState::Closed);
        let stats = cache.stats();
        assert_eq!((stats.entries, stats.hits, stats.misses), (0, 0, 1));
    }

    #[test]
    fn hits_and_misses_are_kept_across_runs_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = settings_in(&dir);
        settings.count_hits = true;

        let first = Cache::open(&settings).unwrap();
        assert_eq!(first.get_at(SCOPE, "evil.example", t0()), None);
        first.put_at(SCOPE, &[entry("evil.example", Cached::NoMatch)], t0());
        drop(first);
        let second = Cache::open(&settings).unwrap();
        assert!(second.get_at(SCOPE, "evil.example", t0()).is_some());
        assert!(second.get_at(SCOPE, "EVIL.example", t0()).is_some());
        drop(second);

        let stats = Cache::open(&settings).unwrap().stats();
        assert_eq!((stats.hits, stats.misses), (2, 1));
        assert_eq!(stats.path, settings.path);
        assert!(stats.file_size >= 4096, "{}", stats.file_size);
    }

    #[test]
    fn a_run_whose_answers_are_all_cached_leaves_the_file_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let settings = settings_in(&dir);
        let cache = Cache::open(&settings).unwrap();
        cache.put_at(SCOPE, &[entry("evil.example", Cached::NoMatch)], t0());
        drop(cache);
        let before = fs::read(&settings.path).unwrap();

        let run = Cache::open(&settings).unwrap();
        assert!(run.get_at(SCOPE, "evil.example", t0()).is_some());
        assert_eq!(run.get_at(SCOPE, "absent.example", t0()), None);
        assert_eq!(run.breaker_at(MISP, t0()), BreakerState::Closed);
        run.record_success(MISP);
        drop(run);

        assert_eq!(fs::read(&settings.path).unwrap(), before);
        let stats = Cache::open(&settings).unwrap().stats();
        assert_eq!((stats.hits, stats.misses), (0, 0));
    }

    #[test]
    fn error_messages_name_the_cache_and_leave_the_cause_to_source() {
        let err = CacheError::Busy {
            path: PathBuf::from("/var/ossec/var/db/custom-misp/cache.sqlite"),
            source: rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                None,
            ),
        };
        assert_eq!(
            err.to_string(),
            "the cache /var/ossec/var/db/custom-misp/cache.sqlite is locked by another process"
        );
        assert!(std::error::Error::source(&err).is_some());
    }
}
