//! `roughcut render`: an EDL into one preview file, in parallel.

use std::path::PathBuf;

use clap::Args;
use roughcut::cache::Cache;
use roughcut::render::{self, CacheChoice, RenderError, RenderOptions};

use super::{print_json, resolve, write_json, CliError, CliResult, Exit, ProgressMode};

#[derive(Args)]
#[command(
    after_help = "Examples:\n  roughcut render cut.json\n  roughcut render cut.json -o /tmp/preview.mp4 --jobs 2\n  roughcut render cut.json --dry-run              # print the plan, render nothing\n  roughcut render cut.json --draft -o draft.mp4    # a quick small preview\n  roughcut render cut.json --dry-run --json | jq '.segments | length'\n  roughcut render cut.json --progress json > events.ndjson\n  roughcut render cut.json --report report.json   # for CI: cached/rendered segments, checksum\n  roughcut render cut.json --shard 2/4 --cache-dir /shared/cache   # see docs/scale-out.md\n\nThe output is written under a temporary name beside it and renamed when complete: an error or\nCtrl-C never leaves a partial file at the output path. Exit codes: 0 rendered, 1 the render\nfailed, 3 invalid EDL or media, 130 interrupted."
)]
pub struct RenderArgs {
    /// The EDL file (JSON).
    edl: PathBuf,
    /// Output file (overrides `output.path`); .mp4, .mov or .mkv.
    #[arg(short = 'o', long)]
    output: Option<PathBuf>,
    /// Parallel segment workers (default: the number of cores).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    jobs: Option<u16>,
    /// Progress display: bars on a terminal, nothing but warnings and the summary otherwise (`auto`), plain lines, NDJSON events on stdout (`json`), or nothing.
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    progress: ProgressMode,
    /// Print the plan (segments, frame and sample ranges, filters) and render nothing.
    #[arg(long)]
    dry_run: bool,
    /// A draft preview: at most 640x360, sources decoded at reduced resolution where the codec
    /// can, fast scaling and x264 ultrafast; frames, sound, sync, black-and-white and subtitles
    /// as exact as a full render (as `output.draft: true`; cached apart from full renders).
    #[arg(long)]
    draft: bool,
    /// With --dry-run: print the plan as JSON on stdout.
    #[arg(long, requires = "dry_run")]
    json: bool,
    /// Also write each subtitle track, retimed to the program, as UTF-8 SubRip into this
    /// folder (`<output name>.<language>.srt`), for review platforms.
    #[arg(long, value_name = "DIR")]
    subtitles_out: Option<PathBuf>,
    /// Say more: subtitle cues that were dropped and why.
    #[arg(long, short = 'v')]
    verbose: bool,
    /// Write a JSON report (plan, cached/rendered segments, timings, facts measured from the
    /// written file, warnings, checksum); its shape: `roughcut schema report`.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// The segment cache (default: $ROUGHCUT_CACHE_DIR, else ~/.cache/roughcut).
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    cache_dir: Option<PathBuf>,
    /// Render every segment afresh and store nothing.
    #[arg(long)]
    no_cache: bool,
    /// Keep the cache at most this big: after the render, the least recently used entries
    /// beyond it are removed (never this render's own). `20G`, `500M`, bytes, or `none`.
    #[arg(long, value_name = "SIZE", env = "ROUGHCUT_CACHE_LIMIT", default_value = "20G", value_parser = parse_limit, conflicts_with = "no_cache")]
    cache_limit: Limit,

    /// Render only shard K of N (1-based) into the cache and exit; run `--assemble-only`
    /// after all shards are done. See docs/scale-out.md.
    #[arg(long, value_name = "K/N", value_parser = parse_shard, conflicts_with_all = ["no_cache", "assemble_only", "dry_run"])]
    shard: Option<(usize, usize)>,
    /// Join the cached segments into the output without rendering any; fails listing the
    /// segments that are missing.
    #[arg(long, conflicts_with_all = ["no_cache", "dry_run"])]
    assemble_only: bool,
    /// Also write a storyboard of the cut into this folder (contact sheet, review page with a
    /// player for the render; see `roughcut storyboard --help`).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["dry_run", "shard"])]
    storyboard: Option<PathBuf>,
}

/// A cache size limit, or none.
#[derive(Clone, Copy, Debug)]
pub struct Limit(Option<u64>);

fn parse_limit(s: &str) -> Result<Limit, String> {
    if s.trim().eq_ignore_ascii_case("none") {
        return Ok(Limit(None));
    }
    roughcut::cache::parse_size(s)
        .map(|b| Limit(Some(b)))
        .ok_or_else(|| {
            format!("`{s}` is not a size; write e.g. 20G, 500M, a number of bytes, or none")
        })
}

fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let err = || format!("`{s}` is not a shard; write K/N with 1 ≤ K ≤ N, e.g. 2/4");
    let (k, n) = s.split_once('/').ok_or_else(err)?;
    let (k, n): (usize, usize) = (
        k.trim().parse().map_err(|_| err())?,
        n.trim().parse().map_err(|_| err())?,
    );
    if k == 0 || n == 0 || k > n || n > 10_000 {
        return Err(err());
    }
    Ok((k - 1, n))
}

