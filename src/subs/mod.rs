//! Subtitle files: SubRip, ASS/SSA and WebVTT read into cues (pure: bytes in, cues out).
//!
//! Text is decoded first — UTF-8 with or without a byte-order mark, UTF-16 by its mark, or a
//! named legacy encoding (`windows-1251`, `koi8-r` …) — then parsed line by line, so every problem
//! names its line. What a reader can safely recover (a time written `0:00:04:56`, a cue before
//! zero, a file ending after a cue number) is kept with a warning; what it cannot (a cue with no
//! timing, an unreadable time) is an error.
//!
//! Cue text is kept in one markup for all formats: SubRip's — lines separated by `\n`, `<i>`,
//! `<b>`, `<u>` and an optional `{\anN}` position tag — and converted on the way out: to ASS for
//! burn-in and soft tracks, as is for `.srt` sidecars, to plain text for glyph checks.

use std::path::Path;

use serde::Serialize;

/// One cue: shown from `start` to `end` (milliseconds, end exclusive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cue {
    pub start: i64,
    pub end: i64,
    /// Text in roughcut's markup (see the module docs).
    pub text: String,
    /// Line of the file where the cue's timing is.
    pub line: usize,
}

/// A problem in a subtitle file, at a line (1-based; 0 for the whole file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub message: String,
}

/// A subtitle file read: its cues (in start order) and the warnings about what was recovered.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub cues: Vec<Cue>,
    pub warnings: Vec<Problem>,
}

/// Why a subtitle file could not be read.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SubError {
    #[error("{0}")]
    Io(String),
    #[error("{0}")]
    Encoding(String),
    #[error("malformed")]
    Malformed(Vec<Problem>),
}

/// The subtitle formats roughcut reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Srt,
    Ass,
    Vtt,
}

impl Format {
    /// By file extension (`srt`, `ass`, `ssa`, `vtt`).
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_string_lossy().to_ascii_lowercase();
        match ext.as_str() {
            "srt" => Some(Format::Srt),
            "ass" | "ssa" => Some(Format::Ass),
            "vtt" => Some(Format::Vtt),
            _ => None,
        }
    }
}

/// Read and parse a subtitle file. `encoding` names the text encoding of files without a
/// byte-order mark (default UTF-8).
pub fn load(path: &Path, encoding: Option<&str>) -> Result<Parsed, SubError> {
    let bytes = std::fs::read(path).map_err(|e| SubError::Io(e.to_string()))?;
    read(&bytes, path, encoding)
}

/// The cues of a subtitle file's `bytes` (its format from the name `path`), decoded with
/// `encoding` when it has no byte-order mark.
pub fn read(bytes: &[u8], path: &Path, encoding: Option<&str>) -> Result<Parsed, SubError> {
    let text = decode(bytes, encoding)?;
    let format = Format::from_path(path).unwrap_or(Format::Srt);
    parse(&text, format)
}

/// Whether `label` names an encoding roughcut can decode.
pub(crate) fn known_encoding(label: &str) -> bool {
    encoding_rs::Encoding::for_label(label.as_bytes()).is_some()
}

/// Bytes → text: a byte-order mark wins; else the named encoding; else strict UTF-8.
pub(crate) fn decode(bytes: &[u8], encoding: Option<&str>) -> Result<String, SubError> {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom..]);
        if had_errors {
            return Err(SubError::Encoding(format!(
                "the text is not valid {} although it starts with that byte-order mark",
                enc.name()
            )));
        }
        return Ok(text.into_owned());
    }
    if let Some(label) = encoding {
        let enc = encoding_rs::Encoding::for_label(label.as_bytes()).ok_or_else(|| {
            SubError::Encoding(format!(
                "unknown encoding `{label}`; use e.g. utf-8, utf-16le, windows-1251 or koi8-r"
            ))
        })?;
        let (text, had_errors) = enc.decode_without_bom_handling(bytes);
        if had_errors {
            return Err(SubError::Encoding(format!(
                "the text is not valid {}; check `encoding`",
                enc.name()
            )));
        }
        return Ok(text.into_owned());
    }
    match std::str::from_utf8(bytes) {
        Ok(t) => Ok(t.to_string()),
        Err(e) => {
            let at = e.valid_up_to();
            let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
            let zeros = bytes.iter().filter(|b| **b == 0).count();
            let hint = if zeros * 4 > bytes.len() {
                "it looks like UTF-16 without a byte-order mark: add \"encoding\": \"utf-16le\" (or \"utf-16be\")"
            } else {
                "if it is Cyrillic from Windows or an old Unix system, add \"encoding\": \"windows-1251\" or \"koi8-r\" to the subtitle entry"
            };
            Err(SubError::Encoding(format!(
                "line {line}: the text is not valid UTF-8 (byte 0x{:02X}); {hint}",
                bytes[at]
            )))
        }
    }
}

