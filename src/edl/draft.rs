//! The draft: EDL text (or a raw EDL built in code) read as far as it can be without knowing
//! anything about its files — JSON, structure against the schema, structurally bad values
//! pruned — and split into parts that are checked one by one. No I/O.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::diag::Diagnostic;
use super::raw::{self, RawEvent};
use super::CheckOptions;
use crate::facts::{Facts, Need};

/// An EDL read as far as it can be without knowing anything about its files: its JSON, its
/// structure against the schema, and its parts.
#[derive(Debug, Clone)]
pub struct Draft {
    pub(super) path: PathBuf,
    /// The document with every structurally bad value pruned (`None`: not JSON at all).
    pub(super) doc: Option<Value>,
    /// Syntax and structure problems.
    pub(super) diagnostics: Vec<Diagnostic>,
}

/// Parse EDL `text` (from the file `path`: relative paths resolve against its folder).
pub fn parse(text: &str, path: &Path) -> Draft {
    let doc: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let message = if comment_at(text, e.line(), e.column()) {
                "comments are not allowed in JSON; remove the `//` or `/* */` comment (keep notes in a \"name\" field or a separate file)".to_string()
            } else {
                format!("JSON syntax error: {}", strip_position(&e.to_string()))
            };
            let mut d = Diagnostic::error("", message);
            d.line = Some(e.line());
            d.column = Some(e.column());
            return Draft {
                path: path.to_path_buf(),
                doc: None,
                diagnostics: vec![d],
            };
        }
    };
    let mut diagnostics = super::structure::check(&doc, &raw::schema());
    let pruned = super::structure::prune(&doc, &diagnostics);
    // Reported, not pruned: the value that JSON keeps is still checked.
    diagnostics.extend(super::structure::duplicate_keys(text));
    Draft {
        path: path.to_path_buf(),
        doc: Some(pruned),
        diagnostics,
    }
}

/// Remove every `null` member (typed raw values write absent options as `null`; an EDL means
/// the same by leaving them out).
fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(strip_nulls);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

impl Draft {
    /// A draft of an EDL built in code (as if it were the file `path`), checked exactly as one
    /// read from text.
    pub(crate) fn from_raw(raw: &raw::RawEdl, path: &Path) -> Draft {
        match serde_json::to_value(raw) {
            Ok(v) => Draft::from_value(v, path),
            Err(e) => Draft {
                path: path.to_path_buf(),
                doc: None,
                diagnostics: vec![Diagnostic::error("", e.to_string())],
            },
        }
    }

    /// A draft of an EDL given as a JSON value (as if it were the file `path`).
    pub fn from_value(mut doc: Value, path: &Path) -> Draft {
        strip_nulls(&mut doc);
        let diagnostics = super::structure::check(&doc, &raw::schema());
        let pruned = super::structure::prune(&doc, &diagnostics);
        Draft {
            path: path.to_path_buf(),
            doc: Some(pruned),
            diagnostics,
        }
    }

    /// What checking still needs to know about the files this EDL names (with `facts` as
    /// gathered so far): media to probe, files to read, paths to resolve. Gather them and ask
    /// again until nothing is needed (a subtitle file must be read before its burn-in font is
    /// known, for one).
    pub fn needs(&self, facts: &Facts, opts: &CheckOptions) -> Vec<Need> {
        let (_, needs) = super::validate::run_checks(self, facts, opts);
        needs
    }
}

/// Whether a `//` or `/*` comment starts where the JSON parser stopped (line and column are
/// 1-based; the column may point at either of its two characters).
fn comment_at(text: &str, line: usize, column: usize) -> bool {
    let Some(l) = text.lines().nth(line.saturating_sub(1)) else {
        return false;
    };
    let chars: Vec<char> = l.chars().collect();
    let at = |i: usize| chars.get(i).copied();
    let c = column.saturating_sub(1);
    [c, c.saturating_sub(1)]
        .iter()
        .any(|&i| at(i) == Some('/') && matches!(at(i + 1), Some('/' | '*')))
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// The parts of an EDL that deserialized cleanly (a part with a structural problem is `None`,
/// and its problem is already reported).
pub(super) struct Parts {
    pub(super) version: Option<u32>,
    pub(super) title: Option<String>,
    pub(super) output: raw::RawOutput,
    pub(super) sources: Vec<(String, Option<raw::RawSource>)>,
    pub(super) timeline: Vec<Option<RawEvent>>,
    pub(super) audio_tracks: Vec<Option<raw::RawAudioTrack>>,
    pub(super) subtitles: Vec<Option<raw::RawSubtitle>>,
    pub(super) overlays: Option<raw::RawOverlays>,
    pub(super) markers: Vec<Option<raw::RawMarker>>,
    pub(super) cutaways: Vec<Option<raw::RawCutaway>>,
}

fn part<T: DeserializeOwned>(v: Option<&Value>) -> Option<T> {
    serde_json::from_value(v?.clone()).ok()
}

/// A timeline event, its kind told by its key (`source`, `title` or `gap`) rather than by
/// trying each kind in turn: a failed try builds an error message, and a long timeline of
/// gaps and titles spent most of its validation building messages nobody reads.
fn event_part(v: Option<&Value>) -> Option<RawEvent> {
    let o = v?.as_object()?;
    let one = || Some(v?.clone());
    if o.contains_key("source") {
        serde_json::from_value(one()?).ok().map(RawEvent::Clip)
    } else if o.contains_key("title") {
        serde_json::from_value(one()?).ok().map(RawEvent::Title)
    } else if o.contains_key("gap") {
        serde_json::from_value(one()?).ok().map(RawEvent::Gap)
    } else {
        part(v)
    }
}

/// Read each part of a (pruned) document on its own, so one bad event does not hide the
/// problems of the others.
pub(super) fn split(doc: &Value) -> Parts {
    let get = |k: &str| doc.get(k);
    let each = |k: &str| -> Vec<Option<Value>> {
        get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|v| Some(v.clone()).filter(|v| !v.is_null()))
                    .collect()
            })
            .unwrap_or_default()
    };
    Parts {
        version: part(get("version")),
        title: part(get("title")),
        output: part(get("output")).unwrap_or_default(),
        sources: get("sources")
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), part(Some(v)))).collect())
            .unwrap_or_default(),
        timeline: each("timeline")
            .iter()
            .map(|v| event_part(v.as_ref()))
            .collect(),
        audio_tracks: each("audio_tracks")
            .iter()
            .map(|v| part(v.as_ref()))
            .collect(),
        subtitles: each("subtitles").iter().map(|v| part(v.as_ref())).collect(),
        overlays: part(get("overlays")),
        markers: each("markers").iter().map(|v| part(v.as_ref())).collect(),
        cutaways: each("cutaways").iter().map(|v| part(v.as_ref())).collect(),
    }
}
