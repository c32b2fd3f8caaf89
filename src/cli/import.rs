//! `roughcut import`: an editing system's list as a roughcut EDL, its reels linked to media.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use clap::Args;
use roughcut::interchange::cmx3600::{self, Problem};
use roughcut::interchange::to_edl::{self, Link};
use roughcut::interchange::{fcpxml, otio};
use roughcut::time::{Rate, TimeSpec};

use super::{CliError, CliResult, Exit};

#[derive(Args)]
#[command(
    after_help = "Examples:\n  roughcut import cut.edl -o cut.json --fps 25 --media media/\n  roughcut import reel1.txt -o reel1.json --fps 30000/1001 --media /mnt/rushes --allow-offline\n  roughcut import avid.edl -o cut.json --fps 25 --encoding windows-1251 --media media/\n  roughcut import cut.edl -o cut.json --fps 24 --media media/ && roughcut render cut.json\n\nReads CMX 3600 lists, OpenTimelineIO (.otio) and FCPXML (.fcpxml, .fcpxmld), each recognised by
its content, whatever the extension. Each event's media\nis looked up in the --media folders by its source file name, its clip name, then its reel; its\nstart timecode is read from the file. Exit code 0 when the EDL was written, 3 when the list has\nerrors or media are missing (without --allow-offline)."
)]
pub struct ImportArgs {
    /// The list to read: CMX 3600, OpenTimelineIO JSON or FCPXML (recognised by content).
    list: PathBuf,
    /// Where to write the EDL (JSON).
    #[arg(short, long)]
    output: PathBuf,
    /// The list's frame rate (lists do not say): 24, 25, 30000/1001 … Without it the rate is
    /// guessed from the timecodes (frame numbers up to 23: 24; up to 24: 25; drop-frame:
    /// 30000/1001), with a warning.
    #[arg(long)]
    fps: Option<String>,
    /// A folder to look for the media in, searched with its subfolders (repeatable).
    #[arg(long)]
    media: Vec<PathBuf>,
    /// A file saying which media file each reel is: JSON (`{"A001": "rushes/a001.mov"}`) or
    /// CSV (`reel,path` per line). Paths are relative to the map's folder. Looked at first.
    #[arg(long)]
    reel_map: Option<PathBuf>,
    /// Write events whose media are not found as gaps, with a warning, instead of failing.
    #[arg(long)]
    allow_offline: bool,
    /// The list's text encoding when it is not UTF-8 (`windows-1251`, `gbk`, `latin1` …; any
    /// WHATWG label). Without it such a list is guessed, with a warning.
    #[arg(long)]
    encoding: Option<String>,
}

