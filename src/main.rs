//! The `roughcut` command: clap definitions and exit codes; the work happens in the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use roughcut::edl::{self, LoadError, LoadOptions};
use roughcut::exit;
use roughcut::plan::{self, Picture, PlanOptions};
use roughcut::render::{self, Progress, RenderError, RenderOptions};

mod ui;

#[derive(Parser)]
#[command(
    name = "roughcut",
    version,
    about = "Render preview cuts from a JSON edit decision list, in parallel, through FFmpeg",
    after_help = "Exit codes: 0 success, 1 the work failed, 2 usage error, 3 invalid input (EDL or media), 130 interrupted.\nHuman text goes to stderr; machine output (JSON) to stdout.\n\nExamples:\n  roughcut samples edl/media\n  roughcut validate edl/komsomolsk-rough-cut.json\n  roughcut probe edl/media/amur_2004_pal.mkv --json\n  roughcut render edl/komsomolsk-rough-cut.json -o /tmp/preview.mp4"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check an EDL and report every problem at once, each with a JSON pointer.
    #[command(
        after_help = "Examples:\n  roughcut validate cut.json\n  roughcut validate cut.json --format json | jq '.[] | .pointer'\n  roughcut validate cut.json --no-probe      # text only: do not open the media\n\nExit code 0 when the EDL is valid (warnings allowed), 3 when it has errors."
    )]
    Validate {
        /// The EDL file (JSON).
        edl: PathBuf,
        /// Output format of the diagnostics.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Do not open and probe the media files (only check that they exist).
        #[arg(long)]
        no_probe: bool,
    },
    /// Describe media files: container, streams, sizes, rates, field order, colour, sound.
    #[command(
        after_help = "Examples:\n  roughcut probe clip.mov\n  roughcut probe media/*.mp4 --json > facts.json\n  roughcut probe --loudness preview.mp4      # integrated loudness, range, true peak\n\nExit code 0 when every file was read, 3 when any could not be."
    )]
    Probe {
        /// Media files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print JSON (an array, one object per file) to stdout.
        #[arg(long)]
        json: bool,
        /// Also measure the loudness of the first audio stream (EBU R128, as FFmpeg's ebur128
        /// filter measures it): integrated LUFS, loudness range LU, true peak dBTP.
        #[arg(long)]
        loudness: bool,
    },
    /// Render an EDL into one preview file, in parallel.
    #[command(
        after_help = "Examples:\n  roughcut render cut.json\n  roughcut render cut.json -o /tmp/preview.mp4 --jobs 2\n  roughcut render cut.json --dry-run              # print the plan, render nothing\n  roughcut render cut.json --dry-run --json | jq '.segments | length'\n  roughcut render cut.json --progress json > events.ndjson\n  roughcut render cut.json --report report.json   # for CI: cached/rendered segments, checksum\n  roughcut render cut.json --shard 2/4 --cache-dir /shared/cache   # see docs/scale-out.md\n\nThe output is written under a temporary name beside it and renamed when complete: an error or\nCtrl-C never leaves a partial file at the output path. Exit codes: 0 rendered, 1 the render\nfailed, 3 invalid EDL or media, 130 interrupted."
    )]
    Render(RenderArgs),
    /// Transcode files and folders of mixed media into uniform proxies or deliveries, in parallel, with render's conform rules.
    #[command(
        after_help = "Examples:\n  roughcut transcode /media/rushes -o /media/proxies                  # proxy profile\n  roughcut transcode tape1.dv tape2.dv scans/ -o out --profile edit   # ProRes Proxy + PCM in MOV\n  roughcut transcode rushes -o wav --profile audio\n  roughcut transcode rushes -o out --profiles ci-profiles.json --profile dailies --report batch.json\n\nProfiles: proxy (640x360 H.264/AAC MP4), preview (1280x720), edit (ProRes 422 Proxy + PCM, MOV),\naudio (WAV 48 kHz). A profiles file: {\"profiles\": {\"NAME\": {\"container\": \"mp4\", ...output fields as in an EDL...}}}.\nOutputs mirror the input tree under -o; outputs already made from the same source and profile are\nskipped (--force redoes them). One bad input does not stop the batch: every failure is listed at\nthe end. Exit codes: 0 all done, 1 some input failed, 2 usage error, 130 interrupted."
    )]
    Transcode(TranscodeArgs),
    /// Inspect or trim the segment cache.
    #[command(
        after_help = "Examples:\n  roughcut cache stats\n  roughcut cache clean --older-than 14d\n  roughcut cache clean --max-size 20G\n  ROUGHCUT_CACHE_DIR=/mnt/shared/cache roughcut cache stats --json"
    )]
    Cache {
        #[command(subcommand)]
        action: CacheAction,
        /// The cache (default: $ROUGHCUT_CACHE_DIR, else ~/.cache/roughcut).
        #[arg(long, value_name = "DIR", global = true)]
        cache_dir: Option<PathBuf>,
    },
    /// Print every subtitle track's cues as they fall in the program (retimed through the edit), without rendering.
    #[command(
        after_help = "Examples:\n  roughcut subtitles cut.json\n  roughcut subtitles cut.json --json | jq '.[0].cues | length'\n  roughcut subtitles cut.json --verbose     # also the cues that were dropped, and why\n\nExit codes: 0 printed, 3 invalid EDL or media."
    )]
    Subtitles {
        /// The EDL file (JSON).
        edl: PathBuf,
        /// Print the tracks as JSON on stdout.
        #[arg(long)]
        json: bool,
        /// Also list the cues that were dropped and why.
        #[arg(long, short = 'v')]
        verbose: bool,
    },
    /// Write the generated sample media set used by the example EDLs.
    #[command(
        after_help = "Examples:\n  roughcut samples edl/media\n\nWrites a PAL DV-style interlaced colour clip with flash and beep sync marks, a gray 18 fps\narchival clip, a black-and-white telecine with a colour cast, an HD 5.1 clip and Russian and\nEnglish subtitles (a few MB in all)."
    )]
    Samples {
        /// Folder to write into (created if missing).
        dir: PathBuf,
    },
    /// Print the JSON Schema of the EDL format, or of render reports (generated from roughcut's own types).
    #[command(
        after_help = "Examples:\n  roughcut schema > edl.schema.json\n  roughcut schema report > report.schema.json"
    )]
    Schema {
        /// Which schema.
        #[arg(value_enum, default_value_t = SchemaKind::Edl)]
        kind: SchemaKind,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SchemaKind {
    Edl,
    Report,
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

fn parse_age_arg(s: &str) -> Result<std::time::Duration, String> {
    roughcut::cache::parse_age(s)
        .ok_or_else(|| format!("`{s}` is not an age; write e.g. 7d, 12h, 30m or 90s"))
}

fn parse_size_arg(s: &str) -> Result<u64, String> {
    roughcut::cache::parse_size(s)
        .ok_or_else(|| format!("`{s}` is not a size; write e.g. 20G, 500M or a number of bytes"))
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ProgressMode {
    Auto,
    Bars,
    Plain,
    Json,
    None,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit::USAGE as u8
            } else {
                exit::SUCCESS as u8
            });
        }
    };
    roughcut::media::init();
    let code = match cli.command {
        Command::Validate {
            edl,
            format,
            no_probe,
        } => validate(&edl, format, !no_probe),
        Command::Probe {
            files,
            json,
            loudness,
        } => probe(&files, json, loudness),
        Command::Render(a) => render_cmd(a),
        Command::Cache { action, cache_dir } => cache_cmd(action, cache_dir),
        Command::Transcode(a) => transcode_cmd(a),
        Command::Subtitles { edl, json, verbose } => subtitles_cmd(&edl, json, verbose),
        Command::Samples { dir } => samples(&dir),
        Command::Schema { kind } => match kind {
            SchemaKind::Edl => print_json(&roughcut::edl::raw::schema()),
            SchemaKind::Report => print_json(&render::report::schema()),
        },
    };
    ExitCode::from(code as u8)
}