pub fn exec(a: RenderArgs) -> CliResult {
    let setup = super::setup(a.cache_dir.as_deref(), a.no_cache);
    let super::Planned {
        edl,
        plan,
        mut warnings,
        sources,
    } = super::load_plan(&a.edl, a.output.clone(), a.draft, &setup)?;
    if a.verbose {
        super::print_dropped(&plan);
    }
    if a.dry_run {
        return if a.json {
            print_json(&plan)
        } else {
            super::text::print_plan(&plan);
            Ok(())
        };
    }
    super::before_encoding();
    let cache = open_cache(&a, &mut warnings)?;
    let cache_dir = cache.as_ref().map(|c| c.root().to_path_buf());
    let kept = cache.clone();
    let started = std::time::SystemTime::now();
    let cancel = super::interruptible();
    let mode = a.progress;
    let progress = super::ui::render_display(resolve(mode));
    let opts = RenderOptions {
        budget: super::budget(a.jobs),
        cache,
        shard: a.shard,
        assemble_only: a.assemble_only,
        keep_output: true,
    };
    let s = render::render(&plan, opts, progress.as_ref(), &cancel).map_err(|e| match e {
        RenderError::Cancelled { output } => CliError::new(
            Exit::Interrupted,
            format!("interrupted; nothing was written to {}", output.display()),
        ),
        err => CliError::failed(format!("render failed: {err}")),
    })?;
    let quiet = mode == ProgressMode::None;
    if let (Some(cache), Limit(Some(limit))) = (&kept, a.cache_limit) {
        let (removed, freed) = cache.trim(limit, started);
        if removed > 0 && !quiet {
            eprintln!(
                "cache: removed {removed} least recently used entr{} ({:.1} MB) to stay under {:.1} GB",
                if removed == 1 { "y" } else { "ies" },
                freed as f64 / (1u64 << 20) as f64,
                limit as f64 / (1u64 << 30) as f64
            );
        }
    }
    for w in &s.warnings {
        eprintln!("roughcut: warning: {w}");
    }
    warnings.extend(s.warnings.iter().cloned());
    let facts = match &s.output {
        None => {
            super::text::print_shard(&s, a.shard);
            None
        }
        Some(out) => finish_output(&a, &edl, &plan, &s, out, &mut warnings, &cancel)?,
    };
    if let Some(file) = &a.report {
        let extras = render::report::Extras {
            edl: &a.edl,
            cache_dir: cache_dir.as_deref(),
            shard: a.shard,
            output: facts,
            sources,
            warnings,
        };
        let r = render::report::build(&plan, &s, extras);
        write_json(file, &r)
            .map_err(|e| CliError::failed(format!("writing the report {}: {e}", file.display())))?;
    }
    Ok(())
}

/// The segment cache this render uses: none (`--no-cache`), `--cache-dir` (required), or the
/// default folder (a convenience: without it the render goes on, and `warnings` says so). A
/// shard or `--assemble-only` needs one.
fn open_cache(a: &RenderArgs, warnings: &mut Vec<String>) -> Result<Option<Cache>, CliError> {
    let choice = match (a.no_cache, &a.cache_dir) {
        (true, _) => CacheChoice::Off,
        (false, Some(dir)) => CacheChoice::Explicit(dir.clone()),
        (false, None) => CacheChoice::Default(roughcut::cache::default_dir()),
    };
    let required = a.shard.is_some() || a.assemble_only;
    let (cache, warning) = render::open_cache(choice, required).map_err(|e| match e {
        render::CacheProblem::NoFolder => CliError::usage(e),
        render::CacheProblem::Unusable { .. } => CliError::failed(e),
    })?;
    if let Some(w) = warning {
        eprintln!("roughcut: warning: {w}");
        warnings.push(w);
    }
    Ok(cache)
}

/// After the output is written: the summary, subtitles out, loudness, the storyboard, the
/// loudness warning, and the output's facts when a report is wanted.
fn finish_output(
    a: &RenderArgs,
    edl: &roughcut::edl::Edl,
    plan: &roughcut::plan::Plan,
    s: &render::RenderSummary,
    out: &std::path::Path,
    warnings: &mut Vec<String>,
    cancel: &roughcut::cancel::Cancel,
) -> Result<Option<render::report::OutputFacts>, CliError> {
    let quiet = a.progress == ProgressMode::None;
    if !quiet {
        super::text::print_summary(plan, s, out);
    }
    if let Some(dir) = &a.subtitles_out {
        let paths =
            render::write_subtitles(dir, &plan.output.path, &plan.subtitles).map_err(|e| {
                CliError::failed(format!("writing subtitles into {}: {e}", dir.display()))
            })?;
        for p in paths.iter().filter(|_| !quiet) {
            eprintln!("subtitles: {}", p.display());
        }
    }
    if !quiet {
        super::text::print_loudness(plan, s);
    }
    if let Some(dir) = &a.storyboard {
        let opts = roughcut::storyboard::Options {
            thumb_width: 240,
            video: Some(out.to_path_buf()),
            warnings: warnings.clone(),
            diff: None,
        };
        super::write_storyboard(edl, plan, dir, &opts, a.jobs, cancel)?;
    }
    if let Some(w) = render::loudness_warning(plan, s) {
        eprintln!("roughcut: warning: {w}");
        warnings.push(w);
    }
    if a.report.is_none() {
        return Ok(None);
    }
    render::report::output_facts(out)
        .map(Some)
        .map_err(|e| CliError::failed(format!("measuring the output for the report: {e}")))
}
