//! The content-addressed segment cache: finished segments stored under their plan key, so a
//! re-render reuses every segment whose inputs did not change.
//!
//! Layout: `<root>/segments/<key[..2]>/<key>/` holds `video.vpk`, `sound.pcm` and `meta.json`
//! (sizes and BLAKE3 hashes of both files, the encoder's parameter sets, frame and sample
//! counts). An entry is written into `<root>/tmp/` and renamed into place in one step, so a
//! crash or Ctrl-C never leaves a half-written entry under its key, and two processes writing
//! the same key both succeed (the second finds the first's entry and drops its own). An entry is
//! verified before every use; one that fails is removed and reported, and the segment is rendered
//! again.
//!
//! Beside the segments: `outputs/` (finished output files under their program key), `sound/`
//! (blobs: encoded sound chunks, [`Cache::blob`]), `facts/` (probe facts by file identity) and
//! `hashes/` (a file's content hash by path, size and time). All entries but facts and hashes
//! count toward `stats`, `clean` and the size limit.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

/// Where the cache lives unless `--cache-dir` says otherwise: `$ROUGHCUT_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/roughcut`, else `~/.cache/roughcut`.
pub fn default_dir() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    env("ROUGHCUT_CACHE_DIR")
        .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("roughcut")))
        .or_else(|| env("HOME").map(|h| h.join(".cache").join("roughcut")))
}

/// A segment cache rooted at a folder.
#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
}

/// What `meta.json` records about an entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Meta {
    key: String,
    roughcut: String,
    frames: i64,
    samples: i64,
    /// The encoder's parameter sets, hex.
    extradata: String,
    video: FileMeta,
    sound: FileMeta,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct FileMeta {
    bytes: u64,
    blake3: String,
}

/// A verified entry: its files and what the assembler needs to know.
#[derive(Debug, Clone)]
pub struct Entry {
    pub video: PathBuf,
    pub sound: PathBuf,
    pub extradata: Vec<u8>,
    pub frames: i64,
    pub samples: i64,
}

/// Hard links to the files of the entries a render uses, in a folder of the cache's own, so
/// that `cache clean` or another render's eviction cannot take a file away between the
/// look-up and the assembly. The folder goes when the pins are dropped; a killed render's is
/// removed by `cache clean` a day later.
#[derive(Debug)]
pub struct Pins {
    dir: Option<PathBuf>,
    count: std::sync::atomic::AtomicU64,
}

impl Pins {
    /// `e` with its files pinned (the same entry when they cannot be linked: the file system
    /// has no hard links).
    pub fn pin(&self, e: Entry) -> Entry {
        let Some(dir) = &self.dir else { return e };
        let n = self
            .count
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (video, sound) = (
            dir.join(format!("{n}.video")),
            dir.join(format!("{n}.sound")),
        );
        if std::fs::hard_link(&e.video, &video).is_ok()
            && std::fs::hard_link(&e.sound, &sound).is_ok()
        {
            Entry { video, sound, ..e }
        } else {
            e
        }
    }
}

impl Drop for Pins {
    fn drop(&mut self) {
        if let Some(d) = &self.dir {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

/// A finished output file kept in the cache, and what its render reported.
#[derive(Debug, Clone)]
pub struct StoredOutput {
    pub file: PathBuf,
    pub details: serde_json::Value,
}

/// What an output entry's `meta.json` records.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct OutputMeta {
    key: String,
    bytes: u64,
    blake3: String,
    /// Modification time of the stored file (ns since the epoch): while it is unchanged the
    /// file is trusted without hashing it again.
    mtime: u128,
    details: serde_json::Value,
}

fn mtime_nanos(m: &std::fs::Metadata) -> u128 {
    m.modified()
        .ok()
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos())
}

/// The result of looking a key up.
#[derive(Debug)]
pub enum Lookup {
    Hit(Entry),
    Miss,
    /// There was an entry, but it failed verification; it has been removed.
    Corrupt(String),
}

/// Totals for `roughcut cache stats`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    pub dir: PathBuf,
    pub entries: u64,
    pub bytes: u64,
    /// Age of the least recently used entry, seconds.
    pub oldest_seconds: Option<u64>,
    /// Age of the most recently used entry, seconds.
    pub newest_seconds: Option<u64>,
    /// Files of media facts and content hashes (a few KB per source; `clean --older-than`
    /// removes those not used for that long).
    pub facts_files: u64,
    pub facts_bytes: u64,
}

