//! Validation: a [`Draft`] → checked [`Edl`], collecting every problem at once.
//!
//! This file holds the entry point and the walk over the parts (the draft and its parts are
//! read in `edl/draft.rs`); the checks of each
//! part live beside it: [`output`] (output settings, title cards, fonts, colours), [`inputs`]
//! (sources, subtitle files, overlays), [`timeline`] (events, times, transitions, clips),
//! [`sound`] (clip sound, beds, program samples) and [`files`] (what the gathered facts say about
//! each file, and output collisions).

mod files;
mod inputs;
mod output;
mod sound;
mod timeline;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::diag::{join, suggestion, Diagnostic};
use super::draft::{split, Draft, Parts};
use super::raw::{self, RawEvent, RawTransition};
use super::{
    program_frames, AudioCodec, AudioSettings, Bed, CheckOptions, Checked, Clip, ClipAudio,
    ColourClass, Container, Duck, Edl, Event, EventKind, Look, Outline, Output, Overlays, Preset,
    Rgb, Source, SubStyle, Subtitle, Title, Tone, Transition, VideoCodec, VideoSettings,
};
use crate::facts::{Facts, FileFacts, MediaFacts, Need};
use crate::time::{format_seconds, format_source_time, round_half_up, Rate, Rational, TimeSpec};

const MAX_DIMENSION: u32 = 8192;

/// Check a draft against the facts gathered for its files, into an [`Edl`] (when every part is
/// sound and every source was probed) and every problem found. Does no I/O.
pub fn check(draft: &Draft, facts: &Facts, opts: &CheckOptions) -> Checked {
    run_checks(draft, facts, opts).0
}

pub(super) fn run_checks(
    draft: &Draft,
    facts: &Facts,
    opts: &CheckOptions,
) -> (Checked, Vec<Need>) {
    let Some(doc) = &draft.doc else {
        return (
            Checked {
                edl: None,
                outline: None,
                diagnostics: draft.diagnostics.clone(),
                verdicts: Vec::new(),
            },
            Vec::new(),
        );
    };
    let mut diags = draft.diagnostics.clone();
    let parts = split(doc);
    let path = draft.path.as_path();
    let base_dir = path
        .parent()
        .map(|p| {
            if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            }
        })
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let mut v = Validator {
        diags: Vec::new(),
        base_dir,
        declared: parts.sources.iter().map(|(id, _)| id.clone()).collect(),
        probing: facts.probed(),
        facts,
        needs: std::collections::BTreeSet::new(),
        output_override: opts.output.clone(),
        output_path: None,
        out_height: 720,
        sample_rate: 48000,
        outline: None,
        verdicts: Vec::new(),
    };
    let edl = v.run(parts, path);
    diags.append(&mut v.diags);
    diags.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then_with(|| pointer_order(&a.pointer, &b.pointer))
    });
    let edl = edl.filter(|_| !diags.iter().any(Diagnostic::is_error));
    (
        Checked {
            edl,
            outline: v.outline,
            diagnostics: diags,
            verdicts: v.verdicts,
        },
        v.needs.into_iter().collect(),
    )
}

/// A source while it is checked: its facts are known only when it was probed.
#[derive(Debug, Clone)]
struct Candidate {
    id: String,
    path: PathBuf,
    colour: ColourClass,
    fps_override: Option<Rate>,
    facts: Option<MediaFacts>,
    identity: Option<String>,
    shape: super::Shape,
}

impl Candidate {
    fn rate(&self) -> Option<Rate> {
        self.fps_override.or_else(|| {
            let r = self.facts.as_ref()?.video()?.frame_rate?.0;
            Rate::new(*r.numer(), *r.denom()).ok()
        })
    }

    /// The checked source, when it was probed.
    fn source(&self) -> Option<Source> {
        Some(Source {
            id: self.id.clone(),
            path: self.path.clone(),
            colour: self.colour,
            fps_override: self.fps_override,
            facts: self.facts.clone()?,
            identity: self.identity.clone()?,
            shape: self.shape,
        })
    }
}

