//! `roughcut validate`: every problem of an EDL at once, each with a JSON pointer.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use roughcut::edl::{CheckOptions, Diagnostic};
use roughcut::gather::{self, Probing};

use super::{print_json, CliError, CliResult, Exit};

/// Output format of the diagnostics.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Args)]
#[command(
    after_help = "Examples:\n  roughcut validate cut.json\n  roughcut validate cut.json --format json | jq '.[] | select(.severity != \"info\") | .pointer'\n  roughcut validate cut.json --format json | jq '.[] | select(.severity == \"info\") | .colour.class'\n  roughcut validate cut.json --no-probe      # text only: do not open the media\n\nExit code 0 when the EDL is valid (warnings allowed), 3 when it has errors."
)]
pub struct ValidateArgs {
    /// The EDL file (JSON).
    edl: PathBuf,
    /// Output format of the diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Do not open and probe the media files (only check that they exist).
    #[arg(long)]
    no_probe: bool,
}

/// A colour judgement in `validate --format json`: an entry of severity `info` beside the
/// problems, so the output stays one array.
#[derive(serde::Serialize)]
struct VerdictEntry<'a> {
    severity: &'static str,
    pointer: String,
    message: String,
    source: &'a str,
    declared: roughcut::edl::ColourClass,
    colour: &'a roughcut::facts::ColourAnalysis,
}

impl<'a> VerdictEntry<'a> {
    fn new(v: &'a roughcut::edl::SourceVerdict) -> Self {
        let a = &v.analysis;
        let verdict = match a.class {
            roughcut::facts::ColourVerdict::Bw => "black-and-white",
            roughcut::facts::ColourVerdict::Colour => "colour",
            roughcut::facts::ColourVerdict::Uncertain => "colour uncertain",
        };
        VerdictEntry {
            severity: "info",
            pointer: format!("{}/colour", roughcut::edl::diag::join("/sources", &v.id)),
            message: format!("{}: {verdict} ({})", v.id, a.reason),
            source: &v.id,
            declared: v.declared,
            colour: a,
        }
    }
}

pub fn exec(a: ValidateArgs) -> CliResult {
    let shown = a.edl.display().to_string();
    let mut setup = super::setup(None, false);
    if a.no_probe {
        setup.probing = Probing::PresenceOnly;
    }
    let mut verdicts = Vec::new();
    let (diagnostics, summary, code) = match gather::check_file(
        &a.edl,
        &CheckOptions::default(),
        &setup,
    ) {
        Ok(checked) => {
            let errors = checked.diagnostics.iter().filter(|d| d.is_error()).count();
            let warnings = checked.diagnostics.len() - errors;
            let (summary, code) = if errors > 0 {
                (
                    format!("{shown}: invalid — {errors} error(s), {warnings} warning(s)"),
                    Exit::InvalidInput,
                )
            } else {
                let summary = match checked.outline {
                        Some(o) => format!(
                            "{shown}: valid — {} events, {} sources, program {} ({} frames at {} fps), {warnings} warning(s)",
                            o.events,
                            o.sources,
                            roughcut::time::frames_to_timecode(o.frames, o.fps, false),
                            o.frames,
                            o.fps
                        ),
                        None => format!(
                            "{shown}: no errors, {warnings} warning(s) (some checks need probing)"
                        ),
                    };
                (summary, Exit::Success)
            };
            verdicts = checked.verdicts;
            (checked.diagnostics, summary, code)
        }
        Err(e) => (
            vec![Diagnostic::error("", e.to_string())],
            format!("{shown}: cannot be read"),
            Exit::InvalidInput,
        ),
    };
    match a.format {
        Format::Json => {
            // The problems, then one `info` entry per probed picture source with its colour
            // judgement (every verdict, with the measurements).
            let mut out = Vec::with_capacity(diagnostics.len() + verdicts.len());
            for d in &diagnostics {
                out.push(serde_json::to_value(d).map_err(|e| CliError::failed(e.to_string()))?);
            }
            for v in &verdicts {
                out.push(
                    serde_json::to_value(VerdictEntry::new(v))
                        .map_err(|e| CliError::failed(e.to_string()))?,
                );
            }
            print_json(&out)?
        }
        Format::Text => super::print_diagnostics(&shown, &diagnostics),
    }
    eprintln!("{summary}");
    if code == Exit::Success {
        Ok(())
    } else {
        Err(CliError::reported(code))
    }
}