/// Parse decoded text.
pub fn parse(text: &str, format: Format) -> Result<Parsed, SubError> {
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let mut p = Parser::default();
    match format {
        Format::Srt => p.srt(&lines),
        Format::Vtt => p.vtt(&lines),
        Format::Ass => p.ass(&lines),
    }
    if !p.errors.is_empty() {
        return Err(SubError::Malformed(p.errors));
    }
    if p.cues.is_empty() {
        return Err(SubError::Malformed(vec![Problem {
            line: 0,
            message: "the file holds no cues".into(),
        }]));
    }
    // Cues before zero start at zero; cues wholly before it are dropped.
    let mut cues = Vec::new();
    for mut c in p.cues {
        if c.end <= 0 {
            p.warnings.push(Problem {
                line: c.line,
                message: "the cue ends before time zero; dropped".into(),
            });
            continue;
        }
        if c.start < 0 {
            p.warnings.push(Problem {
                line: c.line,
                message: "the cue starts before time zero; it starts at zero".into(),
            });
            c.start = 0;
        }
        cues.push(c);
    }
    cues.sort_by_key(|c| (c.start, c.end));
    Ok(Parsed {
        cues,
        warnings: p.warnings,
    })
}

#[derive(Default)]
struct Parser {
    cues: Vec<Cue>,
    warnings: Vec<Problem>,
    errors: Vec<Problem>,
}

impl Parser {
    fn error(&mut self, line: usize, message: impl Into<String>) {
        self.errors.push(Problem {
            line,
            message: message.into(),
        });
    }
    fn warn(&mut self, line: usize, message: impl Into<String>) {
        self.warnings.push(Problem {
            line,
            message: message.into(),
        });
    }

    /// Push a cue whose end must come after its start.
    fn cue(&mut self, line: usize, start: i64, end: i64, text: String) {
        if end <= start {
            self.error(
                line,
                format!(
                    "the cue ends ({}) at or before it starts ({})",
                    ms_text(end),
                    ms_text(start)
                ),
            );
            return;
        }
        self.cues.push(Cue {
            start,
            end,
            text,
            line,
        });
    }

    /// SubRip: blocks of an optional number, a timing line, text lines, a blank line.
    fn srt(&mut self, lines: &[&str]) {
        let mut i = 0;
        while i < lines.len() {
            if lines[i].trim().is_empty() {
                i += 1;
                continue;
            }
            let mut at = i;
            let numbered = lines[at].trim().chars().all(|c| c.is_ascii_digit());
            if numbered {
                at += 1;
                if at >= lines.len() || lines[at].trim().is_empty() {
                    self.warn(
                        i + 1,
                        format!(
                            "cue number {} has no timing or text{}; ignored",
                            lines[i].trim(),
                            if at >= lines.len() {
                                " (the file ends there)"
                            } else {
                                ""
                            }
                        ),
                    );
                    i = at;
                    continue;
                }
            }
            let timing = lines[at];
            let text_from = at + 1;
            let mut end = text_from;
            while end < lines.len() && !lines[end].trim().is_empty() {
                end += 1;
            }
            match timing.split_once("-->") {
                Some((a, b)) => {
                    let b = b.split_whitespace().next().unwrap_or("");
                    match (clock(a.trim(), ','), clock(b, ',')) {
                        (Ok(s), Ok(e)) => {
                            let text = lines[text_from..end].join("\n");
                            self.cue(at + 1, s, e, text);
                        }
                        (Err(m), _) | (_, Err(m)) => self.error(at + 1, m),
                    }
                }
                None => self.error(
                    at + 1,
                    format!(
                        "expected a timing line such as `00:00:01,000 --> 00:00:02,500`, found `{}`",
                        shorten(timing)
                    ),
                ),
            }
            i = end;
        }
    }