pub fn exec(a: ImportArgs) -> CliResult {
    let shown = a.list.display().to_string();
    let fps = match &a.fps {
        Some(f) => Some(Rate::parse(f).map_err(|e| CliError::usage(format!("--fps {f}: {e}")))?),
        None => None,
    };
    // An `.fcpxmld` bundle holds its document as Info.fcpxml.
    let file = if a.list.is_dir() {
        a.list.join("Info.fcpxml")
    } else {
        a.list.clone()
    };
    let bytes = std::fs::read(&file).map_err(|e| {
        CliError::invalid(format!(
            "{}: {}",
            file.display(),
            roughcut::gather::io_reason(&e)
        ))
    })?;
    let text = decode(&shown, &bytes, a.encoding.as_deref())?;
    let out_dir = super::folder_of(&a.output);
    let index = MediaIndex::new(&a.media);
    let reels = match &a.reel_map {
        Some(p) => read_reel_map(p)?,
        None => HashMap::new(),
    };
    let list_dir = super::folder_of(&a.list);
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    // The linker counts start timecodes at the list's rate, known once the list is read.
    let linker = |fps: Rate| Linker {
        index: &index,
        reels: &reels,
        list_dir: &list_dir,
        fps,
        out_dir: &out_dir,
        facts: super::facts_cache(None),
        seen: RefCell::new(HashMap::new()),
    };
    if trimmed.starts_with('<') && trimmed.contains("<fcpxml") {
        // Read through the OTIO mapping: one set of rules for both.
        let doc = fcpxml::to_otio(&text).map_err(|e| CliError::invalid(format!("{shown}: {e}")))?;
        return import_otio(&a, &shown, &doc, fps, &linker);
    }
    if trimmed.starts_with('{') && trimmed.contains("OTIO_SCHEMA") {
        let doc: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| CliError::invalid(format!("{shown}:{}: not JSON ({e})", e.line())))?;
        return import_otio(&a, &shown, &doc, fps, &linker);
    }
    if !cmx3600::looks_like(&text) {
        return Err(CliError::invalid(format!("{shown}: not a list roughcut reads: no CMX 3600 event, TITLE: or FCM: line, no OpenTimelineIO timeline, no <fcpxml>; export the cut from the editing system as CMX 3600 (.edl), OpenTimelineIO (.otio) or FCPXML"),
        ));
    }
    let list = cmx3600::read(&text);
    print_problems(&shown, &list.problems, false);
    let guessed = fps.is_none();
    let fps = match (fps, list.guess_rate()) {
        (Some(f), _) => f,
        (None, Some((f, why))) => {
            eprintln!("{shown}: warning: the list does not say its frame rate; read at {f} fps from its {why} (give --fps if that is wrong)");
            f
        }
        (None, None) => {
            return Err(CliError::usage(format!(
                "{shown}: give the list's frame rate with --fps"
            )))
        }
    };
    if list.problems.iter().any(|p| p.error) {
        return Err(CliError::reported(Exit::InvalidInput));
    }
    let linker = linker(fps);
    let (edl, problems) = to_edl::cmx_to_edl(&list, fps, &|e| {
        linker.link(
            &e.reel,
            &[
                e.source_file.as_deref(),
                e.clip_name.as_deref(),
                Some(&e.reel),
            ],
        )
    });
    if list.events.is_empty() {
        return Err(CliError::invalid(format!(
            "{shown}: the list has no events"
        )));
    }
    finish(
        &a,
        &shown,
        &edl,
        &problems,
        list.problems.len() + usize::from(guessed),
    )
}

/// Report the problems, refuse offline media unless allowed, write the EDL, summarise.
fn finish(
    a: &ImportArgs,
    shown: &str,
    edl: &serde_json::Value,
    problems: &[Problem],
    earlier_warnings: usize,
) -> CliResult {
    let offline = problems.iter().filter(|p| p.error).count();
    print_problems(shown, problems, a.allow_offline);
    if offline > 0 && !a.allow_offline {
        let mut searched: Vec<String> = a
            .reel_map
            .iter()
            .map(|m| format!("the reel map {}", m.display()))
            .collect();
        searched.push("the paths the list gives".into());
        searched.extend(
            a.media
                .iter()
                .map(|d| format!("{} (by source file name, clip name and reel)", d.display())),
        );
        return Err(CliError::invalid(format!(
                "{shown}: {offline} event(s) have no media; searched {}{}; give --media or --reel-map, or --allow-offline to write them as gaps",
                searched.join(", "),
                if a.media.is_empty() { " (no --media given)" } else { "" }
            ),
        ));
    }
    super::write_json(&a.output, edl)
        .map_err(|e| CliError::failed(format!("cannot write {}: {e}", a.output.display())))?;
    let events = edl["timeline"].as_array().map_or(0, Vec::len);
    let sources = edl["sources"].as_object().map_or(0, |m| m.len());
    let tracks = edl["audio_tracks"].as_array().map_or(0, Vec::len);
    let sound_clips: usize = edl["audio_tracks"].as_array().map_or(0, |t| {
        t.iter()
            .map(|t| t["clips"].as_array().map_or(0, Vec::len))
            .sum()
    });
    let warnings = earlier_warnings + problems.len();
    eprintln!(
        "imported {shown}: {events} picture events, {tracks} sound track(s) of {sound_clips} clip(s), {sources} sources, {} marker(s){} → {}; {warnings} warning(s)",
        edl["markers"].as_array().map_or(0, Vec::len),
        edl["output"]["start_timecode"].as_str().map(|t| format!(", starting at {t}")).unwrap_or_default(),
        a.output.display()
    );
    Ok(())
}

