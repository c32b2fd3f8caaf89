//! `render --report FILE`: what a render did, as JSON for CI — the plan's segments (cached or
//! rendered, with timings), facts measured from the written file, warnings and the output's
//! checksum. The shape is published as a JSON Schema (`roughcut schema report`,
//! `docs/report.schema.json`), generated from these types.

use std::path::Path;

use schemars::JsonSchema;
use serde::Serialize;

use super::{RenderSummary, SegmentStatus};
use crate::media::assemble::LoudnessApplied;
use crate::media::loudness::LoudnessStats;
use crate::media::MediaError;
use crate::plan::Plan;

/// A render report.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(title = "roughcut render report")]
pub struct Report {
    /// roughcut's version.
    pub roughcut: String,
    /// The EDL rendered.
    pub edl: String,
    /// `K/N` (1-based) when this run rendered one shard into the cache.
    pub shard: Option<String>,
    pub plan: PlanReport,
    /// The segment cache used (`null` with `--no-cache`).
    pub cache: Option<CacheReport>,
    /// Facts measured from the written file (`null` for a shard, which writes none).
    pub output: Option<OutputFacts>,
    /// With `output.audio.loudness`: the measurement, the correction, the written file.
    pub loudness: Option<LoudnessReport>,
    /// Every source with the colour class it was rendered with and how it was judged.
    pub sources: Vec<SourceReport>,
    /// Warnings from validation and rendering, as printed.
    pub warnings: Vec<String>,
    pub timings: Timings,
}

/// A source's colour: declared, judged (with `auto`), and what the render did.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SourceReport {
    pub id: String,
    pub path: String,
    /// As declared: `auto`, `colour` or `bw`.
    pub colour: String,
    /// The measured verdict: `colour`, `bw` or `uncertain` (`null` without a picture).
    pub judged: Option<String>,
    /// What the render does: `bw` (neutral chroma) or `colour`.
    pub rendered: String,
    /// The judgement in words.
    pub reason: Option<String>,
    /// The numbers behind it (`null` for gray pixel formats and sound-only sources).
    pub measures: Option<ColourMeasures>,
}

/// The colour measures of a source (8-bit code values; see docs/colour.md).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ColourMeasures {
    pub frames: usize,
    pub strong_chroma: f64,
    pub noise: f64,
    /// Share of coloured regions whose chroma follows the luma gradient (fringing).
    pub fringe: f64,
    pub hue_spread: f64,
    pub cast_u: f64,
    pub cast_v: f64,
    /// Chroma fitted as a straight line in luma, read at video black and at mid-grey
    /// (U − 128, V − 128): a toning rises from neutral black in one hue.
    pub luma_black: [f64; 2],
    pub luma_grey: [f64; 2],
    /// Share of the coloured regions' chroma that misregistered colour planes explain.
    pub plane_shift: f64,
    pub tone: Option<String>,
}

/// The colour report of a source with its facts.
pub(crate) fn source_report(
    id: &str,
    path: &Path,
    declared: crate::edl::ColourClass,
    facts: &crate::facts::MediaFacts,
) -> SourceReport {
    let c = facts.colour.as_ref();
    let name = |v: crate::facts::ColourVerdict| match v {
        crate::facts::ColourVerdict::Bw => "bw",
        crate::facts::ColourVerdict::Colour => "colour",
        crate::facts::ColourVerdict::Uncertain => "uncertain",
    };
    SourceReport {
        id: id.to_string(),
        path: path.display().to_string(),
        colour: match declared {
            crate::edl::ColourClass::Auto => "auto",
            crate::edl::ColourClass::Colour => "colour",
            crate::edl::ColourClass::Bw => "bw",
        }
        .to_string(),
        judged: c.map(|c| name(c.class).to_string()),
        rendered: if crate::plan::is_bw(declared, facts) {
            "bw"
        } else {
            "colour"
        }
        .to_string(),
        reason: c.map(|c| c.reason.clone()),
        measures: c.filter(|c| c.frames > 0).map(|c| ColourMeasures {
            frames: c.frames,
            strong_chroma: c.strong_chroma,
            noise: c.noise_in_blocks,
            fringe: c.fringe_share,
            hue_spread: c.hue_spread,
            cast_u: c.cast_u,
            cast_v: c.cast_v,
            luma_black: [c.luma_black_u, c.luma_black_v],
            luma_grey: [c.luma_grey_u, c.luma_grey_v],
            plane_shift: c.plane_shift,
            tone: c.tone.map(|t| t.name().to_string()),
        }),
    }
}