    /// WebVTT: a `WEBVTT` header, then cue blocks (an optional identifier, a timing line with
    /// optional settings, text); `NOTE`, `STYLE` and `REGION` blocks are skipped.
    fn vtt(&mut self, lines: &[&str]) {
        if !lines
            .first()
            .is_some_and(|l| l.trim_start_matches('\u{feff}').starts_with("WEBVTT"))
        {
            self.error(1, "a WebVTT file starts with `WEBVTT`");
            return;
        }
        let mut i = 1;
        while i < lines.len() {
            if lines[i].trim().is_empty() {
                i += 1;
                continue;
            }
            let mut end = i;
            while end < lines.len() && !lines[end].trim().is_empty() {
                end += 1;
            }
            let block = &lines[i..end];
            let first = block[0].trim_start();
            if first.starts_with("NOTE") || first == "STYLE" || first == "REGION" {
                i = end;
                continue;
            }
            let t = block.iter().position(|l| l.contains("-->"));
            match t {
                Some(t) if t <= 1 => {
                    let line = i + t + 1;
                    let (a, b) = block[t].split_once("-->").unwrap_or(("", ""));
                    let b = b.split_whitespace().next().unwrap_or("");
                    match (clock(a.trim(), '.'), clock(b, '.')) {
                        (Ok(s), Ok(e)) => {
                            let text = block[t + 1..]
                                .iter()
                                .map(|l| vtt_text(l))
                                .collect::<Vec<_>>()
                                .join("\n");
                            self.cue(line, s, e, text);
                        }
                        (Err(m), _) | (_, Err(m)) => self.error(line, m),
                    }
                }
                _ => self.error(
                    i + 1,
                    format!(
                        "expected a cue timing such as `00:01.000 --> 00:02.500`, found `{}`",
                        shorten(block[0])
                    ),
                ),
            }
            i = end;
        }
    }

    /// ASS/SSA: `Dialogue:` lines of the `[Events]` section, read by its `Format:` line.
    fn ass(&mut self, lines: &[&str]) {
        let mut in_events = false;
        let mut fields: Vec<String> = Vec::new();
        let mut seen_events = false;
        for (n, raw) in lines.iter().enumerate() {
            let line = raw.trim_start_matches('\u{feff}').trim();
            if line.starts_with('[') {
                in_events = line.eq_ignore_ascii_case("[events]");
                seen_events |= in_events;
                continue;
            }
            if !in_events {
                continue;
            }
            if let Some(f) = line.strip_prefix("Format:") {
                fields = f
                    .split(',')
                    .map(|s| s.trim().to_ascii_lowercase())
                    .collect();
                continue;
            }
            let Some(rest) = line.strip_prefix("Dialogue:") else {
                continue;
            };
            if fields.is_empty() {
                self.error(
                    n + 1,
                    "a `Dialogue:` line before the `Format:` line of [Events]",
                );
                continue;
            }
            let parts: Vec<&str> = rest.trim_start().splitn(fields.len(), ',').collect();
            if parts.len() < fields.len() {
                self.error(
                    n + 1,
                    format!(
                        "the line has {} fields; the `Format:` line names {}",
                        parts.len(),
                        fields.len()
                    ),
                );
                continue;
            }
            let get = |name: &str| fields.iter().position(|f| f == name).map(|i| parts[i]);
            let (Some(start), Some(end), Some(text)) = (get("start"), get("end"), get("text"))
            else {
                self.error(
                    n + 1,
                    "the `Format:` line of [Events] must name Start, End and Text",
                );
                return;
            };
            let time = |this: &mut Self, t: &str| -> Option<i64> {
                match clock(t.trim(), '.') {
                    Ok(ms) => Some(ms),
                    Err(m) => {
                        // `0:00:04:56`: a colon before the hundredths.
                        let fixed = t.trim().rsplit_once(':').and_then(|(head, cs)| {
                            (head.matches(':').count() == 2).then(|| format!("{head}.{cs}"))
                        });
                        match fixed.map(|f| clock(&f, '.')) {
                            Some(Ok(ms)) => {
                                this.warn(
                                    n + 1,
                                    format!(
                                        "time `{}` has `:` before the hundredths; read as {}",
                                        t.trim(),
                                        ms_text(ms)
                                    ),
                                );
                                Some(ms)
                            }
                            _ => {
                                this.error(n + 1, m);
                                None
                            }
                        }
                    }
                }
            };
            let (Some(s), Some(e)) = (time(self, start), time(self, end)) else {
                continue;
            };
            self.cue(n + 1, s, e, ass_text(text));
        }
        if !seen_events {
            self.error(
                0,
                "no [Events] section: this is not an ASS/SSA subtitle file",
            );
        }
    }
}

