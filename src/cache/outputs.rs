//! Finished outputs under their program key, and blobs (encoded sound chunks) under theirs.

use std::path::{Path, PathBuf};

use super::*;

impl Cache {
    fn output_dir(&self, key: &str) -> PathBuf {
        let shard = key.get(..2).unwrap_or("00");
        self.root.join("outputs").join(shard).join(key)
    }

    /// The finished output file stored under the program key `key`, verified: its size, and
    /// its BLAKE3 hash unless its modification time is still the one recorded when it was
    /// stored. A damaged entry is removed and reads as a miss.
    pub(crate) fn output(&self, key: &str) -> Option<StoredOutput> {
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
    pub(crate) fn store_output(
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
    pub(crate) fn blob(&self, area: &str, key: &str) -> Option<Vec<u8>> {
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
    pub(crate) fn store_blob(&self, area: &str, key: &str, bytes: &[u8]) -> std::io::Result<()> {
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
}
