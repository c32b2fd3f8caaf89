//! `roughcut export`: a roughcut EDL written in an editing system's format.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use roughcut::interchange::cut::Cut;
use roughcut::interchange::{cmx3600_write, fcpxml, otio};

use super::{CliError, CliResult};

/// The formats written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// CMX 3600 (`.edl`): V1 and the sound; cutaways (V2) in a second list beside it.
    Cmx3600,
    /// OpenTimelineIO JSON (`.otio`), roughcut's exact times under `metadata.roughcut`.
    Otio,
    /// Final Cut Pro XML 1.8 (`.fcpxml`): the primary storyline, cross dissolves, markers.
    Fcpxml,
}

#[derive(Args)]
#[command(
    after_help = "Examples:\n  roughcut export cut.json --format cmx3600 -o cut.edl\n  roughcut export cut.json --format otio -o cut.otio\n  roughcut export cut.json --format fcpxml -o cut.fcpxml\n  roughcut export cut.json --format cmx3600 -o cut.edl && roughcut import cut.edl -o again.json --fps 25\n\nThe EDL is validated (its media probed: source timecodes are the files' own). What a format\ncannot carry is printed as a warning. Exit 0 when written, 3 when the EDL is invalid."
)]
pub struct ExportArgs {
    /// The EDL to export.
    edl: PathBuf,
    /// The format to write.
    #[arg(long, value_enum)]
    format: Format,
    /// Where to write it.
    #[arg(short, long)]
    output: PathBuf,
}

pub fn exec(a: ExportArgs) -> CliResult {
    let shown = a.edl.display().to_string();
    let setup = super::setup(None, false);
    // Absolute paths in the list: it is read elsewhere.
    let edl_path = std::fs::canonicalize(&a.edl).unwrap_or_else(|_| a.edl.clone());
    let edl = super::load_checked(&edl_path, None, &shown, &setup, "exported")?;
    let raw: Option<serde_json::Value> = std::fs::read_to_string(&a.edl)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    let cut = Cut::of(&edl, raw.as_ref());
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    let mut warnings = Vec::new();
    match a.format {
        Format::Cmx3600 => {
            let main = cmx3600_write::write(&cut, cmx3600_write::Track::Main);
            files.push((a.output.clone(), main.text));
            warnings.extend(main.warnings);
            if !cut.cutaways.is_empty() {
                let v2 = cmx3600_write::write(&cut, cmx3600_write::Track::Cutaways);
                let path = beside(&a.output, "V2");
                warnings.push(format!(
                    "CMX 3600 holds one picture track: the {} cutaway(s) are in {}",
                    cut.cutaways.len(),
                    path.display()
                ));
                files.push((path, v2.text));
                warnings.extend(v2.warnings);
            }
        }
        Format::Fcpxml => {
            let doc = fcpxml::write(&cut);
            files.push((a.output.clone(), doc.text));
            warnings.extend(doc.warnings);
        }
        Format::Otio => {
            let doc = otio::write(&cut);
            files.push((
                a.output.clone(),
                format!(
                    "{}\n",
                    serde_json::to_string_pretty(&doc.value).unwrap_or_default()
                ),
            ));
            warnings.extend(doc.warnings);
        }
    }
    for w in &warnings {
        eprintln!("{shown}: warning: {w}");
    }
    for (path, text) in &files {
        write_whole(path, text)
            .map_err(|e| CliError::failed(format!("cannot write {}: {e}", path.display())))?;
    }
    let written: Vec<String> = files.iter().map(|(p, _)| p.display().to_string()).collect();
    eprintln!(
        "exported {shown}: {} picture event(s), {} cutaway(s), {} sound clip(s), {} marker(s) → {}; {} warning(s)",
        cut.picture.len(),
        cut.cutaways.len(),
        cut.sound.iter().map(|t| t.clips.len()).sum::<usize>(),
        cut.markers.len(),
        written.join(", "),
        warnings.len()
    );
    Ok(())
}

/// `cut.edl` → `cut.V2.edl`.
fn beside(path: &Path, tag: &str) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    path.with_file_name(format!("{stem}.{tag}{ext}"))
}

/// Write under a temporary name, then rename: the file is there whole or not at all.
fn write_whole(path: &Path, text: &str) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}