/// An OpenTimelineIO document as an EDL: its clips linked by their media references' URLs,
/// names and the reel map, like a CMX list's.
fn import_otio<'a>(
    a: &ImportArgs,
    shown: &str,
    doc: &serde_json::Value,
    fps: Option<Rate>,
    linker: &dyn Fn(Rate) -> Linker<'a>,
) -> CliResult {
    let Some(rate) = fps.or_else(|| otio::rate_of(doc)) else {
        return Err(CliError::usage(format!(
            "{shown}: the timeline says no frame rate; give --fps"
        )));
    };
    let linker = linker(rate);
    let (edl, problems) = otio::to_edl(doc, Some(rate), &|w: &otio::Wanted| {
        let url_name = w.url.as_deref().map(|u| u.rsplit('/').next().unwrap_or(u));
        linker.link(
            w.reference.as_deref().unwrap_or(&w.name),
            &[
                w.url.as_deref(),
                url_name,
                w.reference.as_deref(),
                Some(&w.name),
            ],
        )
    })
    .map_err(|e| CliError::invalid(format!("{shown}: {e}")))?;
    finish(a, shown, &edl, &problems, 0)
}

/// The list's text: as `--encoding` says, else UTF-8, else a guess (with a warning): Russian
/// lists in windows-1251 (their bytes are mostly the common Cyrillic letters), others in GBK.
fn decode(shown: &str, bytes: &[u8], label: Option<&str>) -> Result<String, CliError> {
    let named = match label {
        Some(l) => Some(
            encoding_rs::Encoding::for_label(l.as_bytes()).ok_or_else(|| {
                CliError::usage(format!(
                    "--encoding {l}: not an encoding name (try windows-1251, gbk, latin1, utf-8)"
                ))
            })?,
        ),
        None => None,
    };
    let encoding = match (named, std::str::from_utf8(bytes)) {
        (Some(e), _) => e,
        (None, Ok(t)) => return Ok(t.to_string()),
        (None, Err(err)) => {
            let line = bytes[..err.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            let guess = guess_encoding(bytes);
            eprintln!(
                "{shown}:{line}: warning: the list is not UTF-8; read as {} (a guess: give --encoding if names come out wrong)",
                guess.name()
            );
            guess
        }
    };
    let (text, _, _) = encoding.decode(bytes);
    Ok(text.into_owned())
}

/// windows-1251 when the bytes above ASCII are mostly Russian's commonest letters there
/// (о а е и н т с р в л), else GBK.
fn guess_encoding(bytes: &[u8]) -> &'static encoding_rs::Encoding {
    const COMMON: [u8; 10] = [0xEE, 0xE0, 0xE5, 0xE8, 0xED, 0xF2, 0xF1, 0xF0, 0xE2, 0xEB];
    let high = bytes.iter().filter(|&&b| b >= 0x80).count();
    let common = bytes.iter().filter(|b| COMMON.contains(b)).count();
    if high > 0 && common * 10 >= high * 3 {
        encoding_rs::WINDOWS_1251
    } else {
        encoding_rs::GBK
    }
}

fn print_problems(shown: &str, problems: &[Problem], errors_as_warnings: bool) {
    for p in problems {
        let severity = if p.error && !errors_as_warnings {
            "error"
        } else {
            "warning"
        };
        match p.line {
            0 => eprintln!("{shown}: {severity}: {}", p.message),
            line => eprintln!("{shown}:{line}: {severity}: {}", p.message),
        }
    }
}

/// The files under the --media folders, by lower-case name and by lower-case stem.
struct MediaIndex {
    by_name: HashMap<String, PathBuf>,
    by_stem: HashMap<String, PathBuf>,
}

