//! The command line: one file per command (its arguments and a short `exec` over the library),
//! the progress displays, and the one place that turns errors into exit codes.

pub mod cache;
pub mod diff;
pub mod exit;
pub mod export;
pub mod import;
pub mod probe;
pub mod render;
pub mod samples;
pub mod schema;
pub mod storyboard;
pub mod subtitles;
pub mod text;
pub mod transcode;
pub mod ui;
pub mod validate;
pub mod verify;

pub use exit::Exit;
pub use ui::{resolve, ProgressMode};

use std::fmt::Display;
use std::path::{Path, PathBuf};

use roughcut::cancel::Cancel;
use roughcut::edl::{CheckOptions, Container, LoadError};
use roughcut::plan::{self, Plan, PlanOptions};

/// A command's failure: what to print (nothing when the command already reported it) and the
/// exit code. `main` prints it and exits; commands only return it.
#[derive(Debug)]
pub struct CliError {
    pub message: Option<String>,
    pub code: Exit,
}

impl CliError {
    /// Fail with `code`, printing `message` as `roughcut: message`.
    pub fn new(code: Exit, message: impl Display) -> CliError {
        CliError {
            message: Some(message.to_string()),
            code,
        }
    }
    /// Fail with `code`; the command already told the user why.
    pub fn reported(code: Exit) -> CliError {
        CliError {
            message: None,
            code,
        }
    }
    /// The work failed (exit 1).
    pub fn failed(message: impl Display) -> CliError {
        CliError::new(Exit::Failed, message)
    }
    /// Bad command-line arguments (exit 2).
    pub fn usage(message: impl Display) -> CliError {
        CliError::new(Exit::Usage, message)
    }
    /// Invalid input: the EDL or a media file (exit 3).
    pub fn invalid(message: impl Display) -> CliError {
        CliError::new(Exit::InvalidInput, message)
    }
}

/// What every command returns.
pub type CliResult = Result<(), CliError>;

/// Print `value` as pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(value: &T) -> CliResult {
    let s = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::failed(format!("cannot write JSON: {e}")))?;
    println!("{s}");
    Ok(())
}

/// Write `value` as pretty JSON to `file`, under a temporary name renamed when complete.
pub fn write_json<T: serde::Serialize>(file: &Path, value: &T) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(std::io::Error::other)?;
    let tmp = file.with_extension("json.partial");
    std::fs::write(&tmp, text + "\n")?;
    std::fs::rename(&tmp, file)
}

/// The checked EDL at `path` — from `text` when given (an older version of the file), else read
/// — or its problems printed and exit 3 ("nothing was {doing}").
pub fn load_checked(
    path: &Path,
    text: Option<&str>,
    shown: &str,
    setup: &roughcut::gather::Setup,
    doing: &str,
) -> Result<roughcut::edl::Edl, CliError> {
    let opts = CheckOptions::default();
    let loaded = match text {
        Some(t) => roughcut::gather::load_str(t, path, &opts, setup),
        None => roughcut::gather::load(path, &opts, setup),
    };
    match loaded {
        Ok(l) => Ok(l.edl),
        Err(LoadError::Invalid { diagnostics, .. }) => {
            print_diagnostics(shown, &diagnostics);
            eprintln!("{shown}: invalid — fix the errors above; nothing was {doing}");
            Err(CliError::reported(Exit::InvalidInput))
        }
        Err(e) => Err(CliError::invalid(e)),
    }
}