fn print_json<T: serde::Serialize>(value: &T) -> i32 {
    match serde_json::to_string_pretty(value) {
        Ok(s) => {
            println!("{s}");
            exit::SUCCESS
        }
        Err(e) => {
            eprintln!("roughcut: cannot write JSON: {e}");
            exit::FAILED
        }
    }
}

fn validate(path: &std::path::Path, format: Format, probe: bool) -> i32 {
    let shown = path.display().to_string();
    let (diagnostics, summary, code) = match edl::check_file(path, LoadOptions { probe }) {
        Ok((checked, diagnostics)) => {
            let errors = diagnostics.iter().filter(|d| d.is_error()).count();
            let warnings = diagnostics.len() - errors;
            if errors > 0 {
                let summary =
                    format!("{shown}: invalid — {errors} error(s), {warnings} warning(s)");
                (diagnostics, summary, exit::INVALID_INPUT)
            } else {
                let summary = match checked {
                    Some(e) => {
                        let frames = e.program_frames();
                        format!(
                            "{shown}: valid — {} events, {} sources, program {} ({} frames at {} fps), {warnings} warning(s)",
                            e.timeline.len(),
                            e.sources.len(),
                            roughcut::time::frames_to_timecode(frames, e.output.fps, false),
                            frames,
                            e.output.fps
                        )
                    }
                    None => format!(
                        "{shown}: no errors, {warnings} warning(s) (some checks need probing)"
                    ),
                };
                (diagnostics, summary, exit::SUCCESS)
            }
        }
        Err(e) => {
            let d = edl::Diagnostic::error("", e.to_string());
            (
                vec![d],
                format!("{shown}: cannot be read"),
                exit::INVALID_INPUT,
            )
        }
    };
    match format {
        Format::Json => {
            if print_json(&diagnostics) != exit::SUCCESS {
                return exit::FAILED;
            }
        }
        Format::Text => {
            for d in &diagnostics {
                eprintln!("{}", d.render(&shown));
            }
        }
    }
    eprintln!("{summary}");
    code
}

