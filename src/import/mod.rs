//! Importing a cut from an editing system: the list read and decoded, its format recognised,
//! its reels linked to media files (a reel map, the list's own paths, the `--media` folders
//! walked once through [`crate::walk`]), each linked file probed once (through [`gather`], with
//! the facts cache) for its start timecode and rate, and the cut mapped to a [`RawEdl`] by
//! [`crate::interchange`]. The caller writes the EDL and decides what offline media mean.
//!
//! [`gather`]: crate::gather

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::edl::raw::RawEdl;
use crate::interchange::cmx3600::{self, Problem};
use crate::interchange::fcpxml;
use crate::interchange::link::{self, MediaIndex, ReelMapError};
use crate::interchange::otio::{self, OtioError};
use crate::interchange::sniff::{self, Format, UnknownEncoding};
use crate::interchange::to_edl::{self, Link};
use crate::time::{Rate, TimeSpec};

/// What to import.
pub struct Request<'a> {
    /// The list (an `.fcpxmld` bundle is a folder holding `Info.fcpxml`).
    pub list: &'a Path,
    /// The list's frame rate, when the caller knows it.
    pub fps: Option<Rate>,
    /// The list's text encoding, when it is not UTF-8 (a WHATWG label).
    pub encoding: Option<&'a str>,
    /// Folders to look for media in, with their subfolders.
    pub media: &'a [PathBuf],
    /// A file saying which media file each reel is.
    pub reel_map: Option<&'a Path>,
    /// The folder the EDL will be written in: paths under it are written relative to it.
    pub out_dir: &'a Path,
    /// The facts cache: each file is probed once, here and for what follows.
    pub facts: Option<crate::cache::Cache>,
}

/// An imported cut.
#[derive(Debug)]
pub struct Imported {
    pub edl: RawEdl,
    /// What mapping the cut approximated or could not do; errors are events without media.
    pub problems: Vec<Problem>,
    /// Warnings already reported while reading (the list's own problems, a guessed rate).
    pub earlier_warnings: usize,
}

impl Imported {
    /// Events whose media were not found.
    pub fn offline(&self) -> usize {
        self.problems.iter().filter(|p| p.error).count()
    }
}

/// Why a list could not be imported. `shown` is the list as the user named it.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{}: {}", path.display(), crate::gather::io_reason(source))]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Encoding(#[from] UnknownEncoding),
    #[error("--reel-map {}: {}", path.display(), crate::gather::io_reason(source))]
    ReelMapRead {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("--reel-map {}{source}", path.display())]
    ReelMap {
        path: PathBuf,
        #[source]
        source: ReelMapError,
    },
    #[error("{shown}: not a list roughcut reads: no CMX 3600 event, TITLE: or FCM: line, no OpenTimelineIO timeline, no <fcpxml>; export the cut from the editing system as CMX 3600 (.edl), OpenTimelineIO (.otio) or FCPXML")]
    NotAList { shown: String },
    #[error("{shown}: {message}")]
    Fcpxml { shown: String, message: String },
    #[error("{shown}:{line}: not JSON ({source})", line = source.line())]
    NotJson {
        shown: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{shown}: {source}")]
    Otio {
        shown: String,
        #[source]
        source: OtioError,
    },
    #[error("{shown}: give the list's frame rate with --fps")]
    NoRate { shown: String },
    #[error("{shown}: the timeline says no frame rate; give --fps")]
    NoTimelineRate { shown: String },
    /// The list's own errors, already reported as problems.
    #[error("{shown}: the list has errors")]
    ListErrors { shown: String },
    #[error("{shown}: the list has no events")]
    NoEvents { shown: String },
}

impl ImportError {
    /// The user must say more on the command line (the rate, an encoding name).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            ImportError::Encoding(_)
                | ImportError::NoRate { .. }
                | ImportError::NoTimelineRate { .. }
        )
    }
}

/// Import the list `req` names. Problems met while reading (a guessed encoding, the list's own
/// problems, a guessed rate, folders that could not be searched) go to `notice` as they are
/// found; those of mapping the cut come back in [`Imported::problems`].
pub fn import(req: &Request, notice: &mut dyn FnMut(&Problem)) -> Result<Imported, ImportError> {
    let shown = req.list.display().to_string();
    let decoded = sniff::decode(&read_list(req.list)?, req.encoding)?;
    if let Some(w) = decoded.warning() {
        notice(&w);
    }
    let text = decoded.text;
    let (index, unreadable) = media_index(req.media);
    let reels = match req.reel_map {
        Some(p) => read_reel_map(p)?,
        None => HashMap::new(),
    };
    for u in &unreadable {
        notice(u);
    }
    let linker = |fps: Rate| Linker {
        index: &index,
        reels: &reels,
        list_dir: folder_of(req.list),
        fps,
        out_dir: req.out_dir,
        facts: req.facts.as_ref(),
        seen: RefCell::new(HashMap::new()),
    };
    let mut imported = match sniff::format(&text) {
        Some(Format::Fcpxml) => {
            // Read through the OTIO mapping: one set of rules for both.
            let doc = fcpxml::to_otio(&text).map_err(|message| ImportError::Fcpxml {
                shown: shown.clone(),
                message,
            })?;
            import_otio(&shown, &doc, req.fps, &linker)?
        }
        Some(Format::Otio) => {
            let doc: serde_json::Value =
                serde_json::from_str(&text).map_err(|source| ImportError::NotJson {
                    shown: shown.clone(),
                    source,
                })?;
            import_otio(&shown, &doc, req.fps, &linker)?
        }
        Some(Format::Cmx3600) => import_cmx(&shown, &text, req.fps, &linker, notice)?,
        None => return Err(ImportError::NotAList { shown }),
    };
    imported.earlier_warnings += unreadable.len();
    Ok(imported)
}

