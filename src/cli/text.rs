//! Human-readable text for library data: a file's media facts (`probe`) and a plan
//! (`render --dry-run`).

use roughcut::facts::{ColourVerdict, MediaFacts};
use roughcut::plan::{Picture, Plan};
use roughcut::render::{RenderSummary, SegmentStatus};

/// Human-readable description of one file's facts.
pub fn describe(f: &MediaFacts) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "{}", f.path);
    let _ = writeln!(
        out,
        "  container  {}  duration {}  size {} bytes",
        f.container,
        f.duration_text.as_deref().unwrap_or("unknown"),
        f.size_bytes
    );
    for (k, v) in &f.tags {
        let _ = writeln!(out, "  {k:<10} {v}");
    }
    for c in &f.chapters {
        let _ = writeln!(
            out,
            "  chapter    {} – {}  {}",
            roughcut::time::format_seconds(c.start.0),
            roughcut::time::format_seconds(c.end.0),
            c.title
        );
    }
    if let Some(c) = &f.colour {
        describe_colour(&mut out, c);
    }
    for s in &f.streams {
        if let Some(v) = &s.video {
            let rate = v
                .frame_rate
                .map(|r| r.to_string())
                .unwrap_or_else(|| "?".into());
            let avg = v
                .avg_frame_rate
                .map(|r| r.to_string())
                .unwrap_or_else(|| "?".into());
            let scan = if v.interlaced() {
                let order = match (v.field_order.as_str(), v.top_field_first) {
                    ("tt" | "tb", _) | (_, Some(true)) => "top field first",
                    ("bb" | "bt", _) | (_, Some(false)) => "bottom field first",
                    _ => "field order unknown",
                };
                format!("interlaced ({order})")
            } else {
                "progressive".to_string()
            };
            let _ = writeln!(
                out,
                "  #{} video  {} {}x{} SAR {} DAR {}  {} fps (avg {}){}  {}  {} {}-bit  range {} matrix {} primaries {} transfer {}{}",
                s.index,
                s.codec,
                v.width,
                v.height,
                v.sar,
                v.dar,
                rate,
                avg,
                if v.variable_frame_rate { " variable" } else { "" },
                scan,
                v.pix_fmt,
                v.bit_depth,
                v.color_range,
                v.color_matrix,
                v.color_primaries,
                v.color_transfer,
                match v.orientation.describe() {
                    None => String::new(),
                    Some(d) => format!("  shown {d}"),
                }
            );
        } else if let Some(a) = &s.audio {
            let _ = writeln!(
                out,
                "  #{} audio  {} {} Hz {} ch ({}) {}{}",
                s.index,
                s.codec,
                a.sample_rate,
                a.channels,
                a.layout,
                a.sample_fmt,
                s.language
                    .as_deref()
                    .map(|l| format!("  language {l}"))
                    .unwrap_or_default()
            );
        } else {
            let _ = writeln!(out, "  #{} {}  {}", s.index, s.kind, s.codec);
        }
    }
    out
}

/// The colour judgement of a file: its verdict, how and on how many frames, why, and the
/// measurements behind it.
fn describe_colour(out: &mut String, c: &roughcut::facts::ColourAnalysis) {
    use std::fmt::Write;
    let class = match c.class {
        ColourVerdict::Bw => "black-and-white",
        ColourVerdict::Colour => "colour",
        ColourVerdict::Uncertain => "uncertain (rendered as colour)",
    };
    let _ = writeln!(
        out,
        "  colour     {class} ({}{}): {}",
        c.method,
        if c.frames > 0 {
            format!(" on {} frames", c.frames)
        } else {
            String::new()
        },
        c.reason
    );
    if c.frames > 0 {
        let _ = writeln!(
            out,
            "             strong chroma {:.1}, noise {:.2}, following edges {:.0} %, hues apart {:.0} %, cast U {:+.1} V {:+.1}{}\n             chroma on luma: U {:+.1} V {:+.1} at black, U {:+.1} V {:+.1} at mid-grey; misregistered planes explain {:.0} %",
            c.strong_chroma,
            c.noise_in_blocks,
            c.fringe_share * 100.0,
            c.hue_spread * 100.0,
            c.cast_u,
            c.cast_v,
            c.tone.map(|t| format!(" ({t})")).unwrap_or_default(),
            c.luma_black_u,
            c.luma_black_v,
            c.luma_grey_u,
            c.luma_grey_v,
            c.plane_shift * 100.0,
        );
    }
}

