//! `roughcut import`: an editing system's list as a roughcut EDL, its reels linked to media.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use clap::Args;
use roughcut::interchange::cmx3600::{self, CmxEvent, Problem};
use roughcut::interchange::to_edl::{self, Link};
use roughcut::time::{Rate, TimeSpec};

use super::{exit, CliError, CliResult};

#[derive(Args)]
#[command(
    after_help = "Examples:\n  roughcut import cut.edl -o cut.json --fps 25 --media media/\n  roughcut import reel1.txt -o reel1.json --fps 30000/1001 --media /mnt/rushes --allow-offline\n  roughcut import avid.edl -o cut.json --fps 25 --encoding windows-1251 --media media/\n  roughcut import cut.edl -o cut.json --fps 24 --media media/ && roughcut render cut.json\n\nReads CMX 3600 lists (recognised by their content, whatever the extension). Each event's media\nis looked up in the --media folders by its source file name, its clip name, then its reel; its\nstart timecode is read from the file. Exit code 0 when the EDL was written, 3 when the list has\nerrors or media are missing (without --allow-offline)."
)]
pub struct ImportArgs {
    /// The list to read (CMX 3600).
    list: PathBuf,
    /// Where to write the EDL (JSON).
    #[arg(short, long)]
    output: PathBuf,
    /// The list's frame rate (lists do not say): 24, 25, 30000/1001 …
    #[arg(long)]
    fps: String,
    /// A folder to look for the media in, searched with its subfolders (repeatable).
    #[arg(long)]
    media: Vec<PathBuf>,
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
    let fps = Rate::parse(&a.fps).map_err(|e| CliError::usage(format!("--fps {}: {e}", a.fps)))?;
    let bytes = std::fs::read(&a.list)
        .map_err(|e| CliError::invalid(format!("{shown}: {}", roughcut::gather::io_reason(&e))))?;
    let text = decode(&shown, &bytes, a.encoding.as_deref())?;
    if !cmx3600::looks_like(&text) {
        return Err(CliError::invalid(format!("{shown}: not a CMX 3600 list (no event, TITLE: or FCM: line); OpenTimelineIO and FCPXML are not read yet"),
        ));
    }
    let list = cmx3600::read(&text);
    print_problems(&shown, &list.problems, false);
    if list.problems.iter().any(|p| p.error) {
        return Err(CliError::reported(exit::INVALID_INPUT));
    }
    let out_dir = a
        .output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let index = MediaIndex::new(&a.media);
    let linker = Linker {
        index: &index,
        fps,
        out_dir: &out_dir,
        seen: RefCell::new(HashMap::new()),
    };
    let (edl, problems) = to_edl::cmx_to_edl(&list, fps, &|e| linker.link(e));
    let sound_only = list.events.iter().filter(|e| !e.channels.video).count();
    if sound_only == list.events.len() {
        return Err(CliError::invalid(format!("{shown}: the list has no picture events ({sound_only} sound-only); sound-only lists are not imported yet")));
    }
    if sound_only > 0 {
        eprintln!("{shown}: warning: {sound_only} sound-only event(s) are not imported yet (only the picture track is)");
    }
    let offline = problems.iter().filter(|p| p.error).count();
    print_problems(&shown, &problems, a.allow_offline);
    if offline > 0 && !a.allow_offline {
        let searched: Vec<String> = a.media.iter().map(|d| d.display().to_string()).collect();
        return Err(CliError::invalid(format!(
                "{shown}: {offline} event(s) have no media in {} (searched by source file name, clip name and reel); give --media, or --allow-offline to write them as gaps",
                if searched.is_empty() { "no folder (no --media given)".to_string() } else { searched.join(", ") }
            ),
        ));
    }
    super::write_json(&a.output, &edl)
        .map_err(|e| CliError::failed(format!("cannot write {}: {e}", a.output.display())))?;
    let events = edl["timeline"].as_array().map_or(0, Vec::len);
    let sources = edl["sources"].as_object().map_or(0, |m| m.len());
    let warnings = list.problems.len() + problems.len() + usize::from(sound_only > 0);
    eprintln!(
        "imported {shown}: {events} events, {sources} sources, {} marker(s) → {}; {warnings} warning(s)",
        edl["markers"].as_array().map_or(0, Vec::len),
        a.output.display()
    );
    Ok(())
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
        eprintln!("{shown}:{}: {severity}: {}", p.line, p.message);
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

    /// The file an event names: by its source file's name, its clip name, its reel.
    fn find(&self, e: &CmxEvent) -> Option<&PathBuf> {
        let file = e
            .source_file
            .as_deref()
            .and_then(|f| f.rsplit(['/', '\\']).next())
            .map(str::to_lowercase);
        file.as_ref()
            .and_then(|f| self.by_name.get(f).or_else(|| self.by_stem.get(f)))
            .or_else(|| {
                e.clip_name
                    .as_ref()
                    .and_then(|c| self.by_stem.get(&c.to_lowercase()))
            })
            .or_else(|| self.by_stem.get(&e.reel.to_lowercase()))
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

/// Links events to files, reading each file's start timecode once.
struct Linker<'a> {
    index: &'a MediaIndex,
    fps: Rate,
    out_dir: &'a Path,
    seen: RefCell<HashMap<PathBuf, Link>>,
}

impl Linker<'_> {
    fn link(&self, e: &CmxEvent) -> Option<Link> {
        let path = self.index.find(e)?;
        if let Some(l) = self.seen.borrow().get(path) {
            return Some(l.clone());
        }
        let facts = roughcut::gather::probe(path, 1, None).ok().map(|(f, _)| f);
        let start = facts
            .as_ref()
            .and_then(|f| f.tags.iter().find(|(k, _)| k == "timecode"))
            .and_then(|(_, tc)| TimeSpec::parse(tc).ok())
            .and_then(|t| t.to_frame_floor(self.fps).ok())
            .unwrap_or(0);
        let id = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_lowercase())
            .unwrap_or_else(|| e.reel.to_lowercase());
        let shown = match path.strip_prefix(self.out_dir) {
            Ok(rel) => rel.to_path_buf(),
            Err(_) => std::fs::canonicalize(path).unwrap_or_else(|_| path.clone()),
        };
        let link = Link {
            id,
            path: shown.to_string_lossy().into_owned(),
            start,
        };
        self.seen.borrow_mut().insert(path.clone(), link.clone());
        Some(link)
    }
}
