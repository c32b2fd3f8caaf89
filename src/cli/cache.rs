//! `roughcut cache`: inspect or trim the segment cache.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{print_json, CliError, CliResult};

#[derive(Args)]
#[command(
    after_help = "Examples:\n  roughcut cache stats\n  roughcut cache clean --older-than 14d\n  roughcut cache clean --max-size 20G\n  ROUGHCUT_CACHE_DIR=/mnt/shared/cache roughcut cache stats --json"
)]
pub struct CacheArgs {
    #[command(subcommand)]
    action: CacheAction,
    /// The cache (default: $ROUGHCUT_CACHE_DIR, else ~/.cache/roughcut).
    #[arg(long, value_name = "DIR", global = true)]
    cache_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
enum CacheAction {
    /// Entries, total size, least and most recently used.
    Stats {
        /// Print JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Remove entries not used for a while, or the least recently used beyond a size.
    Clean {
        /// Remove entries not used for this long: `7d`, `12h`, `30m`, `90s`, `2w`.
        #[arg(long, value_parser = parse_age_arg)]
        older_than: Option<std::time::Duration>,
        /// Then remove the least recently used entries until the cache is at most this big:
        /// `20G`, `500M`, or bytes.
        #[arg(long, value_parser = parse_size_arg)]
        max_size: Option<u64>,
    },
}

fn parse_age_arg(s: &str) -> Result<std::time::Duration, String> {
    roughcut::cache::parse_age(s)
        .ok_or_else(|| format!("`{s}` is not an age; write e.g. 7d, 12h, 30m or 90s"))
}

fn parse_size_arg(s: &str) -> Result<u64, String> {
    roughcut::cache::parse_size(s)
        .ok_or_else(|| format!("`{s}` is not a size; write e.g. 20G, 500M or a number of bytes"))
}

pub fn exec(a: CacheArgs) -> CliResult {
    let root = super::cache_root(a.cache_dir)
        .ok_or_else(|| CliError::usage(roughcut::render::NO_CACHE_DIR))?;
    let cache = roughcut::cache::Cache::open(&root)
        .map_err(|e| CliError::failed(format!("cache {}: {e}", root.display())))?;
    let mb = |b: u64| b as f64 / (1 << 20) as f64;
    match a.action {
        CacheAction::Stats { json } => {
            let st = cache.stats();
            if json {
                return print_json(&st);
            }
            let age = |s: Option<u64>| {
                s.map_or("-".to_string(), |s| {
                    format!("{:.1} h ago", s as f64 / 3600.0)
                })
            };
            eprintln!(
                "{}: {} entr(ies) (segments, sound chunks and finished outputs), {:.1} MB; least recently used {}, most recently {}; facts of {} file(s), {:.1} MB",
                st.dir.display(),
                st.entries,
                mb(st.bytes),
                age(st.oldest_seconds),
                age(st.newest_seconds),
                st.facts_files,
                mb(st.facts_bytes)
            );
        }
        CacheAction::Clean {
            older_than,
            max_size,
        } => {
            if older_than.is_none() && max_size.is_none() {
                return Err(CliError::usage(
                    "cache clean: say what to remove: --older-than AGE and/or --max-size SIZE",
                ));
            }
            let (n, bytes) = cache.clean(older_than, max_size);
            eprintln!(
                "{}: removed {n} entr(ies), {:.1} MB",
                root.display(),
                mb(bytes)
            );
        }
    }
    Ok(())
}
