//! The up-to-date record of a batch: what each output was made from.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::Profile;

/// The key that says an output is up to date: the source's identity, the profile, roughcut's
/// build.
pub(super) fn freshness_key(identity: &str, profile: &Profile) -> String {
    let text = format!(
        "{}+{} {} {}",
        env!("CARGO_PKG_VERSION"),
        env!("ROUGHCUT_SOURCE_HASH"),
        identity,
        serde_json::to_string(&(&profile.output, profile.short_side)).unwrap_or_default()
    );
    blake3::hash(text.as_bytes()).to_hex()[..32].to_string()
}

/// The record of what each output was made from: `<out>/.roughcut-transcode.json`.
pub(super) struct Manifest {
    path: PathBuf,
    entries: Mutex<BTreeMap<String, String>>,
}

impl Manifest {
    pub(super) fn open(out_dir: &Path) -> Manifest {
        let path = out_dir.join(".roughcut-transcode.json");
        let entries = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        Manifest {
            path,
            entries: Mutex::new(entries),
        }
    }
    pub(super) fn fresh(&self, rel: &str, key: &str, output: &Path) -> bool {
        output.exists()
            && self
                .entries
                .lock()
                .is_ok_and(|e| e.get(rel).is_some_and(|k| k == key))
    }
    /// Record an output, writing the manifest atomically.
    pub(super) fn record(&self, rel: &str, key: &str) {
        let Ok(mut e) = self.entries.lock() else {
            return;
        };
        e.insert(rel.to_string(), key.to_string());
        if let Ok(text) = serde_json::to_string_pretty(&*e) {
            let tmp = self.path.with_extension("json.partial");
            if std::fs::write(&tmp, text).is_ok() {
                let _ = std::fs::rename(&tmp, &self.path);
            }
        }
    }
}
