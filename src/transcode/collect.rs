//! The batch's inputs: files and folders walked (through [`crate::walk`]) into jobs whose
//! outputs mirror the input tree.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Job, Profile};

/// File extensions that name media: a file in a folder that does not probe as media is reported
/// when it has one of these (it is damaged), and passed over quietly otherwise (a text file).
const MEDIA_EXTENSIONS: &[&str] = &[
    "mp4", "m4v", "mov", "mkv", "webm", "avi", "dv", "mts", "m2ts", "ts", "mpg", "mpeg", "mxf",
    "wmv", "flv", "3gp", "ogv", "wav", "aif", "aiff", "mp3", "m4a", "aac", "flac", "ogg", "opus",
    "mka", "wma", "vob", "y4m", "h264", "hevc", "m2v",
];

fn is_media_name(p: &Path) -> bool {
    p.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .is_some_and(|e| MEDIA_EXTENSIONS.contains(&e.as_str()))
}

/// Walk `inputs` (files and folders, recursively, in name order) into jobs whose outputs mirror
/// the input tree under `out_dir`: a folder's files land under a folder of its name; a file given
/// directly lands at the top. Files inside folders that do not probe as media and do not look
/// like media are passed over; the rest are kept (failing ones are reported when transcoded).
/// Two inputs that would write the same output are an error before any work starts.
pub fn collect(inputs: &[PathBuf], out_dir: &Path, profile: &Profile) -> Result<Collected, String> {
    let mut jobs = Vec::new();
    let mut not_media = 0;
    // The output folder, resolved: never walked into when it lies inside an input folder
    // (its files are this batch's outputs, not its inputs).
    let out_real = std::fs::canonicalize(out_dir).ok();
    for input in inputs {
        let meta =
            std::fs::metadata(input).map_err(|e| format!("{}: {}", input.display(), e.kind()))?;
        if !meta.is_dir() {
            if let Some(why) = crate::facts::not_a_regular_file(&meta) {
                return Err(format!("{}: {why}", input.display()));
            }
        }
        if meta.is_dir() {
            let base = input
                .canonicalize()
                .map_err(|e| format!("{}: {e}", input.display()))?;
            let name = base
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "input".into());
            let walked = crate::walk::files(&base, out_real.as_deref());
            if let Some(u) = walked.unreadable.first() {
                // Nothing under an input is left out without a word.
                return Err(format!("{u}; nothing was transcoded"));
            }
            for f in walked.files {
                let rel = f.strip_prefix(&base).unwrap_or(&f).to_path_buf();
                let looks_media =
                    is_media_name(&f) || crate::media::probe::probe_file(&f, 1).is_ok();
                if !looks_media {
                    not_media += 1;
                    continue;
                }
                let out_rel = Path::new(&name)
                    .join(rel)
                    .with_extension(profile.extension());
                jobs.push(job(&f, out_dir, &out_rel));
            }
        } else {
            let stem = input
                .file_stem()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "output".into());
            let out_rel = PathBuf::from(format!("{stem}.{}", profile.extension()));
            // Absolute, so the file is found whatever folder its one-event EDL is read from.
            let input = input
                .canonicalize()
                .map_err(|e| format!("{}: {e}", input.display()))?;
            jobs.push(job(&input, out_dir, &out_rel));
        }
    }
    // Never write over an input: an output path that is one of the inputs (`-o` the input
    // folder itself, with outputs of the inputs' own extension).
    let inputs_real: std::collections::BTreeSet<PathBuf> = jobs
        .iter()
        .filter_map(|j| std::fs::canonicalize(&j.input).ok())
        .collect();
    if let Some(j) = jobs
        .iter()
        .find(|j| std::fs::canonicalize(&j.output).is_ok_and(|o| inputs_real.contains(&o)))
    {
        return Err(format!(
            "{} would be written over the input {}; give -o a folder of its own",
            j.output.display(),
            j.input.display()
        ));
    }
    let mut seen: BTreeMap<&str, &Path> = BTreeMap::new();
    let mut clashes = Vec::new();
    for j in &jobs {
        if let Some(first) = seen.insert(&j.relative, &j.input) {
            clashes.push(format!(
                "{} and {} would both write {}",
                first.display(),
                j.input.display(),
                j.output.display()
            ));
        }
    }
    if !clashes.is_empty() {
        return Err(format!(
            "{}; rename one of them or transcode them into different folders",
            clashes.join("; ")
        ));
    }
    Ok(Collected { jobs, not_media })
}

/// The inputs found by [`collect`].
#[derive(Debug)]
pub struct Collected {
    /// One job per media file, in name order.
    pub jobs: Vec<Job>,
    /// Files inside the folders that are not media (notes, sidecars, `.DS_Store`): passed over
    /// quietly, only counted.
    pub not_media: usize,
}

fn job(input: &Path, out_dir: &Path, out_rel: &Path) -> Job {
    Job {
        input: input.to_path_buf(),
        output: out_dir.join(out_rel),
        relative: out_rel.to_string_lossy().replace('\\', "/"),
    }
}