fn probe(files: &[PathBuf], json: bool, loudness: bool) -> i32 {
    use rayon::prelude::*;
    let results: Vec<_> = files
        .par_iter()
        .map(|f| {
            let facts = roughcut::probe::probe_file(f)?;
            let measured = if loudness {
                Some(roughcut::media::loudness::measure_file(f, 0)?)
            } else {
                None
            };
            Ok::<_, roughcut::media::MediaError>((facts, measured))
        })
        .collect();
    let mut code = exit::SUCCESS;
    let mut out = Vec::new();
    for (file, r) in files.iter().zip(results) {
        match r {
            Ok((facts, measured)) => {
                if !json {
                    eprint!("{}", roughcut::probe::describe(&facts));
                    if let Some(l) = &measured {
                        eprintln!(
                            "  loudness: integrated {:.1} LUFS, range {:.1} LU, true peak {:.1} dBTP",
                            l.integrated, l.range, l.true_peak
                        );
                    }
                }
                let mut v = serde_json::to_value(&facts).unwrap_or(serde_json::Value::Null);
                if let (Some(l), Some(obj)) = (measured, v.as_object_mut()) {
                    obj.insert(
                        "loudness".into(),
                        serde_json::to_value(l).unwrap_or(serde_json::Value::Null),
                    );
                }
                out.push(v);
            }
            Err(e) => {
                eprintln!("roughcut: {e}");
                out.push(serde_json::json!({ "path": file.display().to_string(), "error": e.to_string() }));
                code = exit::INVALID_INPUT;
            }
        }
    }
    if json && print_json(&out) != exit::SUCCESS {
        return exit::FAILED;
    }
    code
}

fn samples(dir: &std::path::Path) -> i32 {
    eprintln!("writing sample media into {} …", dir.display());
    match roughcut::samples::write_samples(dir) {
        Ok(paths) => {
            for p in paths {
                eprintln!("  {}", p.display());
            }
            exit::SUCCESS
        }
        Err(e) => {
            eprintln!("roughcut: samples: {e}");
            exit::FAILED
        }
    }
}