/// The plan for people: one line per event and segment.
pub fn print_plan(p: &Plan) {
    let fps = p.output.fps;
    eprintln!(
        "{} → {}x{} {} fps{}, {} frames ({}), {} samples at {} Hz, {} segments",
        p.output.path.display(),
        p.output.width,
        p.output.height,
        fps,
        if p.output.draft { " (draft)" } else { "" },
        p.frames,
        roughcut::time::frames_to_timecode(p.frames, fps, false),
        p.samples,
        p.output.audio.sample_rate,
        p.segments.len()
    );
    // Each event's segments, found once (not searched for per event: quadratic at 100,000).
    let mut by_event: std::collections::BTreeMap<usize, Vec<&roughcut::plan::Segment>> =
        Default::default();
    for s in &p.segments {
        by_event.entry(s.event).or_default().push(s);
    }
    for ev in &p.events {
        let t = ev
            .transition
            .map(|t| {
                let kind = match t {
                    roughcut::edl::Transition::Dissolve { .. } => "Dissolve",
                    roughcut::edl::Transition::FadeBlack { .. } => "FadeBlack",
                };
                format!("  ({kind} {} frames in)", t.frames())
            })
            .unwrap_or_default();
        eprintln!(
            "  event {:>3} {:<24} record {} +{} frames{t}",
            ev.index,
            ev.name,
            roughcut::time::frames_to_timecode(ev.record_start, fps, false),
            ev.frames
        );
        for s in by_event.get(&ev.index).into_iter().flatten() {
            let what = match &s.picture {
                Picture::Source(src) => format!(
                    "{} from {}: {}",
                    src.source,
                    roughcut::time::format_seconds(src.first),
                    src.filter
                ),
                Picture::Black => "black".to_string(),
                Picture::Still(st) => {
                    let rect = |r: [f64; 4]| format!("x {} y {} w {} h {}", r[0], r[1], r[2], r[3]);
                    format!(
                        "still {} moving from {} to {} ({}), from its frame {} of {}",
                        st.source,
                        rect(st.from),
                        rect(st.to),
                        match st.ease {
                            roughcut::edl::raw::Ease::Linear => "linear",
                            roughcut::edl::raw::Ease::EaseInOut => "ease_in_out",
                        },
                        st.first,
                        st.frames
                    )
                }
                Picture::Insert(i) => format!(
                    "cutaway \"{}\": {} from {}: {}",
                    i.name,
                    i.picture.source,
                    roughcut::time::format_seconds(i.picture.first),
                    i.picture.filter
                ),
                Picture::Title(t) => format!("title, {} line(s) at {} px", t.lines.len(), t.size),
                Picture::Dissolve(_) => format!("dissolve over {} frames", s.frames),
            };
            eprintln!(
                "      segment {:>3} frames {}..{} samples {}..{} key {}  {what}",
                s.id,
                s.record_start,
                s.record_start + s.frames,
                s.sample_start,
                s.sample_start + s.samples,
                &s.key[..12]
            );
            for b in &s.beds {
                eprintln!(
                    "          + mix \"{}\" from {} over samples {}..{}{}",
                    b.name,
                    roughcut::time::format_seconds(b.start),
                    s.sample_start + b.offset,
                    s.sample_start + b.offset + b.samples,
                    if b.envelope.is_empty() {
                        ""
                    } else {
                        " (faded/ducked)"
                    }
                );
            }
        }
    }
    for m in &p.markers {
        let range = if m.marker.frames > 0 {
            format!(" +{} frames", m.marker.frames)
        } else {
            String::new()
        };
        let note = m
            .marker
            .note
            .as_deref()
            .map(|n| format!(" — {n}"))
            .unwrap_or_default();
        eprintln!(
            "  marker {}{range} {} (event {}): {}{note}",
            m.timecode,
            m.marker.colour.name(),
            m.event,
            m.marker.name
        );
    }
}

/// Segments rendered and taken from the cache.
fn counts(s: &RenderSummary) -> (usize, usize) {
    let count = |st: SegmentStatus| s.segments.iter().filter(|o| o.status == st).count();
    (count(SegmentStatus::Rendered), count(SegmentStatus::Cached))
}

/// A shard's summary line.
pub fn print_shard(s: &RenderSummary, shard: Option<(usize, usize)>) {
    if let Some((k, n)) = shard {
        let (rendered, cached) = counts(s);
        eprintln!(
            "shard {}/{n}: {rendered} segment(s) rendered, {cached} already cached, in {:.1} s",
            k + 1,
            s.wall_seconds
        );
    }
}

/// The render's summary line.
pub fn print_summary(plan: &Plan, s: &RenderSummary, out: &std::path::Path) {
    let (rendered, cached) = counts(s);
    let program = roughcut::time::frames_to_timecode(s.frames, plan.output.fps, false);
    let secs = s.frames as f64 * plan.output.fps.den() as f64 / plan.output.fps.num() as f64;
    let head = format!(
        "rendered {}: {program} ({} frames, {} samples) in {:.1} s",
        out.display(),
        s.frames,
        s.samples,
        s.wall_seconds,
    );
    if s.output_cached {
        eprintln!("{head}; nothing changed: the output came from the cache");
    } else {
        eprintln!(
            "{head}, {:.2}× realtime; {rendered} segment(s) rendered, {cached} from the cache",
            if s.wall_seconds > 0.0 {
                secs / s.wall_seconds
            } else {
                0.0
            }
        );
    }
}

/// The loudness line: measured, corrected, and the written file measured again.
pub fn print_loudness(plan: &Plan, s: &RenderSummary) {
    let Some((applied, written)) = &s.loudness else {
        return;
    };
    let target = plan.output.audio.loudness;
    eprintln!(
        "loudness: measured {:.1} LUFS (true peak {:.1} dBTP), gain {:+.1} dB{}; written file {:.1} LUFS, true peak {:.1} dBTP{}",
        applied.measured.integrated,
        applied.measured.true_peak,
        applied.gain_db,
        if applied.limited { " with peak limiting" } else { "" },
        written.integrated,
        written.true_peak,
        target.map_or(String::new(), |t| format!(" (target {} LUFS, ceiling {} dBTP)", t.target, t.true_peak)),
    );
}
