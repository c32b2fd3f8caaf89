//! Walking a folder, the one way roughcut does it (`transcode`'s inputs, `import`'s media
//! index): every regular file under it, in name order, hidden ones skipped. Folders reached
//! through symbolic links are not followed — a link to a parent would never end, and the tree
//! is the folder's own — while linked files are read where they point. FIFOs, devices, sockets
//! and broken links are passed over. A folder that cannot be read is reported, never dropped
//! silently. Files only: no FFmpeg, no probing.

use std::path::{Path, PathBuf};

/// What a walk found.
#[derive(Debug, Default)]
pub struct Walked {
    /// The regular files, in name order (full paths).
    pub files: Vec<PathBuf>,
    /// The folders (or entries of them) that could not be read, in the order met.
    pub unreadable: Vec<Unreadable>,
}

/// A folder whose listing could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{}: cannot read this folder ({})", folder.display(), reason(source))]
pub struct Unreadable {
    pub folder: PathBuf,
    #[source]
    pub source: std::io::Error,
}

fn reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "not found".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// The regular files under `dir` (itself followed when it is a link: it was given), but for
/// hidden ones and the folder `skip` (compared resolved: an output folder inside an input).
pub fn files(dir: &Path, skip: Option<&Path>) -> Walked {
    let mut walked = Walked::default();
    walk(dir, skip, &mut walked);
    walked.files.sort();
    walked
}

fn walk(dir: &Path, skip: Option<&Path>, out: &mut Walked) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(source) => {
            out.unreadable.push(Unreadable {
                folder: dir.to_path_buf(),
                source,
            });
            return;
        }
    };
    for e in entries {
        let e = match e {
            Ok(e) => e,
            Err(source) => {
                out.unreadable.push(Unreadable {
                    folder: dir.to_path_buf(),
                    source,
                });
                continue;
            }
        };
        let p = e.path();
        if e.file_name().to_string_lossy().starts_with('.') {
            continue; // hidden files, and roughcut's own temporaries
        }
        // The entry itself, not where a link points: linked folders are not followed.
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_dir() {
            if skip.is_some_and(|s| std::fs::canonicalize(&p).is_ok_and(|c| c == s)) {
                continue;
            }
            walk(&p, skip, out);
        } else if std::fs::metadata(&p).is_ok_and(|m| m.is_file()) {
            out.files.push(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::files;

    #[test]
    fn a_link_to_a_parent_ends_and_lists_each_file_once() {
        let dir = std::env::temp_dir().join(format!("roughcut-walk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let media = dir.join("media");
        std::fs::create_dir_all(media.join("day1")).unwrap();
        std::fs::write(media.join("A001.mov"), b"").unwrap();
        std::fs::write(media.join("day1").join("B002.mov"), b"").unwrap();
        std::fs::write(media.join(".hidden.mov"), b"").unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&dir, media.join("up")).unwrap();
            std::os::unix::fs::symlink(&media, media.join("day1").join("again")).unwrap();
            std::os::unix::fs::symlink(media.join("A001.mov"), media.join("linked.mov")).unwrap();
        }
        let walked = files(&media, None);
        let names: Vec<String> = walked
            .files
            .iter()
            .map(|f| f.strip_prefix(&media).unwrap().display().to_string())
            .collect();
        let mut expected = vec!["A001.mov", "day1/B002.mov"];
        if cfg!(unix) {
            expected.push("linked.mov");
        }
        assert_eq!(names, expected);
        assert!(walked.unreadable.is_empty());
        let missing = files(&dir.join("nowhere"), None);
        assert_eq!(missing.unreadable.len(), 1);
        assert!(missing.unreadable[0]
            .to_string()
            .ends_with("nowhere: cannot read this folder (not found)"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
