//! Checks of the output settings, title cards, colours and fonts.

use super::*;

impl Validator<'_> {
    /// The output frame rate: every program time (durations, transitions, titles, gaps) counts
    /// at it, so it is read first and used even when other output settings have problems.
    pub(super) fn output_fps(&mut self, o: &raw::RawOutput) -> Option<Rate> {
        match &o.fps {
            None => Rate::new(25, 1).ok(),
            Some(v) => match Rate::from_json(&v.0) {
                Ok(r) => Some(r),
                Err(e) => {
                    // Program times count at this rate: say what waits for it rather than let
                    // those errors appear only after this one is fixed.
                    self.error("/output/fps", format!("{e}; until it is fixed, lengths and transitions on the timeline (which count at this rate) are not checked"));
                    None
                }
            },
        }
    }

    pub(super) fn output(
        &mut self,
        o: &raw::RawOutput,
        fps: Option<Rate>,
        edl_path: &Path,
    ) -> Option<Output> {
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
        let (path, container) = self.output_file(o, edl_path);
        let video = self.video_settings(o, container);
        let audio = self.audio_settings(o, fps);
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
        let start_timecode = match (&o.start_timecode, fps) {
            (None, _) => Some(None),
            (Some(_), None) => None,
            (Some(t), Some(fps)) => self.start_timecode(t, fps).map(Some),
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
            video: video?,
            audio: audio?,
            bw: bw?,
            fade_in: fade_in?,
            fade_out: fade_out?,
            draft: o.draft.unwrap_or(false),
            start_timecode: start_timecode?,
            chapters: o.chapters.unwrap_or_default(),
        })
    }

    /// `output.path` (or `-o`, or the EDL's name as .mp4), its container from the extension,
    /// and a named audio codec the container cannot hold.
    fn output_file(
        &mut self,
        o: &raw::RawOutput,
        edl_path: &Path,
    ) -> (Option<std::path::PathBuf>, Option<Container>) {
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
        (path, container)
    }

    /// `output.video`: codec (and whether the container holds it), crf, preset.
    fn video_settings(
        &mut self,
        o: &raw::RawOutput,
        container: Option<Container>,
    ) -> Option<VideoSettings> {
        let mut fine = true;
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
        let preset_name = rv.preset.unwrap_or_else(|| Preset::Veryfast.name().into());
        let preset = Preset::from_name(&preset_name);
        if preset.is_none() {
            let names = Preset::ALL.map(Preset::name);
            self.error(
                "/output/video/preset",
                format!(
                    "unknown preset `{preset_name}`; use one of: {}{}",
                    names.join(", "),
                    suggestion(&preset_name, names.iter().copied())
                ),
            );
            fine = false;
        }
        if !fine {
            return None;
        }
        Some(VideoSettings {
            codec: vcodec?,
            crf,
            preset: preset?,
        })
    }

    /// `output.audio`: codec, sample rate, channels, bit rate, join fade and loudness.
    fn audio_settings(&mut self, o: &raw::RawOutput, fps: Option<Rate>) -> Option<AudioSettings> {
        let mut fine = true;
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
            Some(value) => {
                let (target, true_peak, at) = match value {
                    raw::RawLoudnessValue::Target(t) => (*t, None, "/output/audio/loudness"),
                    raw::RawLoudnessValue::Full(l) => {
                        (l.target, l.true_peak, "/output/audio/loudness/target")
                    }
                };
                let l = crate::edl::Loudness {
                    target,
                    true_peak: true_peak.unwrap_or(-1.0),
                };
                let true_peak = l.true_peak;
                if !(-70.0..=-5.0).contains(&l.target) {
                    self.error(at, format!("a loudness target of {} LUFS is out of range; use −70 to −5 (−23 is EBU R128 broadcast, −16 is usual for the web)", l.target));
                    fine = false;
                }
                if !(-9.0..=0.0).contains(&true_peak) {
                    self.error("/output/audio/loudness/true_peak", format!("a true-peak ceiling of {true_peak} dBTP is out of range; use −9 to 0 (−1 is usual)"));
                    fine = false;
                }
                Some(crate::edl::Loudness {
                    target: l.target,
                    true_peak,
                })
            }
        };
        if !fine {
            return None;
        }
        Some(AudioSettings {
            codec: acodec?,
            sample_rate,
            channels,
            bitrate: bitrate?,
            join_fade: join_fade?,
            loudness,
        })
    }

    /// `output.start_timecode`: a timecode label that exists at the output rate.
    fn start_timecode(&mut self, text: &str, fps: Rate) -> Option<crate::edl::StartTimecode> {
        const PTR: &str = "/output/start_timecode";
        let spec = match crate::time::TimeSpec::parse(text) {
            Ok(s @ crate::time::TimeSpec::Timecode { .. }) => s,
            _ => {
                self.error(PTR, format!("`{text}` is not a timecode; write HH:MM:SS:FF (e.g. 01:00:00:00), with `;` before the frames for drop-frame"));
                return None;
            }
        };
        let drop = matches!(spec, crate::time::TimeSpec::Timecode { drop: true, .. });
        if drop && fps.drop_frames_per_minute().is_none() {
            self.error(PTR, format!("`{text}` is drop-frame, which exists only at 30000/1001 and 60000/1001 fps; the output is {fps} fps: write it with `:`"));
            return None;
        }
        match spec.to_frame_floor(fps) {
            Ok(frame) => Some(crate::edl::StartTimecode { frame, drop }),
            Err(e) => {
                self.error(PTR, format!("{e}"));
                None
            }
        }
    }

    /// A title card's look: size, colour, and a font that can draw every character.
    pub(super) fn title_card(
        &mut self,
        ptr: &str,
        t: &raw::RawTitle,
        out_height: u32,
    ) -> Option<Title> {
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
            Rgb::WHITE,
        )?;
        let background = match t.background.as_deref() {
            Some("transparent") if ptr == "/timeline/0" => {
                self.error(format!("{ptr}/title/background"), "a transparent title needs an event before it to show through; give it a colour, or move it after a clip");
                return None;
            }
            Some("transparent") => None,
            other => {
                Some(self.hex_colour(&format!("{ptr}/title/background"), other, Rgb::BLACK)?)
            }
        };
        let font = match &t.font {
            None => PathBuf::from(crate::edl::DEFAULT_FONT),
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
    pub(super) fn font_draws(
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

    /// A colour written `#rrggbb` (`default` when absent).
    pub(super) fn hex_colour(
        &mut self,
        ptr: &str,
        text: Option<&str>,
        default: Rgb,
    ) -> Option<Rgb> {
        let Some(c) = text else {
            return Some(default);
        };
        let rgb = Rgb::parse_hex(c);
        if rgb.is_none() {
            self.error(
                ptr,
                format!("`{c}` is not a colour; write it as #rrggbb, e.g. #ffffff for white"),
            );
        }
        rgb
    }

    /// A tint colour: `#rrggbb`.
    pub(super) fn tint(&mut self, ptr: &str, text: &str) -> Option<Tone> {
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
}
