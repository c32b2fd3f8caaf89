//! The caller's side of EDL validation: the facts about the files an EDL names — media probed
//! (through the media layer) with their identities (from the cache module), subtitle files and
//! fonts read, paths resolved — gathered in parallel and handed to `edl::check`, which does no
//! I/O of its own.

use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use crate::edl::{self, CheckOptions, Checked, Draft, LoadError, Loaded};
use crate::facts::{Facts, FileFacts, MediaFacts, Need};

/// How much to find out about media files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probing {
    /// Open and probe each (streams, duration, colour class) and take its identity.
    Full,
    /// Only check that each is there and readable (`validate --no-probe`).
    PresenceOnly,
}

/// How to gather: how much to find out, with how many decoder threads per colour measurement,
/// and where facts measured before are kept (the cache folder's `facts/`).
#[derive(Debug, Clone)]
pub struct Setup {
    pub probing: Probing,
    pub threads: usize,
    pub facts_cache: Option<crate::cache::Cache>,
}

impl Setup {
    /// Full probing with `threads` threads and no facts cache.
    pub fn full(threads: usize) -> Setup {
        Setup {
            probing: Probing::Full,
            threads,
            facts_cache: None,
        }
    }
}

/// Rounds of asking: a subtitle file is read before its burn-in font is known, so a draft's
/// needs come in at most three waves.
const ROUNDS: usize = 4;

/// Gather what `draft` needs, on top of `known` (facts the caller already has).
pub fn gather(draft: &Draft, opts: &CheckOptions, setup: &Setup, known: Facts) -> Facts {
    let mut facts = known;
    for _ in 0..ROUNDS {
        let needs = draft.needs(&facts, opts);
        if needs.is_empty() {
            break;
        }
        let found: Vec<Found> = needs.par_iter().map(|n| find(n, setup)).collect();
        for f in found {
            match f {
                Found::Media(p, m) => facts.insert_media(p, *m),
                Found::Bytes(p, b) => facts.insert_bytes(p, b),
                Found::Canonical(p, c) => facts.insert_canonical(p, c),
                Found::Filter(n, present) => facts.insert_filter(n, present),
            }
        }
    }
    facts
}

enum Found {
    Media(std::path::PathBuf, Box<FileFacts>),
    Bytes(std::path::PathBuf, Result<Arc<[u8]>, String>),
    Canonical(std::path::PathBuf, Option<std::path::PathBuf>),
    Filter(String, bool),
}

fn find(need: &Need, setup: &Setup) -> Found {
    match need {
        Need::Media(p) => Found::Media(p.clone(), Box::new(media(p, setup))),
        Need::Bytes(p) => Found::Bytes(p.clone(), read_regular(p)),
        Need::Canonical(p) => Found::Canonical(p.clone(), std::fs::canonicalize(p).ok()),
        Need::Filter(n) => Found::Filter(n.clone(), crate::media::has_filter(n)),
    }
}

fn media(path: &Path, setup: &Setup) -> FileFacts {
    match setup.probing {
        Probing::Full => match probe(path, setup.threads, setup.facts_cache.as_ref()) {
            Ok((media, identity)) => FileFacts::Probed {
                media: Box::new(media),
                identity,
            },
            Err(why) => FileFacts::Unusable(why),
        },
        Probing::PresenceOnly => match std::fs::metadata(path) {
            Ok(m) => match crate::facts::not_a_regular_file(&m) {
                None => match std::fs::File::open(path) {
                    Ok(_) => FileFacts::Present,
                    Err(e) => FileFacts::Unusable(format!("{}: {}", path.display(), io_reason(&e))),
                },
                Some(why) => FileFacts::Unusable(format!("{}: {why}", path.display())),
            },
            Err(e) => FileFacts::Unusable(format!("{}: {}", path.display(), io_reason(&e))),
        },
    }
}

/// A media file's facts and identity: from the facts cache when an earlier probe of the same
/// file (same path and content) left them, else probed — decoding for the colour
/// judgement — and stored there.
pub(crate) fn probe(
    path: &Path,
    threads: usize,
    cache: Option<&crate::cache::Cache>,
) -> Result<(MediaFacts, String), String> {
    // Open it first: a missing or unreadable file is said so, whatever the cache holds.
    let identity = crate::cache::source_identity(path, cache)
        .map_err(|e| format!("{}: {}", path.display(), io_reason(&e)))?;
    let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if let Some(facts) = cache.and_then(|c| c.facts(&key, &identity)) {
        return Ok((facts, identity));
    }
    let facts = crate::media::probe::probe_file(path, threads).map_err(|e| e.to_string())?;
    if let Some(c) = cache {
        c.store_facts(&key, &identity, &facts);
    }
    Ok((facts, identity))
}

/// A whole regular file's bytes (a FIFO or a device is refused, not read: it could block or
/// never end), or why not, in the user's words.
fn read_regular(p: &Path) -> Result<Arc<[u8]>, String> {
    let meta = std::fs::metadata(p).map_err(|e| io_reason(&e))?;
    if let Some(why) = crate::facts::not_a_regular_file(&meta) {
        return Err(why.into());
    }
    std::fs::read(p).map(Arc::from).map_err(|e| io_reason(&e))
}

/// An I/O error in the user's words.
pub(crate) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "file not found".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// Read the EDL file at `path`.
fn read(path: &Path) -> Result<String, LoadError> {
    std::fs::read_to_string(path).map_err(|e| LoadError::Read {
        path: path.to_path_buf(),
        source: e,
    })
}

/// Check the EDL text `text` (as if it were the file `path`) against its files.
pub fn check_str(text: &str, path: &Path, opts: &CheckOptions, setup: &Setup) -> Checked {
    let draft = edl::parse(text, path);
    let known = Facts::new(setup.probing == Probing::Full);
    let facts = gather(&draft, opts, setup, known);
    edl::check(&draft, &facts, opts)
}

/// Check the EDL file at `path`: every problem, and the checked EDL when it has none (and was
/// probed). This is what `roughcut validate` reports.
pub fn check_file(path: &Path, opts: &CheckOptions, setup: &Setup) -> Result<Checked, LoadError> {
    Ok(check_str(&read(path)?, path, opts, setup))
}

/// Read, check and probe the EDL at `path` into a checked EDL, or every problem found.
pub fn load(path: &Path, opts: &CheckOptions, setup: &Setup) -> Result<Loaded, LoadError> {
    check_file(path, opts, setup)?.into_loaded(path)
}

/// [`load`] for EDL text, as if it were the file `path`.
pub fn load_str(
    text: &str,
    path: &Path,
    opts: &CheckOptions,
    setup: &Setup,
) -> Result<Loaded, LoadError> {
    check_str(text, path, opts, setup).into_loaded(path)
}