fn hash_file(path: &Path) -> std::io::Result<(u64, String)> {
    let mut hasher = blake3::Hasher::new();
    let file = std::fs::File::open(path)?;
    let bytes = file.metadata()?.len();
    hasher.update_reader(file)?;
    Ok((bytes, hasher.finalize().to_hex().to_string()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A unique-enough name for a temporary folder: process id, time and a counter.
fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{prefix}-{}-{nanos}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

impl Cache {
    /// Open (creating) the cache at `root`.
    pub fn open(root: &Path) -> std::io::Result<Cache> {
        std::fs::create_dir_all(root.join("segments"))?;
        std::fs::create_dir_all(root.join("tmp"))?;
        Ok(Cache {
            root: root.to_path_buf(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the facts of the file `path` with `identity` are kept: keyed by roughcut's version
    /// and build, the path and the identity (size and content hash), so a changed file or a
    /// changed roughcut never reads old facts.
    fn facts_file(&self, path: &Path, identity: &str) -> PathBuf {
        let mut h = blake3::Hasher::new();
        h.update(env!("CARGO_PKG_VERSION").as_bytes());
        h.update(env!("ROUGHCUT_SOURCE_HASH").as_bytes());
        h.update(path.as_os_str().as_encoded_bytes());
        h.update(identity.as_bytes());
        let key = h.finalize().to_hex()[..32].to_string();
        self.root
            .join("facts")
            .join(&key[..2])
            .join(format!("{key}.json"))
    }

    /// The facts of a media file stored by an earlier probe (`None`: none, or unreadable).
    pub fn facts(&self, path: &Path, identity: &str) -> Option<crate::facts::MediaFacts> {
        let file = self.facts_file(path, identity);
        let text = std::fs::read_to_string(&file).ok()?;
        let facts = serde_json::from_str(&text).ok()?;
        // Mark it used, for `cache clean --older-than`.
        let _ = std::fs::File::options()
            .append(true)
            .open(&file)
            .and_then(|f| f.set_modified(SystemTime::now()));
        Some(facts)
    }

    /// Every file of media facts and content hashes, with its size and last use.
    fn notes(&self) -> Vec<(PathBuf, u64, SystemTime)> {
        let mut out = Vec::new();
        for top in ["facts", "hashes"] {
            let Ok(shards) = std::fs::read_dir(self.root.join(top)) else {
                continue;
            };
            for shard in shards.flatten() {
                for f in std::fs::read_dir(shard.path())
                    .into_iter()
                    .flatten()
                    .flatten()
                {
                    if let Some(m) = f.metadata().ok().filter(|m| m.is_file()) {
                        let used = m.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                        out.push((f.path(), m.len(), used));
                    }
                }
            }
        }
        out
    }

    /// Keep a media file's facts for the next probe (written under a temporary name and
    /// renamed; a failure only means the next probe measures again).
    pub fn store_facts(&self, path: &Path, identity: &str, facts: &crate::facts::MediaFacts) {
        let file = self.facts_file(path, identity);
        let (Some(dir), Ok(text)) = (file.parent(), serde_json::to_string(facts)) else {
            return;
        };
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        let tmp = file.with_extension(format!("json.{}.partial", std::process::id()));
        if std::fs::write(&tmp, text).is_ok() && std::fs::rename(&tmp, &file).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }

    fn output_dir(&self, key: &str) -> PathBuf {
        let shard = key.get(..2).unwrap_or("00");
        self.root.join("outputs").join(shard).join(key)
    }

    /// The finished output file stored under the program key `key`, verified: its size, and
    /// its BLAKE3 hash unless its modification time is still the one recorded when it was
    /// stored. A damaged entry is removed and reads as a miss.
    pub fn output(&self, key: &str) -> Option<StoredOutput> {
        let dir = self.output_dir(key);
        let meta: OutputMeta =
            serde_json::from_str(&std::fs::read_to_string(dir.join("meta.json")).ok()?).ok()?;
        let file = dir.join("output");
        let stat = std::fs::metadata(&file).ok();
        let same_time = stat
            .as_ref()
            .is_some_and(|m| m.len() == meta.bytes && mtime_nanos(m) == meta.mtime);
        let good = meta.key == key
            && (same_time
                || hash_file(&file).is_ok_and(|(b, h)| b == meta.bytes && h == meta.blake3));
        if !good {
            let aside = self.root.join("tmp").join(unique("corrupt"));
            if std::fs::rename(&dir, &aside).is_ok() {
                let _ = std::fs::remove_dir_all(&aside);
            }
            return None;
        }
        let _ = std::fs::File::options()
            .append(true)
            .open(dir.join("meta.json"))
            .and_then(|f| f.set_modified(SystemTime::now()));
        Some(StoredOutput {
            file,
            details: meta.details,
        })
    }

    /// Keep a finished output file under the program key `key` (a hard link when the cache is
    /// on the same file system, else a copy), with `details` to give back on a hit.
    pub fn store_output(
        &self,
        key: &str,
        file: &Path,
        details: serde_json::Value,
    ) -> std::io::Result<()> {
        let dir = self.output_dir(key);
        if dir.exists() {
            return Ok(());
        }
        let staging = self.staging()?;
        let kept = staging.join("output");
        if std::fs::hard_link(file, &kept).is_err() {
            std::fs::copy(file, &kept)?;
        }
        let (bytes, blake3) = hash_file(&kept)?;
        let meta = OutputMeta {
            key: key.to_string(),
            bytes,
            blake3,
            mtime: mtime_nanos(&std::fs::metadata(&kept)?),
            details,
        };
        std::fs::write(
            staging.join("meta.json"),
            serde_json::to_string_pretty(&meta).map_err(std::io::Error::other)?,
        )?;
        if let Some(parent) = dir.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let moved = std::fs::rename(&staging, &dir);
        if moved.is_err() {
            let _ = std::fs::remove_dir_all(&staging);
        }
        match moved {
            Ok(()) => Ok(()),
            // Another process stored it first.
            Err(_) if dir.exists() => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn blob_dir(&self, area: &str, key: &str) -> PathBuf {
        let shard = key.get(..2).unwrap_or("00");
        self.root.join(area).join(shard).join(key)
    }

    /// The bytes kept under `key` in `area` (e.g. `sound`: encoded sound chunks), when they are
    /// there whole (`meta.json` names the key and the size). A read marks the entry used.
    pub fn blob(&self, area: &str, key: &str) -> Option<Vec<u8>> {
        let dir = self.blob_dir(area, key);
        let meta: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("meta.json")).ok()?).ok()?;
        let bytes = std::fs::read(dir.join("data")).ok()?;
        if meta["key"] != key || meta["bytes"].as_u64() != Some(bytes.len() as u64) {
            return None;
        }
        let _ = std::fs::File::options()
            .append(true)
            .open(dir.join("meta.json"))
            .and_then(|f| f.set_modified(SystemTime::now()));
        Some(bytes)
    }

    /// Keep `bytes` under `key` in `area` (written in `tmp/` and renamed into place; an entry
    /// another process stored first is kept).
    pub fn store_blob(&self, area: &str, key: &str, bytes: &[u8]) -> std::io::Result<()> {
        let dir = self.blob_dir(area, key);
        if dir.exists() {
            return Ok(());
        }
        let staging = self.staging()?;
        std::fs::write(staging.join("data"), bytes)?;
        std::fs::write(
            staging.join("meta.json"),
            serde_json::json!({ "key": key, "bytes": bytes.len() }).to_string(),
        )?;
        if let Some(parent) = dir.parent() {
            std::fs::create_dir_all(parent)?;
        }
        if std::fs::rename(&staging, &dir).is_err() {
            let _ = std::fs::remove_dir_all(&staging);
        }
        Ok(())
    }

    fn entry_dir(&self, key: &str) -> PathBuf {
        let shard = key.get(..2).unwrap_or("00");
        self.root.join("segments").join(shard).join(key)
    }

    /// Remove the entry `key`, if there is one (set aside, then deleted: a reader never sees
    /// half of it).
    pub fn remove(&self, key: &str) {
        let dir = self.entry_dir(key);
        let aside = self.root.join("tmp").join(unique("drop"));
        if std::fs::rename(&dir, &aside).is_ok() {
            let _ = std::fs::remove_dir_all(&aside);
        }
    }

    /// Look `key` up and verify the entry (sizes and hashes of its files).
    pub fn lookup(&self, key: &str) -> Lookup {
        let dir = self.entry_dir(key);
        if !dir.exists() {
            return Lookup::Miss;
        }
        match self.verify(&dir, key) {
            Ok(entry) => {
                // Mark it used, for `cache clean` (least recently used first).
                let _ = std::fs::File::options()
                    .append(true)
                    .open(dir.join("meta.json"))
                    .and_then(|f| f.set_modified(SystemTime::now()));
                Lookup::Hit(entry)
            }
            Err(reason) => {
                // Move it aside first (atomic), then delete: a concurrent reader never sees a
                // half-deleted entry under the key.
                let aside = self.root.join("tmp").join(unique("corrupt"));
                if std::fs::rename(&dir, &aside).is_ok() {
                    let _ = std::fs::remove_dir_all(&aside);
                }
                Lookup::Corrupt(reason)
            }
        }
    }

    fn verify(&self, dir: &Path, key: &str) -> Result<Entry, String> {
        let text = std::fs::read_to_string(dir.join("meta.json"))
            .map_err(|e| format!("meta.json unreadable: {e}"))?;
        let meta: Meta =
            serde_json::from_str(&text).map_err(|e| format!("meta.json damaged: {e}"))?;
        if meta.key != key {
            return Err(format!("meta.json names key {}", meta.key));
        }
        let video = dir.join("video.vpk");
        let sound = dir.join("sound.pcm");
        for (path, want) in [(&video, &meta.video), (&sound, &meta.sound)] {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            let name = name.unwrap_or_default();
            let (bytes, hash) = hash_file(path).map_err(|e| format!("{name} unreadable: {e}"))?;
            if bytes != want.bytes {
                return Err(format!("{name} is {bytes} bytes, {} expected", want.bytes));
            }
            if hash != want.blake3 {
                return Err(format!("{name} does not match its hash"));
            }
        }
        Ok(Entry {
            video,
            sound,
            extradata: unhex(&meta.extradata).ok_or("meta.json: bad extradata")?,
            frames: meta.frames,
            samples: meta.samples,
        })
    }

    /// A new, empty set of pins (see [`Pins`]); without a folder for them, pinning does nothing.
    pub fn pins(&self) -> Pins {
        let dir = self.root.join("tmp").join(unique("pin"));
        Pins {
            dir: std::fs::create_dir_all(&dir).ok().map(|()| dir),
            count: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// A fresh temporary folder inside the cache to render a segment into.
    pub fn staging(&self) -> std::io::Result<PathBuf> {
        let dir = self.root.join("tmp").join(unique("seg"));
        std::fs::create_dir_all(&dir)?;
        Ok(dir)
    }

    /// Store a rendered segment's files (in a staging folder) under `key`, atomically.
    #[allow(clippy::too_many_arguments)]
    pub fn commit(
        &self,
        key: &str,
        staging: &Path,
        video: &Path,
        sound: &Path,
        extradata: &[u8],
        frames: i64,
        samples: i64,
    ) -> std::io::Result<Entry> {
        let (vb, vh) = hash_file(video)?;
        let (sb, sh) = hash_file(sound)?;
        let entry_tmp = staging.join("entry");
        std::fs::create_dir_all(&entry_tmp)?;
        std::fs::rename(video, entry_tmp.join("video.vpk"))?;
        std::fs::rename(sound, entry_tmp.join("sound.pcm"))?;
        let meta = Meta {
            key: key.to_string(),
            roughcut: env!("CARGO_PKG_VERSION").to_string(),
            frames,
            samples,
            extradata: hex(extradata),
            video: FileMeta {
                bytes: vb,
                blake3: vh,
            },
            sound: FileMeta {
                bytes: sb,
                blake3: sh,
            },
        };
        let text = serde_json::to_string_pretty(&meta).map_err(std::io::Error::other)?;
        std::fs::write(entry_tmp.join("meta.json"), text)?;
        let dir = self.entry_dir(key);
        if let Some(parent) = dir.parent() {
            std::fs::create_dir_all(parent)?;
        }
        match std::fs::rename(&entry_tmp, &dir) {
            Ok(()) => {}
            // Another process stored the same key first: theirs is as good as ours.
            Err(_) if dir.exists() => {}
            Err(e) => return Err(e),
        }
        let _ = std::fs::remove_dir_all(staging);
        match self.lookup(key) {
            Lookup::Hit(e) => Ok(e),
            Lookup::Miss | Lookup::Corrupt(_) => Err(std::io::Error::other(format!(
                "the cache entry {key} could not be stored"
            ))),
        }
    }

    /// Every entry with its size and last use.
    fn entries(&self) -> Vec<(PathBuf, u64, SystemTime)> {
        let mut out = Vec::new();
        let shards = ["segments", "outputs", "sound"]
            .iter()
            .filter_map(|d| std::fs::read_dir(self.root.join(d)).ok())
            .flatten();
        for shard in shards.flatten() {
            let Ok(keys) = std::fs::read_dir(shard.path()) else {
                continue;
            };
            for k in keys.flatten() {
                let dir = k.path();
                let bytes: u64 = std::fs::read_dir(&dir)
                    .map(|files| {
                        files
                            .flatten()
                            .filter_map(|f| f.metadata().ok())
                            .map(|m| m.len())
                            .sum()
                    })
                    .unwrap_or(0);
                let used = std::fs::metadata(dir.join("meta.json"))
                    .and_then(|m| m.modified())
                    .unwrap_or(SystemTime::UNIX_EPOCH);
                out.push((dir, bytes, used));
            }
        }
        out
    }

    pub fn stats(&self) -> Stats {
        let entries = self.entries();
        let now = SystemTime::now();
        let age = |t: SystemTime| now.duration_since(t).map_or(0, |d| d.as_secs());
        let notes = self.notes();
        Stats {
            dir: self.root.clone(),
            entries: entries.len() as u64,
            bytes: entries.iter().map(|e| e.1).sum(),
            oldest_seconds: entries.iter().map(|e| e.2).min().map(age),
            newest_seconds: entries.iter().map(|e| e.2).max().map(age),
            facts_files: notes.len() as u64,
            facts_bytes: notes.iter().map(|n| n.1).sum(),
        }
    }

    /// Remove entries not used for `older_than`, then the least recently used until the cache
    /// holds at most `max_size` bytes; also leftovers of interrupted renders in `tmp/` older
    /// than an hour. Returns (entries removed, bytes freed).
    pub fn clean(&self, older_than: Option<Duration>, max_size: Option<u64>) -> (u64, u64) {
        self.evict(older_than, max_size, None)
    }

    /// After a render: remove the least recently used entries until the cache holds at most
    /// `max_size` bytes, never one used at or after `keep_since` (the render's own).
    /// Returns (entries removed, bytes freed).
    pub fn trim(&self, max_size: u64, keep_since: SystemTime) -> (u64, u64) {
        self.evict(None, Some(max_size), Some(keep_since))
    }

    fn evict(
        &self,
        older_than: Option<Duration>,
        max_size: Option<u64>,
        keep_since: Option<SystemTime>,
    ) -> (u64, u64) {
        let mut entries = self.entries();
        entries.sort_by_key(|e| e.2);
        let now = SystemTime::now();
        let mut total: u64 = entries.iter().map(|e| e.1).sum();
        let (mut removed, mut freed) = (0, 0);
        for (dir, bytes, used) in entries {
            let stale = older_than
                .is_some_and(|limit| now.duration_since(used).is_ok_and(|age| age > limit));
            let over = max_size.is_some_and(|m| total > m);
            let kept = keep_since.is_some_and(|t| used >= t);
            if kept || !(stale || over) {
                continue;
            }
            let aside = self.root.join("tmp").join(unique("clean"));
            if std::fs::rename(&dir, &aside).is_ok() && std::fs::remove_dir_all(&aside).is_ok() {
                removed += 1;
                freed += bytes;
                total = total.saturating_sub(bytes);
            }
        }
        // Facts and hashes not read for `older_than` (a source gone, or changed long ago).
        if let Some(limit) = older_than {
            for (file, _, used) in self.notes() {
                if now.duration_since(used).is_ok_and(|age| age > limit) {
                    let _ = std::fs::remove_file(file);
                }
            }
        }
        if let Ok(tmp) = std::fs::read_dir(self.root.join("tmp")) {
            for t in tmp.flatten() {
                // A render's pins live as long as the render: a day before they count as a
                // killed render's; staging and set-aside folders an hour.
                let pinned = t.file_name().to_string_lossy().starts_with("pin-");
                let limit = Duration::from_secs(if pinned { 86_400 } else { 3600 });
                let old = t
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|m| now.duration_since(m).ok())
                    .is_some_and(|age| age > limit);
                if old {
                    let _ = std::fs::remove_dir_all(t.path());
                }
            }
        }
        (removed, freed)
    }
}

/// A source file's identity for cache keys: its size and a BLAKE3 hash of its whole content.
/// A copy, a fresh checkout, a restored backup or a `touch` keep it; any change to the bytes
/// changes it. Hashing reads the whole file, so with a cache the hash is kept under the file's
/// path, size and modification time and read back while those three are unchanged (a file
/// whose time or size moved is hashed again — and keeps its identity if its bytes did not
/// change).
pub fn source_identity(path: &Path, cache: Option<&Cache>) -> std::io::Result<String> {
    // Asked before opening: opening a FIFO blocks until something writes to it.
    if let Some(why) = crate::facts::not_a_regular_file(&std::fs::metadata(path)?) {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, why));
    }
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    let len = meta.len();
    let mtime = meta
        .modified()
        .ok()
        .and_then(|m| m.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    let stamp = cache.map(|c| {
        let full = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let mut h = blake3::Hasher::new();
        h.update(full.as_os_str().as_encoded_bytes());
        h.update(&len.to_le_bytes());
        h.update(&mtime.to_le_bytes());
        let key = h.finalize().to_hex()[..32].to_string();
        c.root.join("hashes").join(&key[..2]).join(key)
    });
    let valid = |s: &str| {
        s.split_once('-').is_some_and(|(n, h)| {
            n.parse::<u64>() == Ok(len) && h.len() == 32 && h.bytes().all(|b| b.is_ascii_hexdigit())
        })
    };
    if let Some(known) = stamp
        .as_ref()
        .and_then(|s| std::fs::read_to_string(s).ok())
        .filter(|s| valid(s))
    {
        if let Some(s) = &stamp {
            // Mark it used, for `cache clean --older-than`.
            let _ = std::fs::File::options()
                .append(true)
                .open(s)
                .and_then(|f| f.set_modified(SystemTime::now()));
        }
        return Ok(known);
    }
    // Read in blocks, each hashed on every core: memory stays at one block, whatever the size
    // (mapping the whole file would count a 2 GB source as 2 GB of resident memory).
    let mut hasher = blake3::Hasher::new();
    let mut block = vec![0u8; 8 << 20];
    let mut file = file;
    loop {
        let mut filled = 0;
        while filled < block.len() {
            match std::io::Read::read(&mut file, &mut block[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if filled == 0 {
            break;
        }
        hasher.update_rayon(&block[..filled]);
    }
    let identity = format!("{len}-{}", &hasher.finalize().to_hex()[..32]);
    if let Some(stamp) = stamp {
        // Kept for the next look; a failure only means hashing again next time.
        if let Some(dir) = stamp.parent() {
            if std::fs::create_dir_all(dir).is_ok() {
                let tmp = stamp.with_extension(format!("{}.partial", std::process::id()));
                if std::fs::write(&tmp, &identity).is_ok() && std::fs::rename(&tmp, &stamp).is_err()
                {
                    let _ = std::fs::remove_file(&tmp);
                }
            }
        }
    }
    Ok(identity)
}

/// A size such as `500M`, `2G`, `1.5G` or a number of bytes.
pub fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let (num, mult) = match t.char_indices().last()? {
        (i, 'k' | 'K') => (&t[..i], 1u64 << 10),
        (i, 'm' | 'M') => (&t[..i], 1 << 20),
        (i, 'g' | 'G') => (&t[..i], 1 << 30),
        (i, 't' | 'T') => (&t[..i], 1 << 40),
        _ => (t, 1),
    };
    let v: f64 = num.trim().parse().ok()?;
    (v.is_finite() && v >= 0.0).then_some((v * mult as f64) as u64)
}

/// A duration such as `7d`, `12h`, `30m` or `90s`.
pub fn parse_age(text: &str) -> Option<Duration> {
    let t = text.trim();
    let (i, unit) = t.char_indices().last()?;
    let n: u64 = t[..i].trim().parse().ok()?;
    let secs = match unit {
        's' => n,
        'm' => n * 60,
        'h' => n * 3600,
        'd' => n * 86_400,
        'w' => n * 604_800,
        _ => return None,
    };
    Some(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_ages() {
        assert_eq!(parse_size("2G"), Some(2 << 30));
        assert_eq!(parse_size("1.5M"), Some(3 << 19));
        assert_eq!(parse_size("1000"), Some(1000));
        assert_eq!(parse_size("lots"), None);
        assert_eq!(parse_age("7d"), Some(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_age("90s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_age("3 fortnights"), None);
    }

    #[test]
    fn entries_verify_and_damage_is_detected() {
        let root = tempfile::tempdir().unwrap();
        let cache = Cache::open(root.path()).unwrap();
        let key = "ab12cd";
        let stage = cache.staging().unwrap();
        std::fs::write(stage.join("v"), b"video bytes").unwrap();
        std::fs::write(stage.join("s"), vec![0u8; 4096]).unwrap();
        let e = cache
            .commit(
                key,
                &stage,
                &stage.join("v"),
                &stage.join("s"),
                &[1, 2, 255],
                10,
                20,
            )
            .unwrap();
        assert_eq!(e.extradata, [1, 2, 255]);
        assert!(matches!(cache.lookup(key), Lookup::Hit(_)));
        assert_eq!(cache.stats().entries, 1);
        // Truncate the sound: detected, removed, a miss afterwards.
        std::fs::write(&e.sound, vec![0u8; 100]).unwrap();
        match cache.lookup(key) {
            Lookup::Corrupt(reason) => assert!(reason.contains("sound.pcm is 100 bytes")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(cache.lookup(key), Lookup::Miss));
        assert_eq!(cache.stats().entries, 0);
    }
}
