//! Segment keys: a BLAKE3 hash of everything that decides a segment's bytes, including the
//! identity of every file it reads.

use super::*;

/// The media files a picture or sound reads.
pub(super) fn picture_files<'a>(p: &'a Picture, out: &mut Vec<&'a std::path::Path>) {
    match p {
        Picture::Source(s) => out.push(&s.path),
        Picture::Insert(i) => out.push(&i.picture.path),
        Picture::Still(s) => out.push(&s.path),
        Picture::Dissolve(d) => {
            picture_files(&d.from, out);
            picture_files(&d.to, out);
        }
        Picture::Title(t) => {
            if let Some(u) = &t.underneath {
                picture_files(u, out);
            }
        }
        Picture::Black => {}
    }
}

pub(super) fn sound_files<'a>(s: &'a Sound, out: &mut Vec<&'a std::path::Path>) {
    match s {
        Sound::Source { path, .. } => out.push(path),
        Sound::Crossfade { from, to } => {
            sound_files(from, out);
            sound_files(to, out);
        }
        Sound::Silence => {}
    }
}

/// A stable hash of everything that determines a segment's bytes (except its position in the
/// program): roughcut's version, the output settings, the picture and sound descriptions, and
/// the identity (size, content hash) of every media file it reads. Program-wide sound — beds,
/// their fades and ducking, loudness — is laid on at assembly and is not part of it.
pub(super) fn segment_key(
    plan: &Plan,
    seg: &Segment,
    identities: &std::collections::BTreeMap<&std::path::Path, &str>,
) -> String {
    #[derive(Serialize)]
    struct KeyInput<'a> {
        version: &'a str,
        width: u32,
        height: u32,
        fps: Rate,
        video: &'a VideoSettings,
        sample_rate: u32,
        channels: u32,
        frames: i64,
        samples: i64,
        sample_phase: i64,
        picture: &'a Picture,
        sound: &'a Sound,
        burn_in: &'a Option<subtitles::BurnIn>,
        /// Fades as they fall in this segment (relative to its first frame).
        fades: Vec<(FadeKind, i64, i64)>,
        overlay: &'a Option<OverlaySpec>,
        /// (file, identity) of every source read.
        files: Vec<(&'a std::path::Path, Option<&'a str>)>,
    }
    let mut files = Vec::new();
    picture_files(&seg.picture, &mut files);
    sound_files(&seg.sound, &mut files);
    files.sort();
    files.dedup();
    let o = &plan.output;
    let input = KeyInput {
        version: &plan.version,
        width: o.width,
        height: o.height,
        fps: o.fps,
        video: &o.video,
        sample_rate: o.audio.sample_rate,
        channels: o.audio.channels,
        frames: seg.frames,
        samples: seg.samples,
        // Where the segment's samples start relative to its frames matters for the sound.
        sample_phase: seg.sample_start - sample_at(seg.record_start, o.audio.sample_rate, o.fps),
        picture: &seg.picture,
        sound: &seg.sound,
        burn_in: &seg.burn_in,
        fades: seg
            .fades
            .iter()
            .map(|f| (f.kind, f.start - seg.record_start, f.frames))
            .collect(),
        overlay: &seg.overlay,
        files: files
            .into_iter()
            .map(|f| (f, identities.get(f).copied()))
            .collect(),
    };
    let bytes = serde_json::to_vec(&input).unwrap_or_default();
    blake3::hash(&bytes).to_hex()[..32].to_string()
}

/// A stable hash of everything that determines the output file's bytes: the version, the output
/// settings (not the path), each segment's key and place, the bed pieces under it and the
/// identity of the beds' files, and the subtitle tracks with their cues.
pub(super) fn program_key(
    plan: &Plan,
    identities: &std::collections::BTreeMap<&std::path::Path, &str>,
) -> String {
    #[derive(Serialize)]
    struct KeyInput<'a> {
        version: &'a str,
        output: serde_json::Value,
        frames: i64,
        samples: i64,
        segments: Vec<(&'a str, i64, i64, &'a [BedPiece])>,
        bed_files: Vec<(&'a std::path::Path, Option<&'a str>)>,
        subtitles: &'a [subtitles::Track],
    }
    let mut output = serde_json::to_value(&plan.output).unwrap_or_default();
    if let Some(o) = output.as_object_mut() {
        o.remove("path");
    }
    let mut bed_files: Vec<&std::path::Path> = plan
        .segments
        .iter()
        .flat_map(|s| s.beds.iter().map(|b| b.path.as_path()))
        .collect();
    bed_files.sort();
    bed_files.dedup();
    let input = KeyInput {
        version: &plan.version,
        output,
        frames: plan.frames,
        samples: plan.samples,
        segments: plan
            .segments
            .iter()
            .map(|s| {
                (
                    s.key.as_str(),
                    s.record_start,
                    s.sample_start,
                    s.beds.as_slice(),
                )
            })
            .collect(),
        bed_files: bed_files
            .into_iter()
            .map(|f| (f, identities.get(f).copied()))
            .collect(),
        subtitles: &plan.subtitles,
    };
    let bytes = serde_json::to_vec(&input).unwrap_or_default();
    blake3::hash(&bytes).to_hex()[..32].to_string()
}