/// Set by the Ctrl-C / SIGTERM handler; workers check it and stop.
static CANCEL: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// What `render` was asked to do.
#[derive(Args)]
struct RenderArgs {
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
    /// Render only shard K of N (1-based) into the cache and exit; run `--assemble-only`
    /// after all shards are done. See docs/scale-out.md.
    #[arg(long, value_name = "K/N", value_parser = parse_shard, conflicts_with_all = ["no_cache", "assemble_only", "dry_run"])]
    shard: Option<(usize, usize)>,
    /// Join the cached segments into the output without rendering any; fails listing the
    /// segments that are missing.
    #[arg(long, conflicts_with_all = ["no_cache", "dry_run"])]
    assemble_only: bool,
}

/// `auto` means bars on a terminal and nothing otherwise (scripts and CI get only warnings, failures
/// and the summary line); other modes are themselves.
fn resolve(mode: ProgressMode) -> ProgressMode {
    use std::io::IsTerminal;
    match mode {
        ProgressMode::Auto if std::io::stderr().is_terminal() => ProgressMode::Bars,
        ProgressMode::Auto => ProgressMode::None,
        m => m,
    }
}

/// Ctrl-C and SIGTERM set [`CANCEL`]; the work stops promptly and leaves nothing partial.
fn install_ctrlc() {
    if let Err(err) = ctrlc::set_handler(|| CANCEL.store(true, std::sync::atomic::Ordering::SeqCst))
    {
        eprintln!("roughcut: cannot install the Ctrl-C handler: {err}");
    }
}

/// Write `value` as pretty JSON to `file`, under a temporary name renamed when complete.
fn write_json<T: serde::Serialize>(file: &std::path::Path, value: &T) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(std::io::Error::other)?;
    let tmp = file.with_extension("json.partial");
    std::fs::write(&tmp, text + "\n")?;
    std::fs::rename(&tmp, file)
}

/// What `transcode` was asked to do.
#[derive(Args)]
struct TranscodeArgs {
    /// Media files and folders (searched recursively; files are recognised by probing).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Output folder (created if missing).
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    out_dir: PathBuf,
    /// Profile: proxy (default), preview, edit, audio, or one from --profiles.
    #[arg(long, default_value = "proxy")]
    profile: String,
    /// A JSON file of further profiles (same fields as an EDL's output, plus "container").
    #[arg(long, value_name = "FILE")]
    profiles: Option<PathBuf>,
    /// Parallel workers in all (default: the number of cores).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    jobs: Option<u16>,
    /// Redo outputs that are up to date.
    #[arg(long)]
    force: bool,
    /// Write a JSON report: each input with its outcome, output facts and timings.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Progress display: bars on a terminal, nothing but failures and the summary otherwise (`auto`), plain lines, NDJSON on stdout (`json`), or nothing.
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    progress: ProgressMode,
}

