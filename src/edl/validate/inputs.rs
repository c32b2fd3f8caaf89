//! Checks of the sources (against their gathered facts), subtitle files and overlays.

use super::*;

impl Validator<'_> {
    pub(super) fn sources(
        &mut self,
        raw: &[(String, Option<raw::RawSource>)],
    ) -> BTreeMap<String, Candidate> {
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
            let Some(shape) = self.shape(&ptr, s) else {
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
                    shape,
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
                        let at = format!("{}/colour", join("/sources", &id));
                        self.verdicts.push(super::super::SourceVerdict {
                            id: id.clone(),
                            declared: src.colour,
                            analysis: c.clone(),
                        });
                        match (src.colour, c.class) {
                            (ColourClass::Bw, ColourVerdict::Colour)
                            | (ColourClass::Colour, ColourVerdict::Bw) => {
                                let (declared, measured) = if c.class == ColourVerdict::Bw {
                                    ("colour", "black-and-white")
                                } else {
                                    ("bw", "colour")
                                };
                                self.diags.push(Diagnostic::warning(
                                    at,
                                    format!("source `{id}` is declared `{declared}` but measures as {measured} ({}); the declaration wins — check it, or use \"auto\"", c.reason),
                                ));
                            }
                            // Say what `auto` decided whenever it takes colour away or cannot
                            // decide.
                            (ColourClass::Auto, ColourVerdict::Bw) => {
                                self.diags.push(Diagnostic::warning(
                                    at,
                                    format!("{id}: black-and-white ({}); rendered with neutral chroma — if it is colour, add \"colour\": \"colour\" to the source", c.reason),
                                ));
                            }
                            (ColourClass::Auto, ColourVerdict::Uncertain) => {
                                self.diags.push(Diagnostic::warning(
                                    at,
                                    format!("{id}: colour uncertain ({}); rendered as colour — if it is black-and-white, add \"colour\": \"bw\" to the source", c.reason),
                                ));
                            }
                            _ => {}
                        }
                    }
                    if let Some(v) = src.facts.as_ref().and_then(|f| f.video()) {
                        // The crop must leave a picture.
                        let g = src.shape.geometry(v);
                        let (w, h) = g.cropped();
                        if src.shape.crop != <[crate::edl::CropEdge; 4]>::default()
                            && (w < 16 || h < 16)
                        {
                            self.error(
                                format!("{}/crop", join("/sources", &id)),
                                format!("the crop cuts {} of the upright picture's {} pixels across and {} of its {} down, leaving {w}x{h}; leave at least 16x16", g.crop[0] + g.crop[1], g.width, g.crop[2] + g.crop[3], g.height),
                            );
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

    pub(super) fn subtitles(&mut self, raw: &[Option<raw::RawSubtitle>]) -> Vec<Subtitle> {
        let mut out = Vec::new();
        let mut burn_ins = Vec::new();
        // The first entry carried as a soft track is the default one unless an entry says.
        let first_track = raw.iter().position(|s| {
            s.as_ref()
                .is_some_and(|s| s.track.unwrap_or(!s.burn_in.unwrap_or(false)))
        });
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
                track: s.track.unwrap_or(!burn_in),
                default: s.default.unwrap_or(Some(i) == first_track),
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
    pub(super) fn sub_style(
        &mut self,
        ptr: &str,
        st: Option<&raw::RawSubStyle>,
    ) -> Option<SubStyle> {
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
            None => PathBuf::from(crate::edl::DEFAULT_FONT),
        };
        fine.then_some(SubStyle {
            font,
            size,
            outline,
            margin,
            top: st.position == Some(raw::SubPosition::Top),
        })
    }

    pub(super) fn overlays(&mut self, raw: Option<&raw::RawOverlays>) -> Overlays {
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
            let font = PathBuf::from(crate::edl::DEFAULT_FONT);
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

    /// A source's turn, mirror and crop.
    fn shape(&mut self, ptr: &str, s: &raw::RawSource) -> Option<crate::edl::Shape> {
        use crate::edl::CropEdge;
        use crate::facts::Orientation;
        let mut fine = true;
        let rotate = match s.rotate {
            None => 0,
            Some(r @ (0 | 90 | 180 | 270)) => r,
            Some(r) => {
                self.error(
                    format!("{ptr}/rotate"),
                    format!("rotate {r} is not a quarter turn; use 0, 90, 180 or 270 (degrees clockwise)"),
                );
                fine = false;
                0
            }
        };
        let flip = match s.flip {
            None => Orientation::UPRIGHT,
            Some(raw::Flip::Horizontal) => Orientation::FLIP_H,
            Some(raw::Flip::Vertical) => Orientation::FLIP_V,
        };
        let mut crop = [CropEdge::None; 4];
        if let Some(c) = &s.crop {
            for (k, (name, v)) in [
                ("left", &c.left),
                ("right", &c.right),
                ("top", &c.top),
                ("bottom", &c.bottom),
            ]
            .into_iter()
            .enumerate()
            {
                crop[k] = match v {
                    None => CropEdge::None,
                    Some(raw::CropValue::Pixels(p)) => CropEdge::Pixels(*p),
                    Some(raw::CropValue::Share(text)) => match share(text) {
                        Some(r) => CropEdge::Share(r),
                        None => {
                            self.error(
                                format!("{ptr}/crop/{name}"),
                                format!("`{text}` is not a crop; give pixels (a whole number) or a share of the picture under 50 % such as \"4%\""),
                            );
                            fine = false;
                            CropEdge::None
                        }
                    },
                };
            }
        }
        fine.then_some(crate::edl::Shape {
            turn: Orientation::clockwise(rotate).then(flip),
            ignore_display_matrix: s.display_matrix == Some(raw::DisplayMatrix::Ignore),
            crop,
        })
    }
}

/// A share written as a percentage (`"4%"`, `"12.5%"`), under 50 %: exact.
fn share(text: &str) -> Option<Rational> {
    let n = text.trim().strip_suffix('%')?.trim();
    let r = crate::time::decimal(n)? / 100;
    (r < Rational::new(1, 2)).then_some(r)
}