/// Order pointers section by section; array indices compare as numbers, so `/timeline/2`
/// comes before `/timeline/10`.
fn pointer_order(a: &str, b: &str) -> std::cmp::Ordering {
    let key = |p: &str| -> Vec<(u64, String)> {
        p.split('/')
            .map(|t| match t.parse::<u64>() {
                Ok(n) => (n, String::new()),
                Err(_) => (u64::MAX, t.to_string()),
            })
            .collect()
    };
    key(a).cmp(&key(b))
}

struct Validator<'f> {
    diags: Vec<Diagnostic>,
    /// Every probed picture source's colour judgement.
    verdicts: Vec<super::SourceVerdict>,
    /// What the caller found out about the EDL's files.
    facts: &'f Facts,
    /// Files asked about that the facts do not cover yet.
    needs: std::collections::BTreeSet<Need>,
    /// `-o`: the output path given on the command line, instead of `output.path`.
    output_override: Option<PathBuf>,
    /// Counts for a summary, when the timeline could be resolved.
    outline: Option<Outline>,
    base_dir: PathBuf,
    /// Every source id the EDL declares, including those with problems of their own.
    declared: Vec<String>,
    /// Whether sources are probed (frame rates known).
    probing: bool,
    /// The resolved output path, when it is a local path.
    output_path: Option<PathBuf>,
    /// Output picture height (title sizes default to a twelfth of it).
    out_height: u32,
    /// Output sample rate (sound fades count in its samples).
    sample_rate: u32,
}