fn transcode_cmd(a: TranscodeArgs) -> i32 {
    use roughcut::transcode::{self, Outcome};
    let started = std::time::Instant::now();
    let mut custom = std::collections::BTreeMap::new();
    if let Some(file) = &a.profiles {
        match transcode::load_profiles(file) {
            Ok(p) => custom = p,
            Err(e) => {
                eprintln!("roughcut: {e}");
                return exit::INVALID_INPUT;
            }
        }
    }
    let Some(profile) = custom
        .get(&a.profile)
        .cloned()
        .or_else(|| transcode::builtin(&a.profile))
    else {
        let mut names: Vec<String> = transcode::BUILTIN
            .iter()
            .map(|(n, _)| n.to_string())
            .collect();
        names.extend(custom.keys().cloned());
        eprintln!(
            "roughcut: unknown profile `{}`; use one of: {}",
            a.profile,
            names.join(", ")
        );
        return exit::USAGE;
    };
    if let Err(e) = std::fs::create_dir_all(&a.out_dir) {
        eprintln!("roughcut: cannot create {}: {e}", a.out_dir.display());
        return exit::FAILED;
    }
    let jobs_list = match transcode::collect(&a.inputs, &a.out_dir, &profile) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("roughcut: {e}");
            return exit::INVALID_INPUT;
        }
    };
    if jobs_list.is_empty() {
        eprintln!("roughcut: no media found in the inputs; give video or sound files, or folders holding them");
        return exit::INVALID_INPUT;
    }
    install_ctrlc();
    let display: Box<dyn transcode::BatchProgress> = match resolve(a.progress) {
        ProgressMode::Json => Box::new(ui::BatchJson),
        ProgressMode::Plain => Box::new(ui::BatchPlain::new()),
        ProgressMode::Bars => Box::new(ui::BatchBars::new()),
        ProgressMode::None | ProgressMode::Auto => Box::new(ui::BatchQuiet),
    };
    let opts = transcode::Options {
        out_dir: a.out_dir.clone(),
        profile: &profile,
        jobs: a.jobs.map_or_else(default_jobs, usize::from),
        force: a.force,
        measure: a.report.is_some(),
    };
    let entries = transcode::run(&jobs_list, &opts, display.as_ref(), &CANCEL);
    drop(display);
    let count = |f: fn(&Outcome) -> bool| entries.iter().filter(|e| f(&e.outcome)).count();
    let converted = count(|o| matches!(o, Outcome::Converted { .. }));
    let skipped = count(|o| matches!(o, Outcome::Skipped { .. }));
    let failed = count(|o| matches!(o, Outcome::Failed { .. }));
    for e in &entries {
        if let Outcome::Failed { reason } = &e.outcome {
            eprintln!("failed: {}: {reason}", e.input);
        }
    }
    let interrupted = CANCEL.load(std::sync::atomic::Ordering::Relaxed);
    let seconds = started.elapsed().as_secs_f64();
    if a.progress != ProgressMode::None {
        eprintln!(
            "transcoded {converted} file(s) to `{}` in {}, {skipped} up to date, {failed} failed{}, in {seconds:.1} s",
            profile.name,
            a.out_dir.display(),
            if interrupted { ", interrupted" } else { "" }
        );
    }
    if let Some(file) = &a.report {
        let doc = serde_json::json!({
            "roughcut": env!("CARGO_PKG_VERSION"),
            "profile": profile.name,
            "output_dir": a.out_dir.display().to_string(),
            "converted": converted,
            "skipped": skipped,
            "failed": failed,
            "interrupted": interrupted,
            "seconds": seconds,
            "inputs": entries,
        });
        if let Err(e) = write_json(file, &doc) {
            eprintln!("roughcut: writing the report {}: {e}", file.display());
            return exit::FAILED;
        }
    }
    if interrupted {
        exit::INTERRUPTED
    } else if failed > 0 {
        exit::FAILED
    } else {
        exit::SUCCESS
    }
}

const NO_CACHE_DIR: &str = "no cache folder: set ROUGHCUT_CACHE_DIR or HOME, or give --cache-dir";

/// The cache to use: `--cache-dir`, else the default location (none without HOME).
fn cache_root(dir: Option<PathBuf>) -> Option<PathBuf> {
    dir.or_else(roughcut::cache::default_dir)
}

fn cache_cmd(action: CacheAction, dir: Option<PathBuf>) -> i32 {
    let Some(root) = cache_root(dir) else {
        eprintln!("roughcut: {NO_CACHE_DIR}");
        return exit::USAGE;
    };
    let cache = match roughcut::cache::Cache::open(&root) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("roughcut: cache {}: {e}", root.display());
            return exit::FAILED;
        }
    };
    let mb = |b: u64| b as f64 / (1 << 20) as f64;
    match action {
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
                "{}: {} segment(s), {:.1} MB; least recently used {}, most recently {}",
                st.dir.display(),
                st.entries,
                mb(st.bytes),
                age(st.oldest_seconds),
                age(st.newest_seconds)
            );
            exit::SUCCESS
        }
        CacheAction::Clean {
            older_than,
            max_size,
        } => {
            if older_than.is_none() && max_size.is_none() {
                eprintln!("roughcut: cache clean: say what to remove: --older-than AGE and/or --max-size SIZE");
                return exit::USAGE;
            }
            let (n, bytes) = cache.clean(older_than, max_size);
            eprintln!(
                "{}: removed {n} segment(s), {:.1} MB",
                root.display(),
                mb(bytes)
            );
            exit::SUCCESS
        }
    }
}

