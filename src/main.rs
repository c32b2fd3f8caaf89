//! The `roughcut` command: clap definitions and exit codes; the work happens in the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use roughcut::edl::{self, LoadOptions};
use roughcut::exit;

#[derive(Parser)]
#[command(
    name = "roughcut",
    version,
    about = "Render preview cuts from a JSON edit decision list, in parallel, through FFmpeg",
    after_help = "Exit codes: 0 success, 1 the work failed, 2 usage error, 3 invalid input (EDL or media), 130 interrupted.\nHuman text goes to stderr; machine output (JSON) to stdout.\n\nExamples:\n  roughcut samples edl/media\n  roughcut validate edl/komsomolsk-rough-cut.json\n  roughcut probe edl/media/amur_2004_pal.mkv --json"
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
        after_help = "Examples:\n  roughcut probe clip.mov\n  roughcut probe media/*.mp4 --json > facts.json\n\nExit code 0 when every file was read, 3 when any could not be."
    )]
    Probe {
        /// Media files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print JSON (an array, one object per file) to stdout.
        #[arg(long)]
        json: bool,
    },
    /// Write the generated sample media set used by the example EDLs.
    #[command(
        after_help = "Examples:\n  roughcut samples edl/media\n\nWrites a PAL DV-style interlaced colour clip with flash and beep sync marks, a gray 18 fps\narchival clip, a black-and-white telecine with a colour cast, an HD 5.1 clip and Russian and\nEnglish subtitles (a few MB in all)."
    )]
    Samples {
        /// Folder to write into (created if missing).
        dir: PathBuf,
    },
    /// Print the JSON Schema of the EDL format (generated from roughcut's own types).
    #[command(after_help = "Examples:\n  roughcut schema > edl.schema.json")]
    Schema,
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
        Command::Probe { files, json } => probe(&files, json),
        Command::Samples { dir } => samples(&dir),
        Command::Schema => print_json(&roughcut::edl::raw::schema()),
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
                            edl::time::frames_to_timecode(frames, e.output.fps, false),
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

fn probe(files: &[PathBuf], json: bool) -> i32 {
    use rayon::prelude::*;
    let results: Vec<_> = files
        .par_iter()
        .map(|f| roughcut::probe::probe_file(f))
        .collect();
    let mut code = exit::SUCCESS;
    let mut out = Vec::new();
    for (file, r) in files.iter().zip(results) {
        match r {
            Ok(facts) => {
                if !json {
                    eprint!("{}", roughcut::probe::describe(&facts));
                }
                out.push(serde_json::to_value(&facts).unwrap_or(serde_json::Value::Null));
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