/// The list's bytes (an `.fcpxmld` bundle's `Info.fcpxml`).
fn read_list(list: &Path) -> Result<Vec<u8>, ImportError> {
    let file = if list.is_dir() {
        list.join("Info.fcpxml")
    } else {
        list.to_path_buf()
    };
    std::fs::read(&file).map_err(|source| ImportError::Read { path: file, source })
}

/// A CMX 3600 list: read, its rate given or guessed, mapped with its reels linked.
fn import_cmx<'a>(
    shown: &str,
    text: &str,
    fps: Option<Rate>,
    linker: &dyn Fn(Rate) -> Linker<'a>,
    notice: &mut dyn FnMut(&Problem),
) -> Result<Imported, ImportError> {
    let list = cmx3600::read(text);
    for p in &list.problems {
        notice(p);
    }
    let guessed = fps.is_none();
    let fps = match (fps, list.guess_rate()) {
        (Some(f), _) => f,
        (None, Some((f, why))) => {
            notice(&Problem {
                line: 0,
                error: false,
                message: format!("the list does not say its frame rate; read at {f} fps from its {why} (give --fps if that is wrong)"),
            });
            f
        }
        (None, None) => {
            return Err(ImportError::NoRate {
                shown: shown.to_string(),
            })
        }
    };
    if list.problems.iter().any(|p| p.error) {
        return Err(ImportError::ListErrors {
            shown: shown.to_string(),
        });
    }
    if list.events.is_empty() {
        return Err(ImportError::NoEvents {
            shown: shown.to_string(),
        });
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
    Ok(Imported {
        edl,
        problems,
        earlier_warnings: list.problems.len() + usize::from(guessed),
    })
}

/// An OpenTimelineIO document as an EDL: its clips linked by their media references' URLs,
/// names and the reel map, like a CMX list's.
fn import_otio<'a>(
    shown: &str,
    doc: &serde_json::Value,
    fps: Option<Rate>,
    linker: &dyn Fn(Rate) -> Linker<'a>,
) -> Result<Imported, ImportError> {
    let Some(rate) = fps.or_else(|| otio::rate_of(doc)) else {
        return Err(ImportError::NoTimelineRate {
            shown: shown.to_string(),
        });
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
    .map_err(|source| ImportError::Otio {
        shown: shown.to_string(),
        source,
    })?;
    Ok(Imported {
        edl,
        problems,
        earlier_warnings: 0,
    })
}

/// The files under the `--media` folders, indexed, and a warning for each folder that could
/// not be read.
fn media_index(dirs: &[PathBuf]) -> (MediaIndex, Vec<Problem>) {
    let mut files = Vec::new();
    let mut unreadable = Vec::new();
    for d in dirs {
        let walked = crate::walk::files(d, None);
        files.extend(walked.files);
        unreadable.extend(walked.unreadable.iter().map(|u| Problem {
            line: 0,
            error: false,
            message: format!("--media: {u}; its media are not searched"),
        }));
    }
    files.sort();
    (MediaIndex::new(&files), unreadable)
}

/// A reel map (`--reel-map`), its paths relative to its folder.
fn read_reel_map(path: &Path) -> Result<HashMap<String, PathBuf>, ImportError> {
    let text = std::fs::read_to_string(path).map_err(|source| ImportError::ReelMapRead {
        path: path.to_path_buf(),
        source,
    })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let map = link::reel_map(&text).map_err(|source| ImportError::ReelMap {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(map
        .into_iter()
        .map(|(reel, p)| (reel, dir.join(p)))
        .collect())
}

/// The folder a file is in (`.` for a bare name).
fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Links events to files, reading each file's start timecode once.
struct Linker<'a> {
    index: &'a MediaIndex,
    reels: &'a HashMap<String, PathBuf>,
    list_dir: &'a Path,
    fps: Rate,
    out_dir: &'a Path,
    facts: Option<&'a crate::cache::Cache>,
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
            .filter_map(|f| link::local_file(f))
            .map(|p| self.list_dir.join(p))
            .find(|p| p.is_file());
        listed.or_else(|| self.index.find(names).cloned())
    }

    fn link(&self, fallback_id: &str, names: &[Option<&str>]) -> Option<Link> {
        let path = self.find(names)?;
        if let Some(l) = self.seen.borrow().get(&path) {
            return Some(l.clone());
        }
        let facts = crate::gather::probe(&path, 1, self.facts)
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
        let absolute = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
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
        self.seen.borrow_mut().insert(path, link.clone());
        Some(link)
    }
}