/// Load, check and plan an EDL (with `-o` applied), printing warnings; the exit code on failure.
fn load_plan(
    path: &std::path::Path,
    output: Option<PathBuf>,
) -> Result<(plan::Plan, Vec<String>), i32> {
    let shown = path.display().to_string();
    let loaded = match edl::load(path, LoadOptions { probe: true }) {
        Ok(l) => l,
        Err(LoadError::Invalid { diagnostics, .. }) => {
            for d in &diagnostics {
                eprintln!("{}", d.render(&shown));
            }
            eprintln!("{shown}: invalid — fix the errors above (roughcut validate {shown} lists them too)");
            return Err(exit::INVALID_INPUT);
        }
        Err(e) => {
            eprintln!("roughcut: {e}");
            return Err(exit::INVALID_INPUT);
        }
    };
    let warnings: Vec<String> = loaded.warnings.iter().map(|w| w.render(&shown)).collect();
    for w in &warnings {
        eprintln!("{w}");
    }
    let mut e = loaded.edl;
    if let Some(o) = output {
        let Some(container) = edl::Container::from_path(&o) else {
            eprintln!(
                "roughcut: -o {}: end the output path with .mp4, .mov or .mkv",
                o.display()
            );
            return Err(exit::USAGE);
        };
        if let Some(conflict) = container.audio_conflict(&e.output.audio.codec) {
            eprintln!("roughcut: -o {}: {conflict}", o.display());
            return Err(exit::USAGE);
        }
        if let Some(conflict) = e.output_conflict(&o) {
            eprintln!("roughcut: -o {}: {conflict}", o.display());
            return Err(exit::INVALID_INPUT);
        }
        e.output.path = o;
        e.output.container = container;
    }
    let opts = PlanOptions {
        salt: roughcut::media::library_versions(),
        ..PlanOptions::default()
    };
    plan::build(&e, opts).map(|p| (p, warnings)).map_err(|err| {
        eprintln!("roughcut: {err}");
        exit::INVALID_INPUT
    })
}

fn default_jobs() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// Print the cues that were dropped from each track, and why.
fn print_dropped(plan: &plan::Plan) {
    for t in &plan.subtitles {
        for d in &t.dropped {
            eprintln!(
                "note: {} line {}: cue dropped: {}",
                t.path.display(),
                d.line,
                d.reason
            );
        }
    }
}

fn subtitles_cmd(path: &std::path::Path, json: bool, verbose: bool) -> i32 {
    let plan = match load_plan(path, None) {
        Ok((p, _)) => p,
        Err(code) => return code,
    };
    if verbose {
        print_dropped(&plan);
    }
    if json {
        return print_json(&plan.subtitles);
    }
    if plan.subtitles.is_empty() {
        eprintln!("{}: no subtitles", path.display());
    }
    for t in &plan.subtitles {
        eprintln!(
            "subtitles/{} {} ({}{}): {} cue(s)",
            t.index,
            t.path.display(),
            t.language.as_deref().unwrap_or("no language"),
            if t.burn_in { ", burned in" } else { "" },
            t.cues.len()
        );
        for c in &t.cues {
            let (a, b) = c.millis();
            println!(
                "{}\t{}\t{}\t{}",
                t.language.as_deref().unwrap_or("-"),
                roughcut::subs::ms_text(a),
                roughcut::subs::ms_text(b),
                c.text.replace('\n', " / ")
            );
        }
    }
    exit::SUCCESS
}

