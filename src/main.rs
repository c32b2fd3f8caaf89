//! The `roughcut` command: parses the command line, runs one command, and turns its result into
//! an exit code. Each command lives in its own file under `cli/`; the work happens in the
//! library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cli;

use cli::exit::Exit;

#[derive(Parser)]
#[command(
    name = "roughcut",
    version,
    about = "Render preview cuts from a JSON edit decision list, in parallel, through FFmpeg",
    after_help = "Exit codes: 0 success, 1 the work failed, 2 usage error, 3 invalid input (EDL or media), 4 the things compared differ (diff, verify), 130 interrupted.\nHuman text goes to stderr; machine output (JSON) to stdout.\n\nExamples:\n  roughcut samples edl/media\n  roughcut validate edl/komsomolsk-rough-cut.json\n  roughcut probe edl/media/amur_2004_pal.mkv --json\n  roughcut render edl/komsomolsk-rough-cut.json -o /tmp/preview.mp4"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check an EDL and report every problem at once, each with a JSON pointer.
    Validate(cli::validate::ValidateArgs),
    /// Describe media files: container, streams, sizes, rates, field order, colour, sound.
    Probe(cli::probe::ProbeArgs),
    /// Render an EDL into one preview file, in parallel.
    Render(cli::render::RenderArgs),
    /// Transcode files and folders of mixed media into uniform proxies or deliveries, in parallel, with render's conform rules.
    Transcode(cli::transcode::TranscodeArgs),
    /// Inspect or trim the segment cache.
    Cache(cli::cache::CacheArgs),
    /// Print every subtitle track's cues as they fall in the program (retimed through the edit), without rendering.
    Subtitles(cli::subtitles::SubtitlesArgs),
    /// Turn an editing system's list (CMX 3600, OpenTimelineIO, FCPXML) into a roughcut EDL, its media linked.
    Import(cli::import::ImportArgs),
    /// Write a roughcut EDL as an editing system's list (CMX 3600, OpenTimelineIO, FCPXML).
    Export(cli::export::ExportArgs),
    /// What changed between two versions of a cut (two EDLs, or one and a git revision).
    Diff(cli::diff::DiffArgs),
    /// Check a rendered file against the plan its EDL makes today.
    Verify(cli::verify::VerifyArgs),
    /// A contact sheet (PNG) and a self-contained review page (HTML) of a cut, one thumbnail per event.
    Storyboard(cli::storyboard::StoryboardArgs),
    /// Write the generated sample media set used by the example EDLs.
    Samples(cli::samples::SamplesArgs),
    /// Print the JSON Schema of the EDL format, of render reports, of diff or of verify output (generated from roughcut's own types).
    Schema(cli::schema::SchemaArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                Exit::Usage
            } else {
                Exit::Success
            });
        }
    };
    // The allocator fill that keeps encoders deterministic is switched on by the commands that
    // encode, once their planning is done (`cli::before_encoding`): it costs planning a large
    // EDL five times its time, and nothing else needs it.
    roughcut::media::init();
    let result = match cli.command {
        Command::Validate(a) => cli::validate::exec(a),
        Command::Probe(a) => cli::probe::exec(a),
        Command::Render(a) => cli::render::exec(a),
        Command::Transcode(a) => cli::transcode::exec(a),
        Command::Cache(a) => cli::cache::exec(a),
        Command::Subtitles(a) => cli::subtitles::exec(a),
        Command::Samples(a) => cli::samples::exec(a),
        Command::Import(a) => cli::import::exec(a),
        Command::Export(a) => cli::export::exec(a),
        Command::Diff(a) => cli::diff::exec(a),
        Command::Verify(a) => cli::verify::exec(a),
        Command::Storyboard(a) => cli::storyboard::exec(a),
        Command::Schema(a) => cli::schema::exec(a),
    };
    match result {
        Ok(()) => Exit::Success.into(),
        Err(e) => {
            if let Some(message) = &e.message {
                eprintln!("roughcut: {message}");
            }
            e.code.into()
        }
    }
}
