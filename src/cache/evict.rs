//! What the cache holds and how it is trimmed: entries by last use, stats, `clean` and the size
//! limit; sizes and ages as people write them.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use super::*;

impl Cache {
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