fn shorten(s: &str) -> String {
    let t: String = s.chars().take(60).collect();
    if t.len() < s.len() {
        format!("{t}…")
    } else {
        t
    }
}

/// `[-]H:MM:SS<sep>fff` (also `MM:SS.fff`; the hours and minutes may have any number of digits;
/// the fraction is read as a decimal fraction of a second) → milliseconds.
fn clock(t: &str, sep: char) -> Result<i64, String> {
    let bad = || {
        format!(
            "`{}` is not a time; write it as 00:00:01{sep}500",
            shorten(t)
        )
    };
    if t.is_empty() {
        return Err("a time is missing on the timing line".into());
    }
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t),
    };
    // Either separator is accepted for the fraction.
    let (whole, frac) = match body.rsplit_once([',', '.']) {
        Some((w, f)) => (w, f),
        None => (body, ""),
    };
    let parts: Vec<&str> = whole.split(':').collect();
    if !(2..=3).contains(&parts.len())
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()) || p.len() > 6)
        || !frac.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 9
    {
        return Err(bad());
    }
    let nums: Vec<i64> = parts.iter().filter_map(|p| p.parse().ok()).collect();
    let (h, m, s) = match nums.as_slice() {
        [h, m, s] => (*h, *m, *s),
        [m, s] => (0, *m, *s),
        _ => return Err(bad()),
    };
    if m >= 60 || s >= 60 {
        return Err(format!(
            "`{t}` has minutes or seconds of 60 or more; write it as 00:00:01{sep}500"
        ));
    }
    let ms = if frac.is_empty() {
        0
    } else {
        let digits: String = frac.chars().chain(std::iter::repeat('0')).take(3).collect();
        digits.parse::<i64>().map_err(|_| bad())?
    };
    let total = ((h * 60 + m) * 60 + s) * 1000 + ms;
    Ok(if neg { -total } else { total })
}

/// Milliseconds as `H:MM:SS.mmm`.
pub fn ms_text(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let a = ms.abs();
    format!(
        "{sign}{}:{:02}:{:02}.{:03}",
        a / 3_600_000,
        a / 60_000 % 60,
        a / 1000 % 60,
        a % 1000
    )
}

/// SubRip's time form, `HH:MM:SS,mmm`.
pub(crate) fn srt_time(ms: i64) -> String {
    let a = ms.max(0);
    format!(
        "{:02}:{:02}:{:02},{:03}",
        a / 3_600_000,
        a / 60_000 % 60,
        a / 1000 % 60,
        a % 1000
    )
}

/// Copy `text`, replacing every `open`…`close` tag by what `f` makes of its inside; an unclosed
/// tag is kept as text.
fn map_tags(text: &str, open: char, close: char, mut f: impl FnMut(&str) -> String) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(open) {
        out.push_str(&rest[..at]);
        let after = &rest[at + open.len_utf8()..];
        let Some(end) = after.find(close) else {
            out.push_str(&rest[at..]);
            return out;
        };
        out.push_str(&f(&after[..end]));
        rest = &after[end + close.len_utf8()..];
    }
    out.push_str(rest);
    out
}

/// ASS event text → roughcut's markup: `\N` line breaks, italic/bold/underline overrides as tags,
/// `\an` kept, other overrides dropped.
fn ass_text(t: &str) -> String {
    map_tags(t, '{', '}', |block| {
        block
            .split('\\')
            .filter(|s| !s.is_empty())
            .map(|tag| match tag.trim() {
                "i1" | "i" => "<i>".to_string(),
                "i0" => "</i>".into(),
                "b1" | "b" => "<b>".into(),
                "b0" => "</b>".into(),
                "u1" | "u" => "<u>".into(),
                "u0" => "</u>".into(),
                an if an.len() == 3
                    && an.starts_with("an")
                    && an[2..].chars().all(|c| ('1'..='9').contains(&c)) =>
                {
                    format!("{{\\{an}}}")
                }
                _ => String::new(),
            })
            .collect()
    })
    .replace("\\N", "\n")
    .replace("\\n", " ")
    .replace("\\h", " ")
}

