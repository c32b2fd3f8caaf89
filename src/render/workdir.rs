//! The render's temporary folder beside the output (same file system, so the final rename is
//! atomic), the sweep of folders that killed renders left, and the sources' stamps that tell
//! whether a source changed while rendering.

use std::path::{Path, PathBuf};

use crate::plan::Plan;

use super::{io, RenderError, RenderOptions};

/// The output's folder (created) and the render's temporary folder, removed when dropped,
/// whatever happens. A shard writes only the cache: its folder is in the cache's `tmp`.
pub(super) fn make(
    plan: &Plan,
    opts: &RenderOptions,
) -> Result<(PathBuf, tempfile::TempDir), RenderError> {
    let parent = plan
        .output
        .path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let shard_only = opts.shard.is_some();
    if !shard_only {
        std::fs::create_dir_all(&parent).map_err(io(&parent))?;
    }
    let work_base = if shard_only {
        opts.cache
            .as_ref()
            .map_or(parent.clone(), |c| c.root().join("tmp"))
    } else {
        parent.clone()
    };
    let host = host_tag();
    sweep_dead(&work_base, &host);
    let work = tempfile::Builder::new()
        .prefix(&format!(".roughcut-{}-{host}-", std::process::id()))
        .tempdir_in(&work_base)
        .map_err(io(&work_base))?;
    Ok((parent, work))
}

/// Size and modification time of every file a plan reads, when the render begins.
pub(super) type Stamps = Vec<(PathBuf, Option<(u64, std::time::SystemTime)>)>;

fn stamp(path: &Path) -> Option<(u64, std::time::SystemTime)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.len(), m.modified().ok()?))
}

pub(super) fn stamps(plan: &Plan) -> Stamps {
    plan.source_files()
        .into_iter()
        .map(|p| {
            let s = stamp(&p);
            (p, s)
        })
        .collect()
}

/// The first file whose size or time moved since `before`.
pub(super) fn changed(before: &Stamps) -> Option<PathBuf> {
    before
        .iter()
        .find(|(p, s)| stamp(p) != *s)
        .map(|(p, _)| p.clone())
}

/// A short tag of this machine's name: a temporary folder names the machine and the process
/// of its render, so a folder shared by several machines (a network share) is only ever swept
/// by the machine whose process made it.
fn host_tag() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .unwrap_or_default();
    blake3::hash(name.trim().as_bytes()).to_hex()[..8].to_string()
}

/// Remove the temporary folders that renders killed outright (`kill -9`, a power cut) left in
/// `dir`: each is named `.roughcut-PID-HOST-…` after its render's process and machine, and one
/// of this machine whose process is gone (no `/proc/PID`) is nobody's. Where `/proc` is not
/// there, nothing is touched.
fn sweep_dead(dir: &Path, host: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(".roughcut-") else {
            continue;
        };
        let mut parts = rest.split('-');
        let (Some(pid), Some(tag)) = (parts.next(), parts.next()) else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        let alive = Path::new("/proc").join(pid.to_string()).exists();
        if tag == host && !alive && e.file_type().is_ok_and(|t| t.is_dir()) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}
