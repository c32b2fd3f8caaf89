//! Rules for the paths an EDL names: local files only, compared by their normalised text.

use std::path::{Path, PathBuf};

/// If `text` starts with a URL scheme or an FFmpeg protocol prefix (`http://`, `concat:`,
/// `subfile,,`, `data:`, `file:` …), return that scheme. Windows drive letters (`C:`) are not
/// schemes.
pub(crate) fn protocol_prefix(text: &str) -> Option<String> {
    // As FFmpeg reads a URL: a run of scheme characters followed by `:`, or by `,` when a `:`
    // comes later (`subfile,,start,0,end,1,,:file.mp4`).
    let end =
        text.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.' | '_')))?;
    let head = &text[..end];
    let first = head.chars().next()?;
    if !first.is_ascii_alphabetic() || head.len() < 2 {
        return None;
    }
    match text[end..].chars().next() {
        Some(':') => Some(head.to_string()),
        Some(',') if text[end + 1..].contains(':') => Some(head.to_string()),
        _ => None,
    }
}

/// Lexically normalise a path (`a/./b/../c` → `a/c`) for comparing paths that do not exist yet.
pub(crate) fn normalise(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