/// WebVTT cue text → roughcut's markup: `<i>`, `<b>`, `<u>` kept, other tags (classes, voices,
/// timestamps) dropped, entities decoded.
fn vtt_text(t: &str) -> String {
    map_tags(t, '<', '>', |tag| {
        let name = tag
            .trim_start_matches('/')
            .split(['.', ' '])
            .next()
            .unwrap_or("");
        if matches!(name, "i" | "b" | "u") {
            let slash = if tag.starts_with('/') { "/" } else { "" };
            format!("<{slash}{name}>")
        } else {
            String::new()
        }
    })
    .replace("&lt;", "<")
    .replace("&gt;", ">")
    .replace("&nbsp;", "\u{a0}")
    .replace("&amp;", "&")
}

/// roughcut's markup → ASS event text (for libass and FFmpeg's subtitle encoders).
pub(crate) fn to_ass(text: &str) -> String {
    map_tags(text, '<', '>', |tag| {
        match tag.trim().to_ascii_lowercase().as_str() {
            "i" => "{\\i1}",
            "/i" => "{\\i0}",
            "b" => "{\\b1}",
            "/b" => "{\\b0}",
            "u" => "{\\u1}",
            "/u" => "{\\u0}",
            // Font colours and faces, unknown tags: dropped.
            _ => "",
        }
        .to_string()
    })
    .replace('\n', "\\N")
}

/// roughcut's markup → the characters that are drawn (for glyph checks).
pub(crate) fn to_plain(text: &str) -> String {
    let mut out = String::new();
    let mut depth_angle = false;
    let mut depth_brace = false;
    for c in text.chars() {
        match c {
            '<' if !depth_brace => depth_angle = true,
            '>' if depth_angle => depth_angle = false,
            '{' if !depth_angle => depth_brace = true,
            '}' if depth_brace => depth_brace = false,
            _ if depth_angle || depth_brace => {}
            _ => out.push(c),
        }
    }
    out
}

/// A SubRip document (UTF-8) of `cues`: (start ms, end ms, text in roughcut's markup).
pub(crate) fn srt_document(cues: &[(i64, i64, &str)]) -> String {
    let mut doc = String::new();
    for (n, (a, b, text)) in cues.iter().enumerate() {
        doc.push_str(&format!(
            "{}\n{} --> {}\n{}\n\n",
            n + 1,
            srt_time(*a),
            srt_time(*b),
            text
        ));
    }
    doc
}

/// The family name of a font file (what libass and fontconfig look fonts up by).
pub(crate) fn font_family(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    let face = ttf_parser::Face::parse(&bytes, 0).ok()?;
    let names = face.names();
    let pick = |id: u16| {
        names
            .into_iter()
            .filter(|n| n.name_id == id && n.is_unicode())
            .find_map(|n| n.to_string())
    };
    pick(ttf_parser::name_id::TYPOGRAPHIC_FAMILY).or_else(|| pick(ttf_parser::name_id::FAMILY))
}

/// An ASS script drawing `events` (start and end in centiseconds, text in ASS markup) in a
/// `width`×`height` frame: white text with a black outline in `family` at `size` px,
/// bottom- or top-centred `margin` px from the edge.
#[allow(clippy::too_many_arguments)]
pub(crate) fn ass_document(
    family: &str,
    size: u32,
    outline: f64,
    margin: u32,
    top: bool,
    width: u32,
    height: u32,
    events: &[(i64, i64, &str)],
) -> String {
    let cs = |t: i64| {
        let t = t.max(0);
        format!(
            "{}:{:02}:{:02}.{:02}",
            t / 360_000,
            t / 6000 % 60,
            t / 100 % 60,
            t % 100
        )
    };
    let align = if top { 8 } else { 2 };
    let family = family.replace(',', " ");
    let mut doc = format!(
        "[Script Info]\nScriptType: v4.00+\nPlayResX: {width}\nPlayResY: {height}\nWrapStyle: 0\nScaledBorderAndShadow: yes\n\n\
[V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n\
Style: Default,{family},{size},&H00FFFFFF,&H000000FF,&H00000000,&H80000000,0,0,0,0,100,100,0,0,1,{outline},0,{align},{margin},{margin},{margin},1\n\n\
[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
    );
    for (start, end, text) in events {
        doc.push_str(&format!(
            "Dialogue: 0,{},{},Default,,0,0,0,,{}\n",
            cs(*start),
            cs(*end),
            text.replace('\n', "\\N")
        ));
    }
    doc
}

#[cfg(test)]
mod tests;