/// The folder a file is in (`.` for a bare name).
pub fn folder_of(path: &Path) -> PathBuf {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

/// Switch on the allocator fill that keeps the encoders' bytes deterministic (glibc's
/// `M_PERTURB`): called by every command that encodes, after its planning and before its first
/// encoder. Every allocation after it is filled, whatever was freed before.
pub fn before_encoding() {
    roughcut::media::deterministic_allocations();
}

/// A cancel token that Ctrl-C and SIGTERM trip as the user's interruption.
pub fn interruptible() -> Cancel {
    let token = Cancel::new();
    let handler = token.clone();
    if let Err(err) = ctrlc::set_handler(move || handler.interrupt()) {
        eprintln!("roughcut: cannot install the Ctrl-C handler: {err}");
    }
    token
}

/// The machine's cores: read once, here, and handed down as a budget.
pub fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// The budget for `--jobs` (default: one worker per core).
pub fn budget(jobs: Option<u16>) -> roughcut::render::Budget {
    let cores = cores();
    roughcut::render::Budget::new(jobs.map_or(cores, usize::from), cores)
}

/// The facts cache (probe facts and colour verdicts of unchanged media) in the cache folder:
/// `dir`, else the default location; none when it cannot be opened (everything is measured).
pub fn facts_cache(dir: Option<&Path>) -> Option<roughcut::cache::Cache> {
    let root = dir
        .map(Path::to_path_buf)
        .or_else(roughcut::cache::default_dir)?;
    roughcut::cache::Cache::open(&root).ok()
}

/// How `render`, `subtitles` and `validate` gather facts: full probing on every core, with the
/// facts cache in `dir` (or the default cache folder) unless `no_cache`.
pub fn setup(dir: Option<&Path>, no_cache: bool) -> roughcut::gather::Setup {
    roughcut::gather::Setup {
        probing: roughcut::gather::Probing::Full,
        threads: cores(),
        facts_cache: if no_cache { None } else { facts_cache(dir) },
    }
}

/// The cache folder to use: `--cache-dir`, else the default location (none without HOME).
pub fn cache_root(dir: Option<std::path::PathBuf>) -> Option<std::path::PathBuf> {
    dir.or_else(roughcut::cache::default_dir)
}

/// Print an EDL's diagnostics (`file: severity at pointer: message`) to stderr.
pub fn print_diagnostics(shown: &str, diagnostics: &[roughcut::edl::Diagnostic]) {
    for d in diagnostics {
        eprintln!("{}", d.render(shown));
    }
}

/// A checked EDL, its plan, its warnings as printed and its sources as reports list them.
pub struct Planned {
    pub edl: roughcut::edl::Edl,
    pub plan: Plan,
    pub warnings: Vec<String>,
    pub sources: Vec<roughcut::render::report::SourceReport>,
}

/// Load, check and plan an EDL (`output`: the `-o` override), printing its warnings.
pub fn load_plan(
    path: &Path,
    output: Option<PathBuf>,
    draft: bool,
    setup: &roughcut::gather::Setup,
) -> Result<Planned, CliError> {
    let shown = path.display().to_string();
    if let Some(o) = &output {
        if Container::from_path(o).is_none() {
            return Err(CliError::usage(format!(
                "-o {}: end the output path with .mp4, .mov or .mkv",
                o.display()
            )));
        }
    }
    let loaded = match roughcut::gather::load(path, &CheckOptions { output }, setup) {
        Ok(l) => l,
        Err(LoadError::Invalid { diagnostics, .. }) => {
            print_diagnostics(&shown, &diagnostics);
            eprintln!("{shown}: invalid — fix the errors above (roughcut validate {shown} lists them too)");
            return Err(CliError::reported(Exit::InvalidInput));
        }
        Err(e) => return Err(CliError::invalid(e)),
    };
    let warnings: Vec<String> = loaded.warnings.iter().map(|w| w.render(&shown)).collect();
    for w in &warnings {
        eprintln!("{w}");
    }
    let opts = PlanOptions {
        salt: roughcut::media::library_versions(),
        draft,
        ..PlanOptions::default()
    };
    let plan = plan::build(&loaded.edl, opts).map_err(CliError::invalid)?;
    Ok(Planned {
        sources: roughcut::render::report::sources(&loaded.edl),
        edl: loaded.edl,
        plan,
        warnings,
    })
}

/// Print the cues that were dropped from each track, and why.
pub fn print_dropped(plan: &Plan) {
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

/// Write the storyboard of `edl` (planned as `plan`) into `dir` and say where it is: the
/// `storyboard` command, `render --storyboard` and `diff --storyboard` share it.
pub fn write_storyboard(
    edl: &roughcut::edl::Edl,
    plan: &roughcut::plan::Plan,
    dir: &std::path::Path,
    opts: &roughcut::storyboard::Options,
    jobs: Option<u16>,
    cancel: &roughcut::cancel::Cancel,
) -> CliResult {
    before_encoding();
    let w = roughcut::storyboard::write(
        edl,
        plan,
        &roughcut::media::library_versions(),
        dir,
        opts,
        budget(jobs),
        cancel,
    )
    .map_err(|e| CliError::failed(format!("storyboard into {}: {e}", dir.display())))?;
    eprintln!(
        "storyboard: {} ({} events), {}, {}",
        w.page.display(),
        w.events,
        w.sheet.display(),
        w.json.display()
    );
    Ok(())
}