fn render_cmd(a: RenderArgs) -> i32 {
    let RenderArgs {
        edl: path,
        output,
        jobs,
        progress: mode,
        dry_run,
        json,
        subtitles_out,
        verbose,
        report,
        cache_dir,
        no_cache,
        shard,
        assemble_only,
    } = a;
    let jobs = jobs.map_or_else(default_jobs, usize::from);
    let (plan, mut warnings) = match load_plan(&path, output) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if verbose {
        print_dropped(&plan);
    }
    if dry_run {
        if json {
            return print_json(&plan);
        }
        print_plan(&plan);
        return exit::SUCCESS;
    }
    let explicit = cache_dir.is_some();
    let needs_cache = shard.is_some() || assemble_only;
    let cache = if no_cache {
        None
    } else {
        match cache_root(cache_dir).map(|root| (roughcut::cache::Cache::open(&root), root)) {
            Some((Ok(c), _)) => Some(c),
            // The default location is a convenience: without it, render without a cache.
            Some((Err(e), root)) if !explicit && !needs_cache => {
                let w = format!(
                    "cannot use the cache {}: {e}; rendering without one (give --cache-dir)",
                    root.display()
                );
                eprintln!("roughcut: warning: {w}");
                warnings.push(w);
                None
            }
            None if !needs_cache => {
                let w = format!("{NO_CACHE_DIR}; rendering without a cache");
                eprintln!("roughcut: warning: {w}");
                warnings.push(w);
                None
            }
            None => {
                eprintln!("roughcut: {NO_CACHE_DIR}");
                return exit::USAGE;
            }
            Some((Err(e), root)) => {
                eprintln!(
                    "roughcut: cannot use the cache {}: {e} (give another --cache-dir)",
                    root.display()
                );
                return exit::FAILED;
            }
        }
    };
    let cache_dir = cache.as_ref().map(|c| c.root().to_path_buf());
    install_ctrlc();
    let progress: Box<dyn Progress> = match resolve(mode) {
        ProgressMode::Json => Box::new(ui::Json),
        ProgressMode::Plain => Box::new(ui::Plain::new()),
        ProgressMode::Bars => Box::new(ui::Bars::new()),
        ProgressMode::None | ProgressMode::Auto => Box::new(render::Silent),
    };
    let opts = RenderOptions {
        jobs,
        cache,
        shard,
        assemble_only,
    };
    let s = match render::render(&plan, opts, progress.as_ref(), &CANCEL) {
        Ok(s) => s,
        Err(RenderError::Cancelled { output }) => {
            eprintln!(
                "roughcut: interrupted; nothing was written to {}",
                output.display()
            );
            return exit::INTERRUPTED;
        }
        Err(err) => {
            eprintln!("roughcut: render failed: {err}");
            return exit::FAILED;
        }
    };
    for w in &s.warnings {
        eprintln!("roughcut: warning: {w}");
    }
    warnings.extend(s.warnings.iter().cloned());
    let count = |st: render::SegmentStatus| s.segments.iter().filter(|o| o.status == st).count();
    let (cached, rendered) = (
        count(render::SegmentStatus::Cached),
        count(render::SegmentStatus::Rendered),
    );
    let mut facts = None;
    match &s.output {
        None => {
            if let Some((k, n)) = shard {
                eprintln!(
                    "shard {}/{n}: {rendered} segment(s) rendered, {cached} already cached, in {:.1} s",
                    k + 1,
                    s.wall_seconds
                );
            }
        }
        Some(out) => {
            let program = roughcut::time::frames_to_timecode(s.frames, plan.output.fps, false);
            let secs =
                s.frames as f64 * plan.output.fps.den() as f64 / plan.output.fps.num() as f64;
            if mode != ProgressMode::None {
                eprintln!(
                    "rendered {}: {program} ({} frames, {} samples) in {:.1} s, {:.2}× realtime; {rendered} segment(s) rendered, {cached} from the cache",
                    out.display(),
                    s.frames,
                    s.samples,
                    s.wall_seconds,
                    if s.wall_seconds > 0.0 {
                        secs / s.wall_seconds
                    } else {
                        0.0
                    }
                );
            }
            if let Some(dir) = &subtitles_out {
                match render::write_subtitles(dir, &plan.output.path, &plan.subtitles) {
                    Ok(paths) => {
                        if mode != ProgressMode::None {
                            for p in paths {
                                eprintln!("subtitles: {}", p.display());
                            }
                        }
                    }
                    Err(err) => {
                        eprintln!("roughcut: writing subtitles into {}: {err}", dir.display());
                        return exit::FAILED;
                    }
                }
            }
            if let Some((applied, written)) = &s.loudness {
                let target = plan.output.audio.loudness;
                if mode != ProgressMode::None {
                    eprintln!(
                    "loudness: measured {:.1} LUFS (true peak {:.1} dBTP), gain {:+.1} dB{}; written file {:.1} LUFS, true peak {:.1} dBTP{}",
                    applied.measured.integrated,
                    applied.measured.true_peak,
                    applied.gain_db,
                    if applied.limited { " with peak limiting" } else { "" },
                    written.integrated,
                    written.true_peak,
                    target.map_or(String::new(), |t| format!(" (target {} LUFS, ceiling {} dBTP)", t.target, t.true_peak)),
                );
                }
                if let Some(t) = target {
                    if (written.integrated - t.target).abs() > 1.0
                        || written.true_peak > t.true_peak
                    {
                        let w = "the written sound misses the loudness target (more than 1 LU off, or peaks over the ceiling): the peaks leave too little room — lower `loudness.target` or raise `loudness.true_peak`";
                        eprintln!("roughcut: warning: {w}");
                        warnings.push(w.to_string());
                    }
                }
            }
            if report.is_some() {
                match render::report::output_facts(out) {
                    Ok(f) => facts = Some(f),
                    Err(e) => {
                        eprintln!("roughcut: measuring the output for the report: {e}");
                        return exit::FAILED;
                    }
                }
            }
        }
    }
    if let Some(file) = &report {
        let r = render::report::build(
            &path,
            &plan,
            &s,
            cache_dir.as_deref(),
            shard,
            facts,
            warnings,
        );
        if let Err(e) = write_json(file, &r) {
            eprintln!("roughcut: writing the report {}: {e}", file.display());
            return exit::FAILED;
        }
    }
    exit::SUCCESS
}

