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

mod evict;
mod facts;
mod identity;
mod outputs;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

pub use evict::{parse_age, parse_size};
pub use identity::source_identity;

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
pub(crate) struct Pins {
    dir: Option<PathBuf>,
    count: std::sync::atomic::AtomicU64,
}

impl Pins {
    /// `e` with its files pinned (the same entry when they cannot be linked: the file system
    /// has no hard links).
    pub(crate) fn pin(&self, e: Entry) -> Entry {
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
pub(crate) struct StoredOutput {
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
pub(crate) enum Lookup {
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

    fn entry_dir(&self, key: &str) -> PathBuf {
        let shard = key.get(..2).unwrap_or("00");
        self.root.join("segments").join(shard).join(key)
    }

    /// Remove the entry `key`, if there is one (set aside, then deleted: a reader never sees
    /// half of it).
    pub(crate) fn remove(&self, key: &str) {
        let dir = self.entry_dir(key);
        let aside = self.root.join("tmp").join(unique("drop"));
        if std::fs::rename(&dir, &aside).is_ok() {
            let _ = std::fs::remove_dir_all(&aside);
        }
    }

    /// Look `key` up and verify the entry (sizes and hashes of its files).
    pub(crate) fn lookup(&self, key: &str) -> Lookup {
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
    pub(crate) fn pins(&self) -> Pins {
        let dir = self.root.join("tmp").join(unique("pin"));
        Pins {
            dir: std::fs::create_dir_all(&dir).ok().map(|()| dir),
            count: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// A fresh temporary folder inside the cache to render a segment into.
    pub(crate) fn staging(&self) -> std::io::Result<PathBuf> {
        let dir = self.root.join("tmp").join(unique("seg"));
        std::fs::create_dir_all(&dir)?;
        Ok(dir)
    }

    /// Store a rendered segment's files (in a staging folder) under `key`, atomically.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn commit(
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
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

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