impl MediaIndex {
    fn new(dirs: &[PathBuf]) -> MediaIndex {
        let mut files = Vec::new();
        for d in dirs {
            walk(d, &mut files);
        }
        files.sort();
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
    fn find(&self, names: &[Option<&str>]) -> Option<&PathBuf> {
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

/// Every file under `dir` (hidden ones skipped).
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if e.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// A reel map (`--reel-map`): JSON `{reel: path}` or CSV `reel,path` lines (a header line
/// `reel,path` is skipped); paths relative to the map's folder. URLs other than `file://` are
/// refused: roughcut reads local files only.
fn read_reel_map(path: &Path) -> Result<HashMap<String, PathBuf>, CliError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::invalid(format!(
            "--reel-map {shown}: {}",
            roughcut::gather::io_reason(&e)
        ))
    })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut pairs: Vec<(usize, String, String)> = Vec::new();
    if text.trim_start().starts_with('{') {
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            CliError::invalid(format!("--reel-map {shown}:{}: not JSON ({e})", e.line()))
        })?;
        let Some(m) = v.as_object() else {
            return Err(CliError::invalid(format!(
                "--reel-map {shown}: give an object of reel → path"
            )));
        };
        for (reel, p) in m {
            let Some(p) = p.as_str() else {
                return Err(CliError::invalid(format!(
                    "--reel-map {shown}: reel `{reel}`: the path must be a string"
                )));
            };
            pairs.push((0, reel.clone(), p.to_string()));
        }
    } else {
        for (i, line) in text.lines().enumerate() {
            let line = line.trim().trim_start_matches('\u{feff}');
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((reel, p)) = line.split_once([',', '\t', ';']) else {
                return Err(CliError::invalid(format!(
                    "--reel-map {shown}:{}: `{line}` is not `reel,path`",
                    i + 1
                )));
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
        let at = if line > 0 {
            format!(":{line}")
        } else {
            String::new()
        };
        let file = local_file(&p).ok_or_else(|| {
            CliError::invalid(format!("--reel-map {shown}{at}: reel `{reel}` points at `{p}`, which is not a local file; roughcut reads files, not URLs"))
        })?;
        map.insert(reel.to_lowercase(), dir.join(file));
    }
    Ok(map)
}

/// A path as a list or reel map writes it: plain, or a `file://` URL (percent-decoded); any
/// other URL scheme is not a local file.
fn local_file(text: &str) -> Option<PathBuf> {
    if text.starts_with("file://") {
        return Some(PathBuf::from(otio::local_path(text)));
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

/// Links events to files, reading each file's start timecode once.
struct Linker<'a> {
    index: &'a MediaIndex,
    reels: &'a HashMap<String, PathBuf>,
    list_dir: &'a Path,
    fps: Rate,
    out_dir: &'a Path,
    /// The facts cache: each file is probed once, here and for the validation and render
    /// that follow.
    facts: Option<roughcut::cache::Cache>,
    seen: RefCell<HashMap<PathBuf, Link>>,
}

impl Linker<'_> {
    /// The file an event names (`names`: its source file or URL, clip name, reel … in that
    /// order): the reel map's, the list's own path when it exists, else the `--media`
    /// folders'.
    fn find(&self, names: &[Option<&str>]) -> Option<PathBuf> {
        let by_map = names
            .iter()
            .flatten()
            .find_map(|n| self.reels.get(&n.to_lowercase()));
        if let Some(p) = by_map.filter(|p| p.is_file()) {
            return Some(p.clone());
        }
        let listed = names
            .iter()
            .flatten()
            .filter(|f| f.contains(['/', '\\']))
            .filter_map(|f| local_file(f))
            .map(|p| self.list_dir.join(p))
            .find(|p| p.is_file());
        listed.or_else(|| self.index.find(names).cloned())
    }

    fn link(&self, fallback_id: &str, names: &[Option<&str>]) -> Option<Link> {
        let found = self.find(names)?;
        let path = &found;
        if let Some(l) = self.seen.borrow().get(path) {
            return Some(l.clone());
        }
        let facts = roughcut::gather::probe(path, 1, self.facts.as_ref())
            .ok()
            .map(|(f, _)| f);
        let start = facts
            .as_ref()
            .and_then(|f| f.tags.iter().find(|(k, _)| k == "timecode"))
            .and_then(|(_, tc)| TimeSpec::parse(tc).ok())
            .and_then(|t| t.to_frame_floor(self.fps).ok())
            .unwrap_or(0);
        let id = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_lowercase())
            .unwrap_or_else(|| fallback_id.to_lowercase());
        // Relative to the EDL's folder when the file is under it, else absolute.
        let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
        let shown = std::fs::canonicalize(self.out_dir)
            .ok()
            .and_then(|d| absolute.strip_prefix(d).ok().map(Path::to_path_buf))
            .unwrap_or(absolute);
        let rate = facts
            .as_ref()
            .and_then(|f| f.video().filter(|_| !f.is_still())?.frame_rate)
            .and_then(|r| Rate::new(*r.0.numer(), *r.0.denom()).ok());
        let link = Link {
            id,
            path: shown.to_string_lossy().into_owned(),
            start,
            rate,
        };
        self.seen.borrow_mut().insert(path.clone(), link.clone());
        Some(link)
    }
}