/// The colour reports of every source of `edl`.
pub fn sources(edl: &crate::edl::Edl) -> Vec<SourceReport> {
    edl.sources
        .values()
        .map(|s| source_report(&s.id, &s.path, s.colour, &s.facts))
        .collect()
}

/// The plan: program length and every segment with what happened to it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PlanReport {
    pub frames: i64,
    pub samples: i64,
    /// Output frame rate, `num/den`.
    pub fps: String,
    pub sample_rate: u32,
    pub segments: Vec<SegmentReport>,
    /// The EDL's markers in time order (as in `render --dry-run --json`).
    pub markers: Vec<MarkerReport>,
}

/// A marker on the program.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct MarkerReport {
    /// Index in the EDL's `markers`.
    pub index: usize,
    pub name: String,
    pub note: Option<String>,
    /// `red`, `pink`, `orange`, `yellow`, `green`, `cyan`, `blue`, `purple`, `magenta`,
    /// `black` or `white`.
    pub colour: String,
    /// Program frame and record timecode it marks.
    pub frame: i64,
    pub timecode: String,
    /// Frames the marked range lasts (0: a point).
    pub frames: i64,
    /// Index in the EDL's timeline of the event showing that frame.
    pub event: usize,
}

/// One segment of the plan.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SegmentReport {
    pub id: usize,
    /// Index of its event in the EDL's timeline, and the event's name.
    pub event: usize,
    pub name: String,
    pub record_start: i64,
    pub frames: i64,
    /// The cache key (BLAKE3 of everything that determines its bytes).
    pub key: String,
    pub status: SegmentStatus,
    /// Seconds spent rendering it (0 when cached or skipped).
    pub seconds: f64,
}

/// Cache use in this run.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CacheReport {
    pub dir: String,
    pub cached: usize,
    pub rendered: usize,
    pub skipped: usize,
}