/// The plan for people: one line per event and segment.
fn print_plan(p: &plan::Plan) {
    let fps = p.output.fps;
    eprintln!(
        "{} → {}x{} {} fps, {} frames ({}), {} samples at {} Hz, {} segments",
        p.output.path.display(),
        p.output.width,
        p.output.height,
        fps,
        p.frames,
        roughcut::time::frames_to_timecode(p.frames, fps, false),
        p.samples,
        p.output.audio.sample_rate,
        p.segments.len()
    );
    for ev in &p.events {
        let t = ev
            .transition
            .map(|t| format!("  ({:?} {} frames in)", t.kind, t.frames))
            .unwrap_or_default();
        eprintln!(
            "  event {:>3} {:<24} record {} +{} frames{t}",
            ev.index,
            ev.name,
            roughcut::time::frames_to_timecode(ev.record_start, fps, false),
            ev.frames
        );
        for s in p.segments.iter().filter(|s| s.event == ev.index) {
            let what = match &s.picture {
                Picture::Source(src) => format!(
                    "{} from {}: {}",
                    src.source,
                    roughcut::time::format_seconds(src.first),
                    src.filter
                ),
                Picture::Black => "black".to_string(),
                Picture::Title(t) => format!("title, {} line(s) at {} px", t.lines.len(), t.size),
                Picture::Dissolve(_) => format!("dissolve over {} frames", s.frames),
            };
            eprintln!(
                "      segment {:>3} frames {}..{} samples {}..{} key {}  {what}",
                s.id,
                s.record_start,
                s.record_start + s.frames,
                s.sample_start,
                s.sample_start + s.samples,
                &s.key[..12]
            );
            for b in &s.beds {
                eprintln!(
                    "          + bed \"{}\" from {} over samples {}..{}{}",
                    b.name,
                    roughcut::time::format_seconds(b.start),
                    s.sample_start + b.offset,
                    s.sample_start + b.offset + b.samples,
                    if b.envelope.is_empty() {
                        ""
                    } else {
                        " (faded/ducked)"
                    }
                );
            }
        }
    }
}
