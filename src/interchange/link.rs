//! Which media file an event is, as far as names tell: the media index (files by name and
//! stem), reel maps (`--reel-map`, JSON or CSV) and paths as lists write them. Pure: the
//! caller walks the folders, reads the map and looks at the files.

use std::collections::HashMap;
use std::path::PathBuf;

/// The files under the `--media` folders, by lower-case name and by lower-case stem (the
/// first in name order wins).
#[derive(Debug, Default)]
pub(crate) struct MediaIndex {
    by_name: HashMap<String, PathBuf>,
    by_stem: HashMap<String, PathBuf>,
}

impl MediaIndex {
    /// The index of `files` (in name order).
    pub(crate) fn new(files: &[PathBuf]) -> MediaIndex {
        let mut by_name = HashMap::new();
        let mut by_stem = HashMap::new();
        for f in files {
            if let Some(n) = f.file_name().and_then(|n| n.to_str()) {
                by_name.entry(n.to_lowercase()).or_insert_with(|| f.clone());
            }
            if let Some(s) = f.file_stem().and_then(|s| s.to_str()) {
                by_stem.entry(s.to_lowercase()).or_insert_with(|| f.clone());
            }
        }
        MediaIndex { by_name, by_stem }
    }

    /// The first file a name matches: by file name, then by name without extension, then by
    /// the name's own stem against names without extension (any case; a path's last part
    /// counts).
    pub(crate) fn find(&self, names: &[Option<&str>]) -> Option<&PathBuf> {
        names.iter().flatten().find_map(|n| {
            let base = n.rsplit(['/', '\\']).next().unwrap_or(n).to_lowercase();
            // The name as written, else its stem: a list naming `A001.mov` finds the proxy
            // `A001.mp4`.
            let stem = base.rsplit_once('.').map(|(s, _)| s.to_string());
            self.by_name
                .get(&base)
                .or_else(|| self.by_stem.get(&base))
                .or_else(|| stem.and_then(|s| self.by_stem.get(&s)))
        })
    }
}

/// Why a reel map cannot be used (`line` 0: the map as a whole, or a JSON map).
// Each variant names what the map or its line is not.
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReelMapError {
    #[error(":{line}: not JSON ({message})")]
    NotJson { line: usize, message: String },
    #[error(": give an object of reel → path")]
    NotAnObject,
    #[error(": reel `{reel}`: the path must be a string")]
    NotAString { reel: String },
    #[error(":{line}: `{text}` is not `reel,path`")]
    NotAPair { line: usize, text: String },
    #[error("{}: reel `{reel}` points at `{path}`, which is not a local file; roughcut reads files, not URLs", at(*line))]
    NotLocal {
        line: usize,
        reel: String,
        path: String,
    },
}

fn at(line: usize) -> String {
    if line > 0 {
        format!(":{line}")
    } else {
        String::new()
    }
}

/// A reel map's text: JSON `{reel: path}` or CSV `reel,path` lines (a header line
/// `reel,path` is skipped), as lower-case reels and paths relative to the map's folder. URLs
/// other than `file://` are refused: roughcut reads local files only.
pub(crate) fn reel_map(text: &str) -> Result<HashMap<String, PathBuf>, ReelMapError> {
    let mut pairs: Vec<(usize, String, String)> = Vec::new();
    if text.trim_start().starts_with('{') {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| ReelMapError::NotJson {
                line: e.line(),
                message: e.to_string(),
            })?;
        let m = v.as_object().ok_or(ReelMapError::NotAnObject)?;
        for (reel, p) in m {
            let p = p
                .as_str()
                .ok_or_else(|| ReelMapError::NotAString { reel: reel.clone() })?;
            pairs.push((0, reel.clone(), p.to_string()));
        }
    } else {
        for (i, line) in text.lines().enumerate() {
            let line = line.trim().trim_start_matches('\u{feff}');
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((reel, p)) = line.split_once([',', '\t', ';']) else {
                return Err(ReelMapError::NotAPair {
                    line: i + 1,
                    text: line.to_string(),
                });
            };
            let (reel, p) = (reel.trim().trim_matches('"'), p.trim().trim_matches('"'));
            if i == 0 && reel.eq_ignore_ascii_case("reel") {
                continue;
            }
            pairs.push((i + 1, reel.to_string(), p.to_string()));
        }
    }
    let mut map = HashMap::new();
    for (line, reel, p) in pairs {
        let file = local_file(&p).ok_or_else(|| ReelMapError::NotLocal {
            line,
            reel: reel.clone(),
            path: p.clone(),
        })?;
        map.insert(reel.to_lowercase(), file);
    }
    Ok(map)
}

/// A path as a list or reel map writes it: plain, or a `file://` URL (percent-decoded); any
/// other URL scheme is not a local file.
pub(crate) fn local_file(text: &str) -> Option<PathBuf> {
    if text.starts_with("file://") {
        return Some(PathBuf::from(super::otio::local_path(text)));
    }
    let scheme = text.split_once(':').map(|(s, _)| s);
    if let Some(s) = scheme {
        // A drive letter (`S:\…`) is not a scheme.
        if s.len() > 1
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
            && text[s.len()..].starts_with("://")
        {
            return None;
        }
    }
    Some(PathBuf::from(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reel_maps_read_as_csv_or_json_and_refuse_urls() {
        let csv =
            reel_map("reel,path\nA001,\"rushes/a001.mov\"\nB002;file:///m/b%20002.mov\n").unwrap();
        assert_eq!(csv["a001"], PathBuf::from("rushes/a001.mov"));
        assert_eq!(csv["b002"], PathBuf::from("/m/b 002.mov"));
        let json = reel_map(r#"{"A001": "a.mov"}"#).unwrap();
        assert_eq!(json["a001"], PathBuf::from("a.mov"));
        assert_eq!(
            reel_map("A001,https://example.com/a.mov").unwrap_err().to_string(),
            ":1: reel `A001` points at `https://example.com/a.mov`, which is not a local file; roughcut reads files, not URLs"
        );
        assert_eq!(
            reel_map("just words").unwrap_err(),
            ReelMapError::NotAPair {
                line: 1,
                text: "just words".into()
            }
        );
        assert_eq!(
            local_file(r"S:\rushes\a.mov"),
            Some(PathBuf::from(r"S:\rushes\a.mov"))
        );
    }

    #[test]
    fn the_index_finds_by_name_then_stem() {
        let index = MediaIndex::new(&[
            PathBuf::from("/m/A001.mp4"),
            PathBuf::from("/m/day2/A001.mov"),
        ]);
        // The exact name first, then a proxy of another extension by its stem.
        assert_eq!(
            index.find(&[Some("A001.mov")]),
            Some(&PathBuf::from("/m/day2/A001.mov"))
        );
        assert_eq!(
            index.find(&[None, Some("a001.mxf")]),
            Some(&PathBuf::from("/m/A001.mp4"))
        );
        assert_eq!(index.find(&[Some("B002")]), None);
    }
}
