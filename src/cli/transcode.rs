//! `roughcut transcode`: files and folders of mixed media into uniform proxies or deliveries.

use std::path::PathBuf;

use clap::Args;
use roughcut::transcode::{self, Outcome};

use super::{resolve, write_json, CliError, CliResult, Exit, ProgressMode};

#[derive(Args)]
#[command(
    after_help = "Examples:\n  roughcut transcode /media/rushes -o /media/proxies                  # proxy profile\n  roughcut transcode tape1.dv tape2.dv scans/ -o out --profile edit   # ProRes Proxy + PCM in MOV\n  roughcut transcode rushes -o wav --profile audio\n  roughcut transcode rushes -o out --profiles ci-profiles.json --profile dailies --report batch.json\n\nProfiles: proxy (short side 360 in the source's shape, H.264/AAC MP4), preview (short side 720), edit (ProRes 422 Proxy + PCM, MOV),\naudio (WAV 48 kHz). A profiles file: {\"profiles\": {\"NAME\": {\"container\": \"mp4\", ...output fields as in an EDL...}}}.\nOutputs mirror the input tree under -o; outputs already made from the same source and profile are\nskipped (--force redoes them). One bad input does not stop the batch: every failure is listed at\nthe end; sound-only files are passed over. Exit codes: 0 all done, 1 some input failed, 2 usage error, 130 interrupted."
)]
pub struct TranscodeArgs {
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

pub fn exec(a: TranscodeArgs) -> CliResult {
    super::before_encoding();
    let started = std::time::Instant::now();
    let custom = match &a.profiles {
        Some(file) => transcode::load_profiles(file).map_err(CliError::invalid)?,
        None => Default::default(),
    };
    let profile = transcode::find_profile(&a.profile, &custom).map_err(CliError::usage)?;
    std::fs::create_dir_all(&a.out_dir)
        .map_err(|e| CliError::failed(format!("cannot create {}: {e}", a.out_dir.display())))?;
    let transcode::Collected {
        jobs: jobs_list,
        not_media,
    } = transcode::collect(&a.inputs, &a.out_dir, &profile).map_err(CliError::invalid)?;
    if jobs_list.is_empty() {
        return Err(CliError::invalid(
            "no media found in the inputs; give video or sound files, or folders holding them",
        ));
    }
    let cancel = super::interruptible();
    let display = super::ui::batch_display(resolve(a.progress));
    let opts = transcode::Options {
        out_dir: a.out_dir.clone(),
        profile: &profile,
        budget: super::budget(a.jobs),
        force: a.force,
        measure: a.report.is_some(),
        facts_cache: super::facts_cache(None),
    };
    let entries = transcode::run(&jobs_list, &opts, display.as_ref(), &cancel);
    drop(display);
    let count = |f: fn(&Outcome) -> bool| entries.iter().filter(|e| f(&e.outcome)).count();
    let converted = count(|o| matches!(o, Outcome::Converted { .. }));
    let skipped = count(|o| matches!(o, Outcome::Skipped { .. }));
    let passed_over = count(|o| matches!(o, Outcome::PassedOver { .. }));
    let failed = count(|o| matches!(o, Outcome::Failed { .. }));
    for e in &entries {
        match &e.outcome {
            Outcome::Failed { reason } => eprintln!("failed: {}: {reason}", e.input),
            Outcome::PassedOver { reason } => eprintln!("passed over: {}: {reason}", e.input),
            _ => {}
        }
    }
    // Say what `auto` decided wherever it took colour away or could not decide.
    for (e, c) in entries.iter().filter_map(|e| Some((e, e.colour.as_ref()?))) {
        let what = match c.judged.as_deref() {
            Some("bw") => "black-and-white",
            Some("uncertain") => "colour uncertain, kept as colour",
            _ => continue,
        };
        eprintln!(
            "{}: {what} ({})",
            e.input,
            c.reason.as_deref().unwrap_or("")
        );
    }
    let interrupted = cancel.interrupted();
    let seconds = started.elapsed().as_secs_f64();
    if a.progress != ProgressMode::None {
        eprintln!(
            "transcoded {converted} file(s) to `{}` in {}, {skipped} up to date, {passed_over} passed over, {failed} failed{}{}, in {seconds:.1} s",
            profile.name,
            a.out_dir.display(),
            if interrupted { ", interrupted" } else { "" },
            match not_media {
                0 => String::new(),
                1 => "; 1 other file is not media".to_string(),
                n => format!("; {n} other files are not media"),
            }
        );
    }
    if let Some(file) = &a.report {
        let doc = serde_json::json!({
            "roughcut": env!("CARGO_PKG_VERSION"),
            "profile": profile.name,
            "output_dir": a.out_dir.display().to_string(),
            "converted": converted,
            "skipped": skipped,
            "passed_over": passed_over,
            "failed": failed,
            "not_media": not_media,
            "interrupted": interrupted,
            "seconds": seconds,
            "inputs": entries,
        });
        write_json(file, &doc)
            .map_err(|e| CliError::failed(format!("writing the report {}: {e}", file.display())))?;
    }
    if interrupted {
        Err(CliError::reported(Exit::Interrupted))
    } else if failed > 0 {
        Err(CliError::reported(Exit::Failed))
    } else {
        Ok(())
    }
}