/// The written file, measured.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OutputFacts {
    pub path: String,
    pub bytes: u64,
    /// BLAKE3 of the whole file, hex.
    pub blake3: String,
    pub container: String,
    pub duration_seconds: Option<f64>,
    pub video: Option<VideoFacts>,
    pub audio: Option<AudioFacts>,
    pub subtitles: Vec<SubtitleFacts>,
    /// Audio duration minus video duration, seconds.
    pub audio_video_difference_seconds: Option<f64>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct VideoFacts {
    pub codec: String,
    pub width: u32,
    pub height: u32,
    /// `num/den`.
    pub fps: Option<String>,
    /// Counted packets (one per frame).
    pub frames: u64,
    pub duration_seconds: Option<f64>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AudioFacts {
    pub codec: String,
    pub sample_rate: u32,
    pub channels: u32,
    pub duration_seconds: Option<f64>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SubtitleFacts {
    pub codec: String,
    pub language: Option<String>,
    /// Cues, decoded (the empty samples between cues are not counted).
    pub cues: u64,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LoudnessReport {
    /// LUFS.
    pub target: f64,
    /// dBTP.
    pub true_peak_ceiling: f64,
    pub applied: LoudnessApplied,
    pub written: LoudnessStats,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Timings {
    /// From start to finish of the render (segments and assembly).
    pub render_seconds: f64,
    pub assemble_seconds: f64,
    /// Assembly's stages (absent when nothing was assembled: a shard, or an unchanged program
    /// whose output came from the cache).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assembly: Option<crate::media::assemble::AssemblyStages>,
}

fn secs(r: Option<crate::facts::Ratio>) -> Option<f64> {
    r.map(|r| crate::time::to_f64(r.0))
}

/// Measure the written file.
pub fn output_facts(path: &Path) -> Result<OutputFacts, MediaError> {
    // Stream facts only: the written file's colour needs no measuring.
    let facts = crate::media::probe::probe(path)?;
    let counts = crate::media::measure::packet_counts(path)?;
    let count = |i: usize| counts.iter().find(|c| c.0 == i).map_or(0, |c| c.1);
    let (bytes, blake3) = {
        let mut hasher = blake3::Hasher::new();
        let file = std::fs::File::open(path).map_err(|e| MediaError::Unreadable {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
        hasher
            .update_reader(file)
            .map_err(|e| MediaError::Unreadable {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
        (bytes, hasher.finalize().to_hex().to_string())
    };
    let video = facts.streams.iter().find_map(|s| {
        s.video.as_ref().map(|v| VideoFacts {
            codec: s.codec.clone(),
            width: v.width,
            height: v.height,
            fps: v
                .frame_rate
                .map(|r| format!("{}/{}", r.0.numer(), r.0.denom())),
            frames: count(s.index),
            duration_seconds: secs(s.duration),
        })
    });
    let audio = facts.streams.iter().find_map(|s| {
        s.audio.as_ref().map(|a| AudioFacts {
            codec: s.codec.clone(),
            sample_rate: a.sample_rate,
            channels: a.channels,
            duration_seconds: secs(s.duration),
        })
    });
    // Cues as a player shows them: decoded, without the empty samples that fill the gaps
    // between cues in MP4's mov_text.
    let decoded = crate::media::measure::subtitle_streams(path)?;
    let subtitles = facts
        .streams
        .iter()
        .filter(|s| s.kind == "subtitle")
        .zip(
            decoded
                .iter()
                .map(|d| d.cues.len() as u64)
                .chain(std::iter::repeat(0)),
        )
        .map(|(s, cues)| SubtitleFacts {
            codec: s.codec.clone(),
            language: s.language.clone(),
            cues,
        })
        .collect();
    let difference = match (
        audio.as_ref().and_then(|a| a.duration_seconds),
        video.as_ref().and_then(|v| v.duration_seconds),
    ) {
        (Some(a), Some(v)) => Some(a - v),
        _ => None,
    };
    Ok(OutputFacts {
        path: path.display().to_string(),
        bytes,
        blake3,
        container: facts.container.clone(),
        duration_seconds: secs(facts.duration),
        video,
        audio,
        subtitles,
        audio_video_difference_seconds: difference,
    })
}

/// What a report is made of, besides the plan and the render's summary.
pub struct Extras<'a> {
    /// The EDL rendered.
    pub edl: &'a Path,
    pub cache_dir: Option<&'a Path>,
    pub shard: Option<(usize, usize)>,
    /// Facts measured from the written file.
    pub output: Option<OutputFacts>,
    pub sources: Vec<SourceReport>,
    pub warnings: Vec<String>,
}

/// Put a report together.
pub fn build(plan: &Plan, summary: &RenderSummary, extras: Extras) -> Report {
    let Extras {
        edl,
        cache_dir,
        shard,
        output,
        sources,
        warnings,
    } = extras;
    let segments: Vec<SegmentReport> = plan
        .segments
        .iter()
        .zip(&summary.segments)
        .map(|(s, o)| SegmentReport {
            id: s.id,
            event: s.event,
            name: plan
                .events
                .iter()
                .find(|e| e.index == s.event)
                .map(|e| e.name.clone())
                .unwrap_or_default(),
            record_start: s.record_start,
            frames: s.frames,
            key: s.key.clone(),
            status: o.status,
            seconds: o.seconds,
        })
        .collect();
    let tally = |st: SegmentStatus| segments.iter().filter(|s| s.status == st).count();
    let cache = cache_dir.map(|d| CacheReport {
        dir: d.display().to_string(),
        cached: tally(SegmentStatus::Cached),
        rendered: tally(SegmentStatus::Rendered),
        skipped: tally(SegmentStatus::Skipped),
    });
    let loudness = match (&summary.loudness, plan.output.audio.loudness) {
        (Some((applied, written)), Some(t)) => Some(LoudnessReport {
            target: t.target,
            true_peak_ceiling: t.true_peak,
            applied: *applied,
            written: *written,
        }),
        _ => None,
    };
    Report {
        roughcut: env!("CARGO_PKG_VERSION").to_string(),
        edl: edl.display().to_string(),
        shard: shard.map(|(k, n)| format!("{}/{n}", k + 1)),
        plan: PlanReport {
            frames: plan.frames,
            samples: plan.samples,
            fps: format!("{}/{}", plan.output.fps.num(), plan.output.fps.den()),
            sample_rate: plan.output.audio.sample_rate,
            segments,
            markers: plan
                .markers
                .iter()
                .map(|m| MarkerReport {
                    index: m.marker.index,
                    name: m.marker.name.clone(),
                    note: m.marker.note.clone(),
                    colour: m.marker.colour.name().to_string(),
                    frame: m.marker.frame,
                    timecode: m.timecode.clone(),
                    frames: m.marker.frames,
                    event: m.event,
                })
                .collect(),
        },
        cache,
        output,
        loudness,
        sources,
        warnings,
        timings: Timings {
            render_seconds: summary.wall_seconds,
            assemble_seconds: summary.assemble_seconds,
            assembly: summary.assembly,
        },
    }
}

/// The JSON Schema of [`Report`].
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Report)).unwrap_or_default()
}
