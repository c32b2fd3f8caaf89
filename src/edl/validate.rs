//! Validation: EDL text → checked [`Edl`], collecting every problem at once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::diag::{join, suggestion, Diagnostic};
use super::raw::{self, RawEvent, RawTransition};
use super::{
    program_frames, AudioCodec, AudioSettings, Bed, CheckOptions, Checked, Clip, ClipAudio,
    ColourClass, Container, Duck, Edl, Event, EventKind, Look, Outline, Output, Overlays, Source,
    SubStyle, Subtitle, Title, Tone, Transition, TransitionKind, VideoCodec, VideoSettings,
};
use crate::facts::{Facts, FileFacts, MediaFacts, Need};
use crate::time::{format_seconds, round_half_up, Rate, Rational, TimeSpec};

pub const PRESETS: &[&str] = &[
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
];
const MAX_DIMENSION: u32 = 8192;

/// The parts of an EDL that deserialized cleanly (a part with a structural problem is `None`,
/// and its problem is already reported).
struct Parts {
    version: Option<u32>,
    title: Option<String>,
    output: raw::RawOutput,
    sources: Vec<(String, Option<raw::RawSource>)>,
    timeline: Vec<Option<RawEvent>>,
    audio_tracks: Vec<Option<raw::RawAudioTrack>>,
    subtitles: Vec<Option<raw::RawSubtitle>>,
    overlays: Option<raw::RawOverlays>,
}

fn part<T: DeserializeOwned>(v: Option<&Value>) -> Option<T> {
    serde_json::from_value(v?.clone()).ok()
}

/// Read each part of a (pruned) document on its own, so one bad event does not hide the
/// problems of the others.
fn split(doc: &Value) -> Parts {
    let get = |k: &str| doc.get(k);
    let each = |k: &str| -> Vec<Option<Value>> {
        get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|v| Some(v.clone()).filter(|v| !v.is_null()))
                    .collect()
            })
            .unwrap_or_default()
    };
    Parts {
        version: part(get("version")),
        title: part(get("title")),
        output: part(get("output")).unwrap_or_default(),
        sources: get("sources")
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), part(Some(v)))).collect())
            .unwrap_or_default(),
        timeline: each("timeline").iter().map(|v| part(v.as_ref())).collect(),
        audio_tracks: each("audio_tracks")
            .iter()
            .map(|v| part(v.as_ref()))
            .collect(),
        subtitles: each("subtitles").iter().map(|v| part(v.as_ref())).collect(),
        overlays: part(get("overlays")),
    }
}

/// An EDL read as far as it can be without knowing anything about its files: its JSON, its
/// structure against the schema, and its parts.
#[derive(Debug, Clone)]
pub struct Draft {
    path: PathBuf,
    /// The document with every structurally bad value pruned (`None`: not JSON at all).
    doc: Option<Value>,
    /// Syntax and structure problems.
    diagnostics: Vec<Diagnostic>,
}

/// Parse EDL `text` (from the file `path`: relative paths resolve against its folder).
pub fn parse(text: &str, path: &Path) -> Draft {
    let doc: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let mut d = Diagnostic::error(
                "",
                format!("JSON syntax error: {}", strip_position(&e.to_string())),
            );
            d.line = Some(e.line());
            d.column = Some(e.column());
            return Draft {
                path: path.to_path_buf(),
                doc: None,
                diagnostics: vec![d],
            };
        }
    };
    let mut diagnostics = super::structure::check(&doc, &raw::schema());
    let pruned = super::structure::prune(&doc, &diagnostics);
    // Reported, not pruned: the value that JSON keeps is still checked.
    diagnostics.extend(super::structure::duplicate_keys(text));
    Draft {
        path: path.to_path_buf(),
        doc: Some(pruned),
        diagnostics,
    }
}

/// Remove every `null` member (typed raw values write absent options as `null`; an EDL means
/// the same by leaving them out).
fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(strip_nulls);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

impl Draft {
    /// A draft of an EDL built in code (as if it were the file `path`), checked exactly as one
    /// read from text.
    pub fn from_raw(raw: &raw::RawEdl, path: &Path) -> Draft {
        match serde_json::to_value(raw) {
            Ok(v) => Draft::from_value(v, path),
            Err(e) => Draft {
                path: path.to_path_buf(),
                doc: None,
                diagnostics: vec![Diagnostic::error("", e.to_string())],
            },
        }
    }

    /// A draft of an EDL given as a JSON value (as if it were the file `path`).
    pub fn from_value(mut doc: Value, path: &Path) -> Draft {
        strip_nulls(&mut doc);
        let diagnostics = super::structure::check(&doc, &raw::schema());
        let pruned = super::structure::prune(&doc, &diagnostics);
        Draft {
            path: path.to_path_buf(),
            doc: Some(pruned),
            diagnostics,
        }
    }

    /// The EDL file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What checking still needs to know about the files this EDL names (with `facts` as
    /// gathered so far): media to probe, files to read, paths to resolve. Gather them and ask
    /// again until nothing is needed (a subtitle file must be read before its burn-in font is
    /// known, for one).
    pub fn needs(&self, facts: &Facts, opts: &CheckOptions) -> Vec<Need> {
        let (_, needs) = run_checks(self, facts, opts);
        needs
    }
}

/// Check a draft against the facts gathered for its files, into an [`Edl`] (when every part is
/// sound and every source was probed) and every problem found. Does no I/O.
pub fn check(draft: &Draft, facts: &Facts, opts: &CheckOptions) -> Checked {
    run_checks(draft, facts, opts).0
}

