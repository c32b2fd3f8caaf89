//! The facts cache: a file's probe facts and colour verdict kept under its identity, and the
//! notes kept beside them.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::*;

impl Cache {
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
    pub(crate) fn facts(&self, path: &Path, identity: &str) -> Option<crate::facts::MediaFacts> {
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
    pub(super) fn notes(&self) -> Vec<(PathBuf, u64, SystemTime)> {
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
    pub(crate) fn store_facts(
        &self,
        path: &Path,
        identity: &str,
        facts: &crate::facts::MediaFacts,
    ) {
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
}
