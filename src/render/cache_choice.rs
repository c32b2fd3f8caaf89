//! Which segment cache a render uses: none, the default folder (a convenience: without it the
//! render goes on and says so), or an explicit folder (required).

use std::path::PathBuf;

use crate::cache::Cache;

/// Said when no cache folder can be found.
pub const NO_CACHE_DIR: &str =
    "no cache folder: set ROUGHCUT_CACHE_DIR or HOME, or give --cache-dir";

/// Where a render's segment cache comes from.
#[derive(Debug, Clone)]
pub enum CacheChoice {
    /// `--no-cache`.
    Off,
    /// The default location (`None`: there is none, e.g. no HOME).
    Default(Option<PathBuf>),
    /// `--cache-dir`.
    Explicit(PathBuf),
}

/// Why a render cannot have the cache it needs.
#[derive(Debug, thiserror::Error)]
pub enum CacheProblem {
    /// No folder to use, and the render needs one (shards, `--assemble-only`).
    #[error("{NO_CACHE_DIR}")]
    NoFolder,
    /// The folder cannot be used.
    #[error("cannot use the cache {}: {source} (give another --cache-dir)", root.display())]
    Unusable {
        root: PathBuf,
        source: std::io::Error,
    },
}

/// Open the cache for a render. The default location is a convenience: when it is missing or
/// unusable the render goes on without a cache and says so (the warning); an explicit
/// `--cache-dir`, or a render that needs a cache (`required`: shards and `--assemble-only`),
/// fails instead.
pub fn open_cache(
    choice: CacheChoice,
    required: bool,
) -> Result<(Option<Cache>, Option<String>), CacheProblem> {
    let (root, explicit) = match choice {
        CacheChoice::Off => return Ok((None, None)),
        CacheChoice::Default(None) if !required => {
            return Ok((
                None,
                Some(format!("{NO_CACHE_DIR}; rendering without a cache")),
            ))
        }
        CacheChoice::Default(None) => return Err(CacheProblem::NoFolder),
        CacheChoice::Default(Some(root)) => (root, false),
        CacheChoice::Explicit(root) => (root, true),
    };
    match Cache::open(&root) {
        Ok(c) => Ok((Some(c), None)),
        Err(e) if !explicit && !required => Ok((
            None,
            Some(format!(
                "cannot use the cache {}: {e}; rendering without one (give --cache-dir)",
                root.display()
            )),
        )),
        Err(source) => Err(CacheProblem::Unusable { root, source }),
    }
}