fn run_checks(draft: &Draft, facts: &Facts, opts: &CheckOptions) -> (Checked, Vec<Need>) {
    let Some(doc) = &draft.doc else {
        return (
            Checked {
                edl: None,
                outline: None,
                diagnostics: draft.diagnostics.clone(),
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

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

struct Validator<'f> {
    diags: Vec<Diagnostic>,
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
        if let Some(scheme) = super::paths::protocol_prefix(p) {
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
            && parts.version.is_some();
        let timeline = timeline?;
        let beds = beds?;
        let output = output?;
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
        })
    }

    /// A title card's look: size, colour, and a font that can draw every character.
    fn title_card(&mut self, ptr: &str, t: &raw::RawTitle, out_height: u32) -> Option<Title> {
        let size = t.size.unwrap_or((out_height / 12).max(8));
        if !(4..=1000).contains(&size) {
            self.error(
                format!("{ptr}/title/size"),
                format!("text size {size} px is out of range; use 4 to 1000"),
            );
            return None;
        }
        let colour = self.hex_colour(
            &format!("{ptr}/title/colour"),
            t.colour.as_deref(),
            "0xFFFFFF",
        )?;
        let background = match t.background.as_deref() {
            Some("transparent") if ptr == "/timeline/0" => {
                self.error(format!("{ptr}/title/background"), "a transparent title needs an event before it to show through; give it a colour, or move it after a clip");
                return None;
            }
            Some("transparent") => None,
            other => {
                Some(self.hex_colour(&format!("{ptr}/title/background"), other, "0x000000")?)
            }
        };
        let font = match &t.font {
            None => PathBuf::from(super::DEFAULT_FONT),
            Some(f) => self.local_path(&format!("{ptr}/title/font"), "font", f)?,
        };
        let font_ptr = if t.font.is_some() {
            format!("{ptr}/title/font")
        } else {
            format!("{ptr}/title/text")
        };
        if !self.font_draws(
            &font_ptr,
            &format!("{ptr}/title/text"),
            &font,
            t.title_chars(),
        ) {
            return None;
        }
        Some(Title {
            text: t.text.clone(),
            size,
            colour,
            font,
            background,
            position: t.position.unwrap_or(raw::TitlePosition::Centre),
        })
    }

    /// Whether `font` can be read and has a glyph for every one of `chars`; reports the
    /// problem at `font_ptr` (unreadable font) or `text_ptr` (characters it cannot draw).
    fn font_draws(
        &mut self,
        font_ptr: &str,
        text_ptr: &str,
        font: &Path,
        chars: impl Iterator<Item = char>,
    ) -> bool {
        let bytes = match self.bytes(font) {
            Some(Ok(b)) => b,
            Some(Err(reason)) => {
                self.error(
                    font_ptr,
                    format!("cannot read the font {}: {reason}; install it (scripts/setup installs DejaVu Sans) or name another with \"font\"", font.display()),
                );
                return false;
            }
            None => {
                self.error(
                    font_ptr,
                    format!("the font {} was not read", font.display()),
                );
                return false;
            }
        };
        let face = match ttf_parser::Face::parse(&bytes, 0) {
            Ok(f) => f,
            Err(e) => {
                self.error(
                    font_ptr,
                    format!(
                        "{} is not a font file roughcut can read ({e})",
                        font.display()
                    ),
                );
                return false;
            }
        };
        let mut missing: Vec<char> = chars.filter(|c| face.glyph_index(*c).is_none()).collect();
        missing.sort_unstable();
        missing.dedup();
        if missing.is_empty() {
            return true;
        }
        let shown: Vec<String> = missing
            .iter()
            .map(|c| format!("`{c}` (U+{:04X})", *c as u32))
            .collect();
        self.error(
            text_ptr,
            format!(
                "the font {} cannot draw {}; choose a font that covers them with \"font\"",
                font.display(),
                shown.join(", ")
            ),
        );
        false
    }

    /// A colour written `#rrggbb`, as FFmpeg's `0xRRGGBB` (`default` when absent).
    fn hex_colour(&mut self, ptr: &str, text: Option<&str>, default: &str) -> Option<String> {
        let Some(c) = text else {
            return Some(default.to_string());
        };
        let hex = c.strip_prefix('#').unwrap_or(c);
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            self.error(
                ptr,
                format!("`{c}` is not a colour; write it as #rrggbb, e.g. #ffffff for white"),
            );
            return None;
        }
        Some(format!("0x{}", hex.to_ascii_uppercase()))
    }

    /// A tint colour: `#rrggbb`.
    fn tint(&mut self, ptr: &str, text: &str) -> Option<Tone> {
        let tone = Tone::parse_hex(text);
        if tone.is_none() {
            self.error(
                ptr,
                format!(
                    "`{text}` is not a colour; write it as #rrggbb, e.g. #704214 for a sepia brown"
                ),
            );
        }
        tone
    }

    fn text_field(&mut self, ptr: &str, t: &str) {
        if t.contains('\0') {
            self.error(ptr, "text contains a NUL character; remove it");
        }
    }

    /// The output frame rate: every program time (durations, transitions, titles, gaps) counts
    /// at it, so it is read first and used even when other output settings have problems.
    fn output_fps(&mut self, o: &raw::RawOutput) -> Option<Rate> {
        match &o.fps {
            None => Rate::new(25, 1).ok(),
            Some(v) => match Rate::from_json(&v.0) {
                Ok(r) => Some(r),
                Err(e) => {
                    self.error("/output/fps", e.to_string());
                    None
                }
            },
        }
    }

    fn output(&mut self, o: &raw::RawOutput, fps: Option<Rate>, edl_path: &Path) -> Option<Output> {
        let mut fine = true;
        let width = o.width.unwrap_or(1280);
        let height = o.height.unwrap_or(720);
        for (name, value) in [("width", width), ("height", height)] {
            if value == 0 || value % 2 != 0 || value > MAX_DIMENSION {
                self.error(
                    format!("/output/{name}"),
                    format!("{name} {value} cannot be encoded; use an even number of pixels from 2 to {MAX_DIMENSION}"),
                );
                fine = false;
            }
        }
        let path = match (&self.output_override, &o.path) {
            (Some(p), _) => Some(p.clone()),
            (None, Some(p)) => self.local_path("/output/path", "output", p),
            (None, None) => {
                let stem = edl_path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "roughcut".into());
                Some(self.base_dir.join(format!("{stem}.mp4")))
            }
        };
        self.output_path = path.clone();
        let container = path.as_ref().and_then(|p| {
            let c = Container::from_path(p);
            if c.is_none() {
                self.error(
                    "/output/path",
                    format!("`{}` has no supported extension; end the output path with .mp4, .mov or .mkv", p.display()),
                );
            }
            c
        });
        let named_audio = o.audio.as_ref().and_then(|a| a.codec.as_deref());
        if let (Some(c), Some(codec)) = (container, named_audio.and_then(AudioCodec::from_name)) {
            if let Some(msg) = c.audio_conflict(codec) {
                self.error("/output/audio/codec", msg);
            }
        }
        let rv = o.video.clone().unwrap_or_default();
        let vname = rv.codec.unwrap_or_else(|| VideoCodec::H264.name().into());
        let vcodec = VideoCodec::from_name(&vname);
        if vcodec.is_none() {
            let names = VideoCodec::ALL.map(VideoCodec::name);
            self.error(
                "/output/video/codec",
                format!(
                    "unknown video codec `{vname}`; use one of: {}{}",
                    names.join(", "),
                    suggestion(&vname, names.iter().copied())
                ),
            );
        }
        if let Some(msg) = container.zip(vcodec).and_then(|(c, v)| c.video_conflict(v)) {
            self.error("/output/video/codec", msg);
            fine = false;
        }
        let crf = rv.crf.unwrap_or(23);
        if crf > 51 {
            self.error(
                "/output/video/crf",
                format!(
                    "crf {crf} is out of range; use 0 (lossless) to 51 (smallest), 18–28 is usual"
                ),
            );
            fine = false;
        }
        let preset = rv.preset.unwrap_or_else(|| "veryfast".into());
        if !PRESETS.contains(&preset.as_str()) {
            self.error(
                "/output/video/preset",
                format!(
                    "unknown preset `{preset}`; use one of: {}{}",
                    PRESETS.join(", "),
                    suggestion(&preset, PRESETS.iter().copied())
                ),
            );
            fine = false;
        }
        let ra = o.audio.clone().unwrap_or_default();
        let aname = ra.codec.unwrap_or_else(|| AudioCodec::Aac.name().into());
        let acodec = AudioCodec::from_name(&aname);
        if acodec.is_none() {
            let names = AudioCodec::ALL.map(AudioCodec::name);
            self.error(
                "/output/audio/codec",
                format!(
                    "unknown audio codec `{aname}`; use one of: {}{}",
                    names.join(", "),
                    suggestion(&aname, names.iter().copied())
                ),
            );
        }
        let sample_rate = ra.sample_rate.unwrap_or(48000);
        if !(8000..=192_000).contains(&sample_rate) {
            self.error("/output/audio/sample_rate", format!("sample rate {sample_rate} Hz is out of range; use 8000 to 192000 (48000 is usual for video)"));
            fine = false;
        }
        let channels = ra.channels.unwrap_or(2);
        if ![1, 2, 6].contains(&channels) {
            self.error("/output/audio/channels", format!("{channels} channels is not a supported layout; use 1 (mono), 2 (stereo) or 6 (5.1)"));
            fine = false;
        }
        let bitrate = match &ra.bitrate {
            None => Some(160_000),
            Some(b) => match parse_bitrate(&b.0) {
                Some(n) => Some(n),
                None => {
                    self.error(
                        "/output/audio/bitrate",
                        format!(
                            "`{}` is not a bit rate; write e.g. \"160k\", \"1.5M\" or 160000",
                            value_text(&b.0)
                        ),
                    );
                    None
                }
            },
        };
        let program_fade = |this: &mut Self,
                            field: &str,
                            v: &Option<raw::TimeValue>|
         -> Option<i64> {
            match (v, fps) {
                (None, _) => Some(0),
                (Some(v), Some(fps)) => this.program_frames(&format!("/output/{field}"), &v.0, fps),
                (Some(_), None) => None,
            }
        };
        let join_fade = match (&ra.join_fade, fps) {
            (None, _) => Some(round_half_up(Rational::new(sample_rate as i64, 200))),
            (Some(v), Some(fps)) => {
                self.program_samples("/output/audio/join_fade", &v.0, fps, sample_rate)
            }
            (Some(_), None) => None,
        };
        if let Some(n) = join_fade.filter(|n| *n > i64::from(sample_rate) / 2) {
            self.error(
                "/output/audio/join_fade",
                format!("a join fade of {} is too long; it should be a few milliseconds (e.g. 0.005), at most 0.5 s", format_seconds(Rational::new(n, sample_rate as i64))),
            );
            fine = false;
        }
        let loudness = match &ra.loudness {
            None => None,
            Some(l) => {
                let true_peak = l.true_peak.unwrap_or(-1.0);
                if !(-70.0..=-5.0).contains(&l.target) {
                    self.error("/output/audio/loudness/target", format!("a loudness target of {} LUFS is out of range; use −70 to −5 (−23 is EBU R128 broadcast, −16 is usual for the web)", l.target));
                    fine = false;
                }
                if !(-9.0..=0.0).contains(&true_peak) {
                    self.error("/output/audio/loudness/true_peak", format!("a true-peak ceiling of {true_peak} dBTP is out of range; use −9 to 0 (−1 is usual)"));
                    fine = false;
                }
                Some(super::Loudness {
                    target: l.target,
                    true_peak,
                })
            }
        };
        let fade_in = program_fade(self, "fade_in", &o.fade_in);
        let fade_out = program_fade(self, "fade_out", &o.fade_out);
        let bw = match &o.bw {
            None | Some(raw::RawFinish::Named(raw::FinishName::Neutral)) => Some(Tone::NEUTRAL),
            Some(raw::RawFinish::Named(raw::FinishName::Sepia)) => Some(Tone::SEPIA),
            Some(raw::RawFinish::Tint(t)) => self.tint("/output/bw/tint", &t.tint),
        };
        if !fine {
            return None;
        }
        Some(Output {
            path: path?,
            container: container?,
            width,
            height,
            fps: fps?,
            fit: o.fit.unwrap_or(raw::Fit::Pad),
            video: VideoSettings {
                codec: vcodec?,
                crf,
                preset,
            },
            audio: AudioSettings {
                codec: acodec?,
                sample_rate,
                channels,
                bitrate: bitrate?,
                join_fade: join_fade?,
                loudness,
            },
            bw: bw?,
            fade_in: fade_in?,
            fade_out: fade_out?,
        })
    }

    fn sources(&mut self, raw: &[(String, Option<raw::RawSource>)]) -> BTreeMap<String, Candidate> {
        let mut checked: Vec<(String, Candidate)> = Vec::new();
        for (id, s) in raw {
            let ptr = join("/sources", id);
            if id.trim().is_empty() {
                self.error(&ptr, "source id is empty; give each source a short name");
            }
            let Some(s) = s else { continue };
            let fps_override = match &s.fps {
                None => None,
                Some(v) => match Rate::from_json(&v.0) {
                    Ok(r) => Some(r),
                    Err(e) => {
                        self.error(format!("{ptr}/fps"), e.to_string());
                        None
                    }
                },
            };
            let Some(path) =
                self.local_path(&format!("{ptr}/path"), &format!("source `{id}`"), &s.path)
            else {
                continue;
            };
            checked.push((
                id.clone(),
                Candidate {
                    id: id.clone(),
                    path,
                    colour: s.colour.unwrap_or(ColourClass::Auto),
                    fps_override,
                    facts: None,
                    identity: None,
                },
            ));
        }
        let mut out = BTreeMap::new();
        for (id, mut src) in checked {
            let ptr = format!("{}/path", join("/sources", &id));
            let result = match self.media(&src.path) {
                None => Err("was not looked at".to_string()),
                Some(FileFacts::Unusable(why)) => Err(why.clone()),
                Some(FileFacts::Present) => Ok((None, None)),
                Some(FileFacts::Probed { media, identity }) => {
                    Ok((Some(media.as_ref().clone()), Some(identity.clone())))
                }
            };
            match result {
                Err(msg) => self.error(ptr, format!("source `{id}`: {msg}")),
                Ok((facts, identity)) => {
                    src.facts = facts;
                    src.identity = identity;
                    if let Some(c) = src.facts.as_ref().and_then(|f| f.colour.as_ref()) {
                        use crate::facts::ColourVerdict;
                        let contradicts = matches!(
                            (src.colour, c.class),
                            (ColourClass::Bw, ColourVerdict::Colour)
                                | (ColourClass::Colour, ColourVerdict::Bw)
                        );
                        if contradicts {
                            let (declared, measured) = match c.class {
                                ColourVerdict::Bw => ("colour", "black-and-white"),
                                ColourVerdict::Colour => ("bw", "colour"),
                            };
                            self.diags.push(Diagnostic::warning(
                                format!("{}/colour", join("/sources", &id)),
                                format!("source `{id}` is declared `{declared}` but measures as {measured} ({}); the declaration wins — check it, or use \"auto\"", c.reason),
                            ));
                        }
                    }
                    if let Some(f) = &src.facts {
                        if f.video().is_none() && f.audio_streams().next().is_none() {
                            self.error(&ptr, format!("source `{id}` ({}) has neither picture nor sound: it is not media roughcut can use (subtitle files go in `subtitles`)", src.path.display()));
                        } else if f.video().is_some() && src.rate().is_none() {
                            self.diags.push(Diagnostic::warning(
                                join("/sources", &id),
                                format!("source `{id}`: the frame rate is unknown; add \"fps\" to the source so frame counts and timecodes can be resolved"),
                            ));
                        }
                    }
                }
            }
            out.insert(id, src);
        }
        out
    }

    fn subtitles(&mut self, raw: &[Option<raw::RawSubtitle>]) -> Vec<Subtitle> {
        let mut out = Vec::new();
        let mut burn_ins = Vec::new();
        for (i, s) in raw.iter().enumerate() {
            let Some(s) = s else { continue };
            let ptr = format!("/subtitles/{i}");
            if let Some(lang) = &s.language {
                if lang.len() != 3 || !lang.chars().all(|c| c.is_ascii_lowercase()) {
                    self.error(format!("{ptr}/language"), format!("`{lang}` is not an ISO 639-2 language code; use three lower-case letters such as `rus` or `eng`"));
                }
            }
            if let Some(t) = &s.title {
                self.text_field(&format!("{ptr}/title"), t);
            }
            if let Some(enc) = &s.encoding {
                if !crate::subs::known_encoding(enc) {
                    self.error(
                        format!("{ptr}/encoding"),
                        format!("unknown encoding `{enc}`; use e.g. utf-8, utf-16le, windows-1251 or koi8-r"),
                    );
                    continue;
                }
            }
            let timing_source = match &s.timing {
                None | Some(raw::RawTiming::Named(raw::TimingName::Record)) => None,
                Some(raw::RawTiming::Source(t)) => {
                    if !self.declared.contains(&t.source) {
                        let known = self.declared.clone();
                        let hint = suggestion(&t.source, known.iter().map(String::as_str));
                        self.error(
                            format!("{ptr}/timing/source"),
                            format!("unknown source `{}`{hint}", t.source),
                        );
                    }
                    Some(t.source.clone())
                }
            };
            let burn_in = s.burn_in.unwrap_or(false);
            if burn_in {
                burn_ins.push(i);
            }
            let style = self.sub_style(&ptr, s.style.as_ref());
            let Some(path) = self.local_path(&format!("{ptr}/path"), "subtitle", &s.path) else {
                continue;
            };
            if crate::subs::Format::from_path(&path).is_none() {
                self.error(
                    format!("{ptr}/path"),
                    format!(
                        "`{}` is not a subtitle file roughcut reads; use .srt, .ass, .ssa or .vtt",
                        s.path
                    ),
                );
                continue;
            }
            let shown = path.display().to_string();
            let bytes = match self.bytes(&path) {
                Some(Ok(b)) => b,
                Some(Err(reason)) => {
                    self.error(
                        format!("{ptr}/path"),
                        format!("cannot read subtitle file {shown}: {reason}"),
                    );
                    continue;
                }
                None => {
                    self.error(format!("{ptr}/path"), format!("{shown} was not read"));
                    continue;
                }
            };
            let parsed = match crate::subs::read(&bytes, &path, s.encoding.as_deref()) {
                Ok(p) => p,
                Err(crate::subs::SubError::Io(e)) => {
                    self.error(
                        format!("{ptr}/path"),
                        format!("cannot read subtitle file {shown}: {e}"),
                    );
                    continue;
                }
                Err(crate::subs::SubError::Encoding(m)) => {
                    self.error(format!("{ptr}/path"), format!("{shown}: {m}"));
                    continue;
                }
                Err(crate::subs::SubError::Malformed(problems)) => {
                    for p in problems {
                        self.error(format!("{ptr}/path"), sub_problem(&shown, &p));
                    }
                    continue;
                }
            };
            for w in &parsed.warnings {
                self.diags.push(Diagnostic::warning(
                    format!("{ptr}/path"),
                    sub_problem(&shown, w),
                ));
            }
            let style = match style {
                Some(st) if burn_in => {
                    let chars: String = parsed
                        .cues
                        .iter()
                        .map(|c| crate::subs::to_plain(&c.text))
                        .collect::<Vec<_>>()
                        .join("")
                        .chars()
                        .filter(|c| !c.is_whitespace())
                        .collect();
                    if !self.font_draws(
                        &format!("{ptr}/style/font"),
                        &format!("{ptr}/path"),
                        &st.font,
                        chars.chars(),
                    ) {
                        continue;
                    }
                    st
                }
                Some(st) => st,
                None => continue,
            };
            out.push(Subtitle {
                index: i,
                path,
                language: s.language.clone(),
                burn_in,
                timing_source,
                default: s.default.unwrap_or(i == 0),
                forced: s.forced.unwrap_or(false),
                title: s.title.clone(),
                style,
                cues: parsed.cues,
            });
        }
        if burn_ins.len() > 1 {
            for i in &burn_ins[1..] {
                self.error(format!("/subtitles/{i}/burn_in"), format!("only one subtitle entry can be burned in; /subtitles/{} already is — carry this one as a track", burn_ins[0]));
            }
        }
        out
    }

    /// The look of burned-in subtitles, with defaults from the output height.
    fn sub_style(&mut self, ptr: &str, st: Option<&raw::RawSubStyle>) -> Option<SubStyle> {
        let h = self.out_height;
        let st = st.cloned().unwrap_or_default();
        let size = st.size.unwrap_or((h / 18).max(12));
        let mut fine = true;
        if !(8..=h.max(8)).contains(&size) {
            self.error(
                format!("{ptr}/style/size"),
                format!("a text height of {size} px does not fit a {h} px picture; use 8 to {h}"),
            );
            fine = false;
        }
        let outline = st.outline.unwrap_or(2.0);
        if !(0.0..=10.0).contains(&outline) {
            self.error(
                format!("{ptr}/style/outline"),
                format!("an outline of {outline} px is out of range; use 0 to 10"),
            );
            fine = false;
        }
        let margin = st.margin.unwrap_or(h / 20);
        if margin >= h / 2 {
            self.error(
                format!("{ptr}/style/margin"),
                format!("a margin of {margin} px leaves no room in a {h} px picture"),
            );
            fine = false;
        }
        let font = match &st.font {
            Some(f) => self.local_path(&format!("{ptr}/style/font"), "font", f)?,
            None => PathBuf::from(super::DEFAULT_FONT),
        };
        fine.then_some(SubStyle {
            font,
            size,
            outline,
            margin,
            top: st.position == Some(raw::SubPosition::Top),
        })
    }

    fn overlays(&mut self, raw: Option<&raw::RawOverlays>) -> Overlays {
        let Some(o) = raw else {
            return Overlays::default();
        };
        if let Some(w) = &o.watermark {
            self.text_field("/overlays/watermark", w);
            if w.trim().is_empty() {
                self.error(
                    "/overlays/watermark",
                    "watermark text is empty; remove the field or give a text",
                );
            }
        }
        if let Some(w) = &o.watermark {
            let font = PathBuf::from(super::DEFAULT_FONT);
            self.font_draws(
                "/overlays/watermark",
                "/overlays/watermark",
                &font,
                w.chars().filter(|c| !c.is_control()),
            );
        }
        let size = o.size.unwrap_or(0);
        if o.size.is_some() && !(6..=400).contains(&size) {
            self.error(
                "/overlays/size",
                format!("overlay text size {size} px is out of range; use 6 to 400"),
            );
        }
        Overlays {
            timecode: o.timecode.unwrap_or(false),
            clip_name: o.clip_name.unwrap_or(false),
            watermark: o.watermark.clone().filter(|w| !w.trim().is_empty()),
            size,
            top: o.position == Some(raw::OverlayPosition::Top),
        }
    }

    /// A program-time length (output rate) in whole output frames.
    /// A program time as a count of output samples (frames and timecode count at `fps`).
    fn program_samples(
        &mut self,
        ptr: &str,
        v: &Value,
        fps: Rate,
        sample_rate: u32,
    ) -> Option<i64> {
        let secs = match TimeSpec::from_json(v).and_then(|s| s.to_seconds(fps)) {
            Ok(s) => s,
            Err(e) => {
                self.error(ptr, e.to_string());
                return None;
            }
        };
        Some(round_half_up(secs * i64::from(sample_rate)))
    }

    /// A source time (`in`, `out`), resolved at the source's rate when its form counts frames.
    fn source_time(&mut self, p: String, v: &Value, src_rate: Option<Rate>) -> Option<Rational> {
        let spec = match TimeSpec::from_json(v) {
            Ok(s) => s,
            Err(e) => {
                self.error(p, e.to_string());
                return None;
            }
        };
        let rate = if spec.needs_rate() {
            match src_rate {
                Some(r) => r,
                None => {
                    if !self.probing {
                        self.diags.push(Diagnostic::warning(
                            p,
                            format!("`{spec}` counts frames at the source's frame rate, which is only known by probing: not checked with --no-probe (or add \"fps\" to the source)"),
                        ));
                    } else {
                        self.error(p, format!("`{spec}` counts frames, but the source's frame rate is unknown (a sound-only file has none); give the time in seconds (e.g. \"12.5s\") or add \"fps\" to the source"));
                    }
                    return None;
                }
            }
        } else {
            // Seconds need no rate; any valid rate will do.
            Rate::new(25, 1).ok()?
        };
        match spec.to_seconds(rate) {
            Ok(s) => Some(s),
            Err(e) => {
                self.error(p, e.to_string());
                None
            }
        }
    }

    fn program_frames(&mut self, ptr: &str, v: &Value, fps: Rate) -> Option<i64> {
        let spec = match TimeSpec::from_json(v) {
            Ok(s) => s,
            Err(e) => {
                self.error(ptr, e.to_string());
                return None;
            }
        };
        let secs = match spec.to_seconds(fps) {
            Ok(s) => s,
            Err(e) => {
                self.error(ptr, e.to_string());
                return None;
            }
        };
        Some(round_half_up(secs * fps.as_ratio()))
    }

    fn timeline(
        &mut self,
        raw: &[Option<RawEvent>],
        sources: &BTreeMap<String, Candidate>,
        fps: Option<Rate>,
    ) -> Option<Vec<Event>> {
        if raw.is_empty() {
            self.error("/timeline", "the timeline is empty; add at least one event");
            return None;
        }
        let mut events = Vec::new();
        let mut all_ok = true;
        for (i, e) in raw.iter().enumerate() {
            let Some(e) = e else {
                all_ok = false;
                continue;
            };
            match self.event(i, e, sources, fps) {
                Some(ev) => events.push(ev),
                None => all_ok = false,
            }
        }
        let first_has_transition = match raw.first() {
            Some(Some(RawEvent::Clip(c))) => c.transition.is_some(),
            Some(Some(RawEvent::Title(t))) => t.transition.is_some(),
            Some(Some(RawEvent::Gap(g))) => g.transition.is_some(),
            _ => false,
        };
        if first_has_transition {
            self.error("/timeline/0/transition", "the first event cannot have a transition: there is nothing before it to transition from; remove it");
        }
        // A transparent title shows the previous clip carrying on past its out-point: the
        // source must have that much more picture.
        for w in events.windows(2) {
            let (prev, ev) = (&w[0], &w[1]);
            let (EventKind::Clip(c), EventKind::Title(t)) = (&prev.kind, &ev.kind) else {
                continue;
            };
            let (Some(fps), true) = (fps, t.background.is_none() && prev.index + 1 == ev.index)
            else {
                continue;
            };
            let needed = c.source_out + Rational::from_integer(ev.frames) / fps.as_ratio();
            let len = sources
                .get(&c.source)
                .and_then(|s| s.facts.as_ref())
                .and_then(MediaFacts::usable_duration);
            if let Some(len) = len.filter(|l| needed > *l) {
                self.error(
                    format!("/timeline/{}/title/background", ev.index),
                    format!("this transparent title shows source `{}` carrying on to {}, but it is only {} long; shorten the title, end the clip earlier, or give the title a colour", c.source, format_seconds(needed), format_seconds(len)),
                );
            }
        }
        // A transition may not be longer than either neighbour.
        for (k, ev) in events.iter().enumerate() {
            let Some(t) = ev.transition else { continue };
            if ev.index == 0 {
                continue;
            }
            let ptr = format!("/timeline/{}/transition/duration", ev.index);
            if t.frames < 1 {
                self.error(
                    ptr,
                    "the transition is shorter than one output frame; make it longer or remove it",
                );
                continue;
            }
            let what = match t.kind {
                TransitionKind::Dissolve => "dissolve",
                TransitionKind::FadeBlack => "dip to black",
            };
            // The previous event, when it was checked without problems of its own.
            let prev = k
                .checked_sub(1)
                .map(|p| &events[p])
                .filter(|p| p.index + 1 == ev.index);
            let (limit, who) = match prev {
                Some(p) if p.frames < ev.frames => (
                    p.frames,
                    format!("the previous event (/timeline/{}) lasts", p.index),
                ),
                _ => (ev.frames, "this event lasts".to_string()),
            };
            // This event must also hold the dissolve out of it, if the next event has one.
            let next_dissolve = events
                .get(k + 1)
                .filter(|n| n.index == ev.index + 1)
                .and_then(|n| n.transition)
                .filter(|n| {
                    n.kind == TransitionKind::Dissolve && t.kind == TransitionKind::Dissolve
                })
                .map_or(0, |n| n.frames);
            if next_dissolve > 0 && t.frames + next_dissolve > ev.frames {
                self.error(
                    ptr.clone(),
                    format!("this event lasts {} frames but dissolves in over {} and out over {} more; shorten a dissolve or lengthen the event", ev.frames, t.frames, next_dissolve),
                );
                continue;
            }
            if t.frames > limit {
                self.error(
                    ptr,
                    format!("the {what} lasts {} frames but {who} only {limit} frames; shorten the transition to at most {limit} frames", t.frames),
                );
            }
        }
        if all_ok {
            Some(events)
        } else {
            None
        }
    }

    fn transition(
        &mut self,
        ptr: &str,
        t: Option<&RawTransition>,
        fps: Rate,
    ) -> Result<Option<Transition>, ()> {
        let Some(t) = t else { return Ok(None) };
        let frames = self
            .program_frames(&format!("{ptr}/transition/duration"), &t.duration.0, fps)
            .ok_or(())?;
        Ok(Some(Transition {
            kind: t.kind,
            frames,
        }))
    }

    fn event(
        &mut self,
        i: usize,
        e: &RawEvent,
        sources: &BTreeMap<String, Candidate>,
        fps: Option<Rate>,
    ) -> Option<Event> {
        let ptr = format!("/timeline/{i}");
        match e {
            RawEvent::Gap(g) => {
                let fps = fps?;
                if let Some(n) = &g.name {
                    self.text_field(&format!("{ptr}/name"), n);
                }
                let frames = self.program_frames(&format!("{ptr}/gap"), &g.gap.0, fps);
                let transition = self.transition(&ptr, g.transition.as_ref(), fps).ok()?;
                let frames = self.positive_length(&format!("{ptr}/gap"), frames?)?;
                Some(Event {
                    index: i,
                    name: g.name.clone(),
                    kind: EventKind::Gap,
                    transition,
                    frames,
                })
            }
            RawEvent::Title(t) => {
                if let Some(n) = &t.name {
                    self.text_field(&format!("{ptr}/name"), n);
                }
                self.text_field(&format!("{ptr}/title/text"), &t.title.text);
                if t.title.text.trim().is_empty() {
                    self.error(
                        format!("{ptr}/title/text"),
                        "the title text is empty; write the card's text, or use a gap for black",
                    );
                }
                let fps = fps?;
                let frames =
                    self.program_frames(&format!("{ptr}/title/duration"), &t.title.duration.0, fps);
                let transition = self.transition(&ptr, t.transition.as_ref(), fps).ok()?;
                let frames = self.positive_length(&format!("{ptr}/title/duration"), frames?)?;
                let title = self.title_card(&ptr, &t.title, self.out_height)?;
                Some(Event {
                    index: i,
                    name: t.name.clone(),
                    kind: EventKind::Title(title),
                    transition,
                    frames,
                })
            }
            RawEvent::Clip(c) => self.clip(i, c, sources, fps),
        }
    }

    fn positive_length(&mut self, ptr: &str, frames: i64) -> Option<i64> {
        if frames < 1 {
            self.error(
                ptr,
                "the event is shorter than one output frame; make it longer or remove it",
            );
            None
        } else {
            Some(frames)
        }
    }

    fn clip(
        &mut self,
        i: usize,
        c: &raw::RawClip,
        sources: &BTreeMap<String, Candidate>,
        fps: Option<Rate>,
    ) -> Option<Event> {
        let ptr = format!("/timeline/{i}");
        if let Some(n) = &c.name {
            self.text_field(&format!("{ptr}/name"), n);
        }
        let look = match &c.look {
            None | Some(raw::RawLook::Named(raw::LookName::Natural)) => Look::Natural,
            Some(raw::RawLook::Named(raw::LookName::Monochrome)) => Look::Monochrome,
            Some(raw::RawLook::Named(raw::LookName::Sepia)) => Look::Toned(Tone::SEPIA),
            Some(raw::RawLook::Tint(t)) => {
                Look::Toned(self.tint(&format!("{ptr}/look/tint"), &t.tint)?)
            }
        };
        let source = sources.get(&c.source);
        if !self.declared.contains(&c.source) {
            let known: Vec<String> = self.declared.clone();
            let known: Vec<&str> = known.iter().map(String::as_str).collect();
            let hint = suggestion(&c.source, known.iter().copied());
            self.error(
                format!("{ptr}/source"),
                if known.is_empty() {
                    format!("unknown source `{}`; `sources` defines none", c.source)
                } else {
                    format!(
                        "unknown source `{}`{hint}{}known sources: {}",
                        c.source,
                        if hint.is_empty() { "; " } else { " " },
                        known.join(", ")
                    )
                },
            );
        }
        match (&c.out, &c.duration) {
            (Some(_), Some(_)) => self.error(&ptr, "give either `out` or `duration`, not both"),
            (None, None) => {
                self.error(&ptr, "missing `out` or `duration`: say where the clip ends")
            }
            _ => {}
        }
        let fps_out = fps;
        let src_rate = source.and_then(Candidate::rate);
        let source_in = self.source_time(format!("{ptr}/in"), &c.in_.0, src_rate);
        let out = c
            .out
            .as_ref()
            .and_then(|o| self.source_time(format!("{ptr}/out"), &o.0, src_rate));
        let duration_frames = match (&c.duration, fps_out) {
            (Some(d), Some(fps)) => self.program_frames(&format!("{ptr}/duration"), &d.0, fps),
            _ => None,
        };
        let transition = match fps_out {
            Some(fps) => self.transition(&ptr, c.transition.as_ref(), fps).ok()?,
            None => None,
        };
        if let (Some(i), Some(o)) = (source_in, out) {
            if o <= i {
                self.error(
                    format!("{ptr}/out"),
                    format!("out ({}) must be after in ({}); `out` is exclusive, so a one-frame clip has out = in + one frame", format_seconds(o), format_seconds(i)),
                );
                return None;
            }
        }
        let fps = fps_out?;
        let source_in = source_in?;
        let (frames, source_out) = match (out, duration_frames) {
            (Some(out), None) if c.duration.is_none() => {
                (round_half_up((out - source_in) * fps.as_ratio()), out)
            }
            (None, Some(frames)) if c.out.is_none() => (
                frames,
                source_in + Rational::from_integer(frames) / fps.as_ratio(),
            ),
            _ => return None,
        };
        let frames = self.positive_length(&ptr, frames)?;
        let source = source?;
        if let Some(f) = &source.facts {
            if f.video().is_none() {
                // A file with nothing at all is reported on the source.
                f.audio_streams().next()?;
                self.error(
                    format!("{ptr}/source"),
                    format!("source `{}` ({}) has no picture; a clip needs a video stream (sound-only files go in `audio_tracks`)", source.id, source.path.display()),
                );
                return None;
            }
        }
        let audio = self.clip_audio(&ptr, c.audio.as_deref(), source, fps, frames)?;
        if let Some(len) = source.facts.as_ref().and_then(MediaFacts::usable_duration) {
            if source_in >= len {
                self.error(
                    format!("{ptr}/in"),
                    format!("in ({}) is at or past the end of source `{}` ({} long); choose an in-point inside the source", format_seconds(source_in), source.id, format_seconds(len)),
                );
                return None;
            }
            if source_out > len {
                let field = if c.out.is_some() { "out" } else { "duration" };
                self.error(
                    format!("{ptr}/{field}"),
                    format!("the clip ends at {} but source `{}` is only {} long; end it at or before {}", format_seconds(source_out), source.id, format_seconds(len), format_seconds(len)),
                );
                return None;
            }
        }
        Some(Event {
            index: i,
            name: c.name.clone(),
            kind: EventKind::Clip(Clip {
                source: c.source.clone(),
                source_in,
                source_out,
                look,
                audio,
            }),
            transition,
            frames,
        })
    }

    /// A clip's sound settings.
    fn clip_audio(
        &mut self,
        ptr: &str,
        a: Option<&raw::RawEventAudio>,
        source: &Candidate,
        fps: Rate,
        frames: i64,
    ) -> Option<ClipAudio> {
        let Some(a) = a else {
            return Some(ClipAudio::default());
        };
        let gain_db = self.gain(&format!("{ptr}/audio/gain_db"), a.gain_db);
        let mut fine = gain_db.is_some();
        let gain_db = gain_db.unwrap_or(0.0);
        let sr = self.sample_rate;
        let event_samples =
            round_half_up(Rational::new(frames * i64::from(sr), 1) / fps.as_ratio());
        let mut fade = |this: &mut Self, field: &str, v: &Option<raw::TimeValue>| -> i64 {
            let Some(v) = v else { return 0 };
            let p = format!("{ptr}/audio/{field}");
            match this.program_samples(&p, &v.0, fps, sr) {
                Some(n) if n > event_samples => {
                    this.error(
                        p,
                        format!(
                            "the fade ({}) is longer than the event ({})",
                            format_seconds(Rational::new(n, i64::from(sr))),
                            format_seconds(Rational::new(event_samples, i64::from(sr)))
                        ),
                    );
                    fine = false;
                    0
                }
                Some(n) => n,
                None => {
                    fine = false;
                    0
                }
            }
        };
        let fade_in = fade(self, "fade_in", &a.fade_in);
        let fade_out = fade(self, "fade_out", &a.fade_out);
        let stream = a.stream.unwrap_or(0) as usize;
        if !self.audio_stream_exists(&format!("{ptr}/audio/stream"), source, stream) {
            fine = false;
        }
        fine.then_some(ClipAudio {
            gain_db,
            mute: a.mute.unwrap_or(false),
            fade_in,
            fade_out,
            stream,
        })
    }

    /// A gain in dB (default 0), −60 to +24.
    fn gain(&mut self, ptr: &str, v: Option<f64>) -> Option<f64> {
        let g = v.unwrap_or(0.0);
        if (-60.0..=24.0).contains(&g) {
            return Some(g);
        }
        self.error(
            ptr,
            format!("gain {g} dB is out of range; use −60 to +24 dB"),
        );
        None
    }

    /// Whether audio stream `n` of `source` exists (reported when it does not; unknown
    /// without probing).
    fn audio_stream_exists(&mut self, ptr: &str, source: &Candidate, n: usize) -> bool {
        let Some(f) = &source.facts else { return true };
        let count = f.audio_streams().count();
        if n < count || (n == 0 && count == 0) {
            return true;
        }
        let has = match count {
            0 => "no audio stream".to_string(),
            1 => "one audio stream (0)".to_string(),
            c => format!("{c} audio streams (0 to {})", c - 1),
        };
        self.error(
            ptr,
            format!(
                "source `{}` has {has}; stream {n} does not exist",
                source.id
            ),
        );
        false
    }

    /// The sound beds.
    fn audio_tracks(
        &mut self,
        raw: &[Option<raw::RawAudioTrack>],
        sources: &BTreeMap<String, Candidate>,
        fps: Option<Rate>,
    ) -> Option<Vec<Bed>> {
        let mut beds = Vec::new();
        let mut fine = true;
        let sr = self.sample_rate;
        for (i, t) in raw.iter().enumerate() {
            let Some(t) = t else {
                fine = false;
                continue;
            };
            let ptr = format!("/audio_tracks/{i}");
            match self.bed(&ptr, i, t, sources, fps, sr) {
                Some(b) => beds.push(b),
                None => fine = false,
            }
        }
        fine.then_some(beds)
    }

    fn bed(
        &mut self,
        ptr: &str,
        index: usize,
        t: &raw::RawAudioTrack,
        sources: &BTreeMap<String, Candidate>,
        fps: Option<Rate>,
        sr: u32,
    ) -> Option<Bed> {
        if let Some(n) = &t.name {
            self.text_field(&format!("{ptr}/name"), n);
        }
        let Some(source) = sources.get(&t.source) else {
            if !self.declared.contains(&t.source) {
                let known = self.declared.clone();
                let hint = suggestion(&t.source, known.iter().map(String::as_str));
                self.error(
                    format!("{ptr}/source"),
                    format!("unknown source `{}`{hint}", t.source),
                );
            }
            return None;
        };
        let fps = fps?;
        let gain_db = self.gain(&format!("{ptr}/gain_db"), t.gain_db);
        let mut fine = gain_db.is_some();
        let gain_db = gain_db.unwrap_or(0.0);
        let stream = t.stream.unwrap_or(0) as usize;
        if let Some(f) = &source.facts {
            if f.audio_streams().next().is_none() {
                self.error(
                    format!("{ptr}/source"),
                    format!(
                        "source `{}` ({}) has no sound to lay as a bed",
                        source.id,
                        source.path.display()
                    ),
                );
                return None;
            }
        }
        if !self.audio_stream_exists(&format!("{ptr}/stream"), source, stream) {
            fine = false;
        }
        let samples = |this: &mut Self, field: &str, v: &Option<raw::TimeValue>| match v {
            None => Some(0),
            Some(v) => this.program_samples(&format!("{ptr}/{field}"), &v.0, fps, sr),
        };
        let start = samples(self, "at", &t.at);
        let fade_in = samples(self, "fade_in", &t.fade_in);
        let fade_out = samples(self, "fade_out", &t.fade_out);
        let src_rate = source.rate();
        let source_in = match &t.in_ {
            None => Some(Rational::from_integer(0)),
            Some(v) => self.source_time(format!("{ptr}/in"), &v.0, src_rate),
        };
        let length = match (&t.out, &t.duration) {
            (Some(_), Some(_)) => {
                self.error(ptr, "give either `out` or `duration`, not both");
                return None;
            }
            (Some(o), None) => {
                let out = self.source_time(format!("{ptr}/out"), &o.0, src_rate);
                match (out, source_in) {
                    (Some(o), Some(i)) if o <= i => {
                        self.error(
                            format!("{ptr}/out"),
                            format!(
                                "out ({}) must be after in ({})",
                                format_seconds(o),
                                format_seconds(i)
                            ),
                        );
                        return None;
                    }
                    (Some(o), Some(i)) => Some(Some(round_half_up((o - i) * i64::from(sr)))),
                    _ => None,
                }
            }
            (None, Some(d)) => {
                match self.program_samples(&format!("{ptr}/duration"), &d.0, fps, sr) {
                    Some(0) => {
                        self.error(format!("{ptr}/duration"), "the bed's duration is zero");
                        return None;
                    }
                    Some(n) => Some(Some(n)),
                    None => None,
                }
            }
            (None, None) => Some(None),
        };
        let duck = match &t.duck {
            None => Some(None),
            Some(d) => {
                if !(0.0..=60.0).contains(&d.db) {
                    self.error(format!("{ptr}/duck/db"), format!("ducking by {} dB is out of range; give how far to lower the bed, 0 to 60 dB (e.g. 12)", d.db));
                    fine = false;
                }
                let ramp = match &d.ramp {
                    None => Some(round_half_up(Rational::new(i64::from(sr), 4))),
                    Some(v) => self.program_samples(&format!("{ptr}/duck/ramp"), &v.0, fps, sr),
                };
                ramp.map(|ramp| Some(Duck { db: d.db, ramp }))
            }
        };
        let source_in = source_in?;
        if let Some(len) = source.facts.as_ref().and_then(|f| f.audio_duration(stream)) {
            if source_in >= len {
                self.error(
                    format!("{ptr}/in"),
                    format!(
                        "in ({}) is at or past the end of the sound of source `{}` ({} long)",
                        format_seconds(source_in),
                        source.id,
                        format_seconds(len)
                    ),
                );
                return None;
            }
        }
        if !fine {
            return None;
        }
        Some(Bed {
            index,
            name: t.name.clone().unwrap_or_else(|| t.source.clone()),
            source: t.source.clone(),
            stream,
            source_in,
            start: start?,
            samples: length?,
            gain_db,
            fade_in: fade_in?,
            fade_out: fade_out?,
            duck: duck?,
        })
    }

    /// Every way the output would overwrite one of the EDL's inputs.
    fn output_collisions(
        &mut self,
        out: &Path,
        sources: &BTreeMap<String, Candidate>,
        subtitles: &[Subtitle],
    ) {
        let inputs: Vec<(PathBuf, String)> = sources
            .values()
            .map(|s| (s.path.clone(), format!("the output path is the file of source `{}`; rendering would overwrite it — choose another output path", s.id)))
            .chain(subtitles.iter().enumerate().map(|(i, s)| {
                (
                    s.path.clone(),
                    format!("the output path is the subtitle file /subtitles/{i}; choose another output path"),
                )
            }))
            .collect();
        for (path, msg) in inputs {
            if self.same_file(out, &path) {
                self.error("/output/path", msg);
            }
        }
    }

    /// Whether two paths name one file: by their resolved paths when both exist, else by their
    /// normalised text (an output that does not exist yet).
    fn same_file(&mut self, a: &Path, b: &Path) -> bool {
        match (self.canonical(a), self.canonical(b)) {
            (Some(x), Some(y)) => x == y,
            _ => super::paths::normalise(a) == super::paths::normalise(b),
        }
    }

    /// What was gathered about the media file `path` (`None`: not gathered yet; noted).
    fn media(&mut self, path: &Path) -> Option<&'_ FileFacts> {
        let facts = self.facts;
        let found = facts.media(path);
        if found.is_none() {
            self.needs.insert(Need::Media(path.to_path_buf()));
        }
        found
    }

    /// The bytes of the file `path`, or why it cannot be read (`None`: not gathered yet).
    fn bytes(&mut self, path: &Path) -> Option<Result<std::sync::Arc<[u8]>, String>> {
        let facts = self.facts;
        let found = facts.bytes(path);
        if found.is_none() {
            self.needs.insert(Need::Bytes(path.to_path_buf()));
        }
        found.cloned()
    }

    /// The resolved path of `path` when it exists.
    fn canonical(&mut self, path: &Path) -> Option<PathBuf> {
        let facts = self.facts;
        match facts.canonical(path) {
            Some(found) => found.cloned(),
            None => {
                self.needs.insert(Need::Canonical(path.to_path_buf()));
                None
            }
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