impl Validator<'_> {
    fn error(&mut self, ptr: impl Into<String>, msg: impl Into<String>) {
        self.diags.push(Diagnostic::error(ptr, msg));
    }

    fn resolve(&self, p: &str) -> PathBuf {
        let path = Path::new(p);
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.base_dir.join(path)
        }
    }

    /// Check a path field: not empty, no NUL, not a URL or FFmpeg protocol.
    fn local_path(&mut self, ptr: &str, what: &str, p: &str) -> Option<PathBuf> {
        if p.trim().is_empty() {
            self.error(
                ptr,
                format!("{what} path is empty; give a file path relative to the EDL's folder"),
            );
            return None;
        }
        if p.contains('\0') {
            self.error(ptr, format!("{what} path contains a NUL character"));
            return None;
        }
        if let Some(scheme) = crate::edl::paths::protocol_prefix(p) {
            self.error(
                ptr,
                format!("`{p}` is not a local file: `{scheme}` is a URL scheme or FFmpeg protocol, and roughcut only reads local files; download or convert the media and give its path"),
            );
            return None;
        }
        Some(self.resolve(p))
    }

    fn run(&mut self, parts: Parts, path: &Path) -> Option<Edl> {
        if let Some(version) = parts.version {
            if version != 1 {
                self.error(
                    "/version",
                    format!("version {version} is not supported; this roughcut reads version 1"),
                );
            }
        }
        if let Some(t) = &parts.title {
            self.text_field("/title", t);
        }
        let fps = self.output_fps(&parts.output);
        let output = self.output(&parts.output, fps, path);
        let sources = self.sources(&parts.sources);
        self.out_height = parts.output.height.unwrap_or(720);
        let subtitles = self.subtitles(&parts.subtitles);
        let overlays = self.overlays(parts.overlays.as_ref());
        self.sample_rate = output.as_ref().map_or(48000, |o| o.audio.sample_rate);
        let timeline = self.timeline(&parts.timeline, &sources, fps);
        let beds = self.audio_tracks(&parts.audio_tracks, &sources, fps);

        if let Some(out) = self.output_path.clone() {
            self.output_collisions(&out, &sources, &subtitles);
        }
        // Source-timed cues show only where a clip of that source plays.
        if let Some(events) = &timeline {
            for sub in &subtitles {
                let Some(src) = &sub.timing_source else {
                    continue;
                };
                let used = events
                    .iter()
                    .any(|e| matches!(&e.kind, EventKind::Clip(c) if &c.source == src));
                if !used && self.declared.contains(src) {
                    self.diags.push(Diagnostic::warning(
                        format!("/subtitles/{}/timing/source", sub.index),
                        format!("no clip of the timeline uses source `{src}`, so none of these cues will show"),
                    ));
                }
            }
        }
        let complete = parts.sources.iter().all(|(_, s)| s.is_some())
            && parts.timeline.iter().all(Option::is_some)
            && parts.subtitles.iter().all(Option::is_some)
            && parts.audio_tracks.iter().all(Option::is_some)
            && parts.markers.iter().all(Option::is_some)
            && parts.cutaways.iter().all(Option::is_some)
            && parts.version.is_some();
        if let (Some(events), Some(fps)) = (&timeline, fps) {
            self.split_edits(events, fps);
        }
        let markers = match (&timeline, fps) {
            (Some(events), Some(fps)) => self.markers(&parts.markers, program_frames(events), fps),
            _ => None,
        };
        let cutaways = self.cutaways(&parts.cutaways, &sources, fps, timeline.as_deref());
        let timeline = timeline?;
        let beds = beds?;
        let output = output?;
        let markers = markers?;
        let cutaways = cutaways?;
        if !complete {
            return None;
        }
        let frames = program_frames(&timeline);
        self.outline = Some(Outline {
            events: timeline.len(),
            sources: sources.len(),
            frames,
            fps: output.fps,
        });
        // Only sources that were probed make an Edl: a checked Edl always has its facts.
        let sources = sources
            .into_iter()
            .map(|(id, c)| Some((id, c.source()?)))
            .collect::<Option<BTreeMap<String, Source>>>()?;
        Some(Edl {
            file: path.to_path_buf(),
            base_dir: self.base_dir.clone(),
            title: parts.title,
            output,
            sources,
            timeline,
            beds,
            subtitles,
            overlays,
            markers,
            cutaways,
        })
    }

    /// The cutaways: each a clip's picture inside the program, none overlapping another or a
    /// dissolve, in program order.
    fn cutaways(
        &mut self,
        raw: &[Option<raw::RawCutaway>],
        sources: &BTreeMap<String, Candidate>,
        fps: Option<Rate>,
        events: Option<&[Event]>,
    ) -> Option<Vec<super::Cutaway>> {
        let mut out = Vec::new();
        let mut fine = true;
        for (i, c) in raw.iter().enumerate() {
            let Some(c) = c else {
                fine = false;
                continue;
            };
            let ptr = format!("/cutaways/{i}");
            let clip = self.clip_at(&ptr, i, &c.as_clip(), sources, fps);
            let start = fps.and_then(|fps| self.program_frames(&format!("{ptr}/at"), &c.at.0, fps));
            let (Some(ev), Some(start), Some(events), Some(fps)) = (clip, start, events, fps)
            else {
                fine = false;
                continue;
            };
            let EventKind::Clip(clip) = ev.kind else {
                fine = false;
                continue;
            };
            let total = program_frames(events);
            let shown = |f: i64| crate::time::frames_to_timecode(f, fps, false);
            if start < 0 || start + ev.frames > total {
                self.error(
                    format!("{ptr}/at"),
                    format!(
                        "the cutaway covers frames {start} to {} ({} to {}), outside the program ({total} frames, to {}); move it or shorten it",
                        start + ev.frames,
                        shown(start.max(0)),
                        shown(start + ev.frames),
                        shown(total)
                    ),
                );
                fine = false;
                continue;
            }
            // A dissolve is one segment of two pictures blended: a cutaway covers one whole or
            // stays off it.
            let starts = super::record_starts(events);
            let end = start + ev.frames;
            let cut_into = events.iter().zip(&starts).find(|(e, &s)| {
                let d = e.overlap();
                d > 0 && s < end && s + d > start && !(start <= s && s + d <= end)
            });
            let retimed_cut = events.iter().zip(&starts).find(|(e, &s)| {
                matches!(&e.kind, EventKind::Clip(c) if c.retimed())
                    && [start, end]
                        .iter()
                        .any(|&edge| s < edge && edge < s + e.frames)
            });
            if let Some((e, _)) = retimed_cut {
                self.error(
                    format!("{ptr}/at"),
                    format!("the cutaway starts or ends inside /timeline/{}, whose speed is changed (its stretched sound is one piece); cover the whole clip or none of it", e.index),
                );
                fine = false;
                continue;
            }
            if let Some((e, &s)) = cut_into {
                self.error(
                    format!("{ptr}/at"),
                    format!("the cutaway cuts into the dissolve into /timeline/{} (frames {s} to {}); a cutaway may cover a dissolve whole, not part of it: move its start or end off the dissolve", e.index, s + e.overlap()),
                );
                fine = false;
                continue;
            }
            out.push(super::Cutaway {
                index: i,
                name: c.name.clone(),
                clip,
                start,
                frames: ev.frames,
            });
        }
        out.sort_by_key(|c| (c.start, c.index));
        for w in out.windows(2) {
            if w[1].start < w[0].start + w[0].frames {
                self.error(
                    format!("/cutaways/{}/at", w[1].index),
                    format!("the cutaway starts at frame {} while /cutaways/{} still shows (to frame {}); cutaways may not overlap", w[1].start, w[0].index, w[0].start + w[0].frames),
                );
                fine = false;
            }
        }
        fine.then_some(out)
    }

    /// Split edits stay inside the program and away from transitions.
    fn split_edits(&mut self, events: &[Event], fps: Rate) {
        let starts = super::record_starts(events);
        let total = program_frames(events);
        let sr = self.sample_rate;
        let total_samples = crate::time::sample_at(total, sr, fps);
        for (k, ev) in events.iter().enumerate() {
            let EventKind::Clip(c) = &ev.kind else {
                continue;
            };
            let ptr = format!("/timeline/{}/audio", ev.index);
            let dissolve = |e: Option<&Event>| e.is_some_and(Event::dissolves_in);
            if c.audio.lead > 0 {
                let s0 = crate::time::sample_at(starts[k], sr, fps);
                if dissolve(Some(ev)) {
                    self.error(format!("{ptr}/lead"), "a J-cut into a dissolve is not supported: the dissolve already crossfades the sound; remove `lead` or the dissolve");
                } else if c.audio.lead > s0 {
                    self.error(format!("{ptr}/lead"), format!("the sound would start {} before the program does (the picture starts at {}); shorten the lead", format_seconds(Rational::new(c.audio.lead - s0, i64::from(sr))), format_seconds(Rational::new(s0, i64::from(sr)))));
                }
            }
            if c.audio.tail > 0 {
                let next = events.get(k + 1);
                let s1 = crate::time::sample_at(starts[k] + ev.frames, sr, fps);
                if dissolve(next) {
                    self.error(format!("{ptr}/tail"), "an L-cut out of a dissolve is not supported: the dissolve already crossfades the sound; remove `tail` or the dissolve");
                } else if next.is_some_and(
                    |n| matches!(&n.kind, EventKind::Title(t) if t.background.is_none()),
                ) {
                    self.error(format!("{ptr}/tail"), "the clip's sound already runs on under the transparent title after it; remove `tail` (or give the title a background)");
                } else if s1 + c.audio.tail > total_samples {
                    self.error(
                        format!("{ptr}/tail"),
                        format!(
                            "the sound would run on {} past the program's end; shorten the tail",
                            format_seconds(Rational::new(
                                s1 + c.audio.tail - total_samples,
                                i64::from(sr)
                            ))
                        ),
                    );
                }
            }
        }
    }

    /// The markers, checked against the program's length, in time order.
    fn markers(
        &mut self,
        raw: &[Option<raw::RawMarker>],
        program: i64,
        fps: Rate,
    ) -> Option<Vec<super::Marker>> {
        let mut out = Vec::new();
        let mut fine = true;
        for (i, m) in raw.iter().enumerate() {
            let Some(m) = m else { continue };
            let ptr = format!("/markers/{i}");
            if m.name.trim().is_empty() {
                self.error(
                    format!("{ptr}/name"),
                    "the marker's name is empty; give it a short name",
                );
                fine = false;
            }
            self.text_field(&format!("{ptr}/name"), &m.name);
            if let Some(n) = &m.note {
                self.text_field(&format!("{ptr}/note"), n);
            }
            let Some(frame) = self.program_frames(&format!("{ptr}/at"), &m.at.0, fps) else {
                fine = false;
                continue;
            };
            let shown = |f: i64| crate::time::frames_to_timecode(f, fps, false);
            if !(0..program).contains(&frame) {
                self.error(
                    format!("{ptr}/at"),
                    format!(
                        "the marker is at {} (frame {frame}), outside the program (00:00:00:00 to {}, {program} frames); give a time inside it",
                        shown(frame),
                        shown(program)
                    ),
                );
                fine = false;
                continue;
            }
            let frames = match &m.duration {
                None => 0,
                Some(d) => match self.program_frames(&format!("{ptr}/duration"), &d.0, fps) {
                    Some(n) if n <= 0 => {
                        self.error(
                            format!("{ptr}/duration"),
                            "the marked range is shorter than one frame; leave `duration` out for a point",
                        );
                        fine = false;
                        continue;
                    }
                    Some(n) if frame + n > program => {
                        self.error(
                            format!("{ptr}/duration"),
                            format!(
                                "the marked range ends at {} (frame {}), after the program ends at {} ({program} frames)",
                                shown(frame + n),
                                frame + n,
                                shown(program)
                            ),
                        );
                        fine = false;
                        continue;
                    }
                    Some(n) => n,
                    None => {
                        fine = false;
                        continue;
                    }
                },
            };
            out.push(super::Marker {
                index: i,
                name: m.name.clone(),
                note: m.note.clone(),
                colour: m.colour.unwrap_or_default(),
                frame,
                frames,
            });
        }
        out.sort_by_key(|m| (m.frame, m.index));
        fine.then_some(out)
    }

    fn text_field(&mut self, ptr: &str, t: &str) {
        if t.contains('\0') {
            self.error(ptr, "text contains a NUL character; remove it");
        }
    }
}

