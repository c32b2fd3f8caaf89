//! `roughcut probe`: media facts and colour class of files, for people or as JSON.

use std::path::PathBuf;

use clap::Args;
use rayon::prelude::*;

use super::{print_json, CliError, CliResult, Exit};

#[derive(Args)]
#[command(
    after_help = "Examples:\n  roughcut probe clip.mov\n  roughcut probe media/*.mp4 --json > facts.json\n  roughcut probe --loudness preview.mp4      # integrated loudness, range, true peak\n\nExit code 0 when every file was read, 3 when any could not be."
)]
pub struct ProbeArgs {
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
}

pub fn exec(a: ProbeArgs) -> CliResult {
    let threads = super::cores();
    let results: Vec<_> = a
        .files
        .par_iter()
        .map(|f| {
            let facts = roughcut::media::probe::probe_file(f, threads)?;
            let measured = if a.loudness {
                Some(roughcut::media::loudness::measure_file(f, 0)?)
            } else {
                None
            };
            Ok::<_, roughcut::media::MediaError>((facts, measured))
        })
        .collect();
    let mut failed = false;
    let mut out = Vec::new();
    for (file, r) in a.files.iter().zip(results) {
        match r {
            Ok((facts, measured)) => {
                if !a.json {
                    eprint!("{}", super::text::describe(&facts));
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
                failed = true;
            }
        }
    }
    if a.json {
        print_json(&out)?;
    }
    if failed {
        Err(CliError::reported(Exit::InvalidInput))
    } else {
        Ok(())
    }
}