/// A subtitle file's problem as a message: the file, the line, what is wrong.
fn sub_problem(file: &str, p: &crate::subs::Problem) -> String {
    if p.line == 0 {
        format!("{file}: {}", p.message)
    } else {
        format!("{file} line {}: {}", p.line, p.message)
    }
}

fn value_text(v: &Value) -> String {
    v.as_str()
        .map(str::to_string)
        .unwrap_or_else(|| v.to_string())
}

/// `160000`, `"160k"`, `"1.5M"` → bits per second (exact integer arithmetic).
fn parse_bitrate(v: &Value) -> Option<u64> {
    if let Some(n) = v.as_u64() {
        return (n > 0).then_some(n);
    }
    let s = v.as_str()?.trim();
    let (digits, mult) = match s.strip_suffix(['k', 'K']) {
        Some(d) => (d, 1_000u64),
        None => match s.strip_suffix('M') {
            Some(d) => (d, 1_000_000),
            None => (s, 1),
        },
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 6
    {
        return None;
    }
    let int: u64 = int.parse().ok()?;
    let frac_val: u64 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    let scale = 10u64.checked_pow(frac.len() as u32)?;
    let total = int
        .checked_mul(mult)?
        .checked_add(frac_val.checked_mul(mult)? / scale)?;
    (total > 0).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitrates() {
        assert_eq!(parse_bitrate(&Value::from("160k")), Some(160_000));
        assert_eq!(parse_bitrate(&Value::from("1.5M")), Some(1_500_000));
        assert_eq!(parse_bitrate(&Value::from(96000)), Some(96_000));
        assert_eq!(parse_bitrate(&Value::from("fast")), None);
        assert_eq!(parse_bitrate(&Value::from("0k")), None);
    }

    #[test]
    fn pointers_sort_by_document_order() {
        let mut v = vec!["/timeline/10/in", "/timeline/2/out", "/output/width"];
        v.sort_by(|a, b| pointer_order(a, b));
        assert_eq!(
            v,
            vec!["/output/width", "/timeline/2/out", "/timeline/10/in"]
        );
    }
}
