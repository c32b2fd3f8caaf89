//! Soft subtitle tracks: each retimed subtitle entry becomes one stream of the output —
//! `mov_text` in MP4/MOV, SubRip in Matroska — tagged with its language, title and
//! default/forced flags. Cues are encoded with FFmpeg's subtitle encoders.

use std::ffi::CString;

use crate::edl::Container;
use crate::plan::subtitles::Track;
use ffmpeg_next as ff;

/// An ASS header for the text encoders (they convert ASS events into their own format).
const ASS_HEADER: &str = "[Script Info]\nScriptType: v4.00+\nPlayResX: 384\nPlayResY: 288\n\n[V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\nStyle: Default,Arial,16,&Hffffff,&Hffffff,&H0,&H0,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,0\n\n[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n";

/// A subtitle stream added to the output, with its open encoder and its cues.
pub(crate) struct SubStream {
    index: usize,
    encoder: ff::codec::encoder::subtitle::Encoder,
    /// (start ms, end ms, ASS text), not overlapping when the codec needs that.
    cues: Vec<(i64, i64, String)>,
}

/// Cues as the codec can carry them: `mov_text` shows one sample at a time, so overlapping
/// cues are cut at every start and end and the texts showing together are stacked.
fn carried(track: &Track, overlaps_allowed: bool) -> Vec<(i64, i64, String)> {
    let cues: Vec<(i64, i64, String)> = track
        .cues
        .iter()
        .map(|c| {
            let (a, b) = c.millis();
            (a, b, crate::subs::to_ass(&c.text).replace('\0', ""))
        })
        .filter(|(a, b, _)| b > a)
        .collect();
    if overlaps_allowed {
        return cues;
    }
    let mut bounds: Vec<i64> = cues.iter().flat_map(|c| [c.0, c.1]).collect();
    bounds.sort_unstable();
    bounds.dedup();
    let mut out: Vec<(i64, i64, String)> = Vec::new();
    for w in bounds.windows(2) {
        let (a, b) = (w[0], w[1]);
        let text: Vec<&str> = cues
            .iter()
            .filter(|c| c.0 <= a && c.1 >= b)
            .map(|c| c.2.as_str())
            .collect();
        if text.is_empty() {
            continue;
        }
        let text = text.join("\\N");
        match out.last_mut() {
            Some(last) if last.1 == a && last.2 == text => last.1 = b,
            _ => out.push((a, b, text)),
        }
    }
    out
}

/// Add one stream per track to `octx` (before its header is written).
pub(crate) fn add_streams(
    octx: &mut ff::format::context::Output,
    container: Container,
    tracks: &[Track],
) -> Result<Vec<SubStream>, ff::Error> {
    let (codec_id, overlaps_allowed) = match container {
        Container::Mkv => (ff::codec::Id::SUBRIP, true),
        Container::Mp4 | Container::Mov => (ff::codec::Id::MOV_TEXT, false),
    };
    let codec = ff::encoder::find(codec_id).ok_or(ff::Error::EncoderNotFound)?;
    let header = CString::new(ASS_HEADER).map_err(|_| ff::Error::Bug)?;
    let mut streams = Vec::new();
    for track in tracks {
        let ctx = ff::codec::context::Context::new_with_codec(codec);
        let mut enc = ctx.encoder().subtitle()?;
        // SAFETY: the context is allocated and not yet opened. The header is copied into a
        // buffer from av_mallocz (with FFmpeg's padding), which the context owns and frees; the
        // time base is a plain field.
        unsafe {
            let p = enc.as_mut_ptr();
            let bytes = header.as_bytes_with_nul();
            let buf = ff::ffi::av_mallocz(bytes.len() + 64) as *mut u8;
            if buf.is_null() {
                return Err(ff::Error::from(ff::ffi::AVERROR(ff::ffi::ENOMEM)));
            }
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf, bytes.len());
            (*p).subtitle_header = buf;
            (*p).subtitle_header_size = (bytes.len() - 1) as i32;
            (*p).time_base = ff::ffi::AVRational { num: 1, den: 1000 };
        }
        let encoder = enc.open_as(codec)?;
        let index = {
            let mut st = octx.add_stream(codec)?;
            // SAFETY: the stream and the opened encoder context are both valid; the parameters
            // are copied from the context; disposition is a plain int field.
            unsafe {
                let r = ff::ffi::avcodec_parameters_from_context(
                    (*st.as_mut_ptr()).codecpar,
                    encoder.as_ptr(),
                );
                if r < 0 {
                    return Err(ff::Error::from(r));
                }
                let mut disposition = 0;
                if track.default {
                    disposition |= ff::ffi::AV_DISPOSITION_DEFAULT;
                }
                if track.forced {
                    disposition |= ff::ffi::AV_DISPOSITION_FORCED;
                }
                (*st.as_mut_ptr()).disposition = disposition;
            }
            st.set_time_base(ff::Rational::new(1, 1000));
            let mut meta = ff::Dictionary::new();
            if let Some(lang) = &track.language {
                meta.set("language", lang);
            }
            let title = track
                .title
                .clone()
                .or_else(|| track.language.as_deref().map(language_name))
                .unwrap_or_else(|| format!("Subtitles {}", track.index + 1));
            meta.set("title", &title);
            meta.set("handler_name", &title);
            st.set_metadata(meta);
            st.index()
        };
        streams.push(SubStream {
            index,
            encoder,
            cues: carried(track, overlaps_allowed),
        });
    }
    Ok(streams)
}

/// A readable name for the languages the project meets (the title players show).
fn language_name(code: &str) -> String {
    match code {
        "rus" => "Русский".into(),
        "eng" => "English".into(),
        "ukr" => "Українська".into(),
        "deu" | "ger" => "Deutsch".into(),
        "fra" | "fre" => "Français".into(),
        other => other.to_string(),
    }
}

/// Encode every cue of `s` and write it (after the header).
pub(crate) fn write_cues(
    octx: &mut ff::format::context::Output,
    s: &mut SubStream,
) -> Result<(), ff::Error> {
    let tb_out = octx
        .stream(s.index)
        .map(|st| st.time_base())
        .unwrap_or(ff::Rational::new(1, 1000));
    let mut buf = vec![0u8; 64 * 1024];
    for (start, end, text) in &s.cues {
        let dialogue = CString::new(format!("0,0,Default,,0,0,0,,{text}"))
            .map_err(|_| ff::Error::InvalidData)?;
        // SAFETY: the AVSubtitle is zeroed and given one rect from av_mallocz whose `ass` is an
        // av_strdup copy; avcodec_encode_subtitle reads it and writes at most `buf.len()` bytes
        // into `buf`; avsubtitle_free releases the rect array, the rect and its string.
        let written = unsafe {
            let mut sub: ff::ffi::AVSubtitle = std::mem::zeroed();
            sub.end_display_time = (end - start) as u32;
            sub.pts = start * 1000;
            let rects = ff::ffi::av_mallocz(std::mem::size_of::<*mut ff::ffi::AVSubtitleRect>())
                as *mut *mut ff::ffi::AVSubtitleRect;
            let rect = ff::ffi::av_mallocz(std::mem::size_of::<ff::ffi::AVSubtitleRect>())
                as *mut ff::ffi::AVSubtitleRect;
            if rects.is_null() || rect.is_null() {
                ff::ffi::av_free(rects as *mut _);
                ff::ffi::av_free(rect as *mut _);
                return Err(ff::Error::from(ff::ffi::AVERROR(ff::ffi::ENOMEM)));
            }
            (*rect).type_ = ff::ffi::AVSubtitleType::SUBTITLE_ASS;
            (*rect).ass = ff::ffi::av_strdup(dialogue.as_ptr());
            *rects = rect;
            sub.rects = rects;
            sub.num_rects = 1;
            if (*rect).ass.is_null() {
                ff::ffi::avsubtitle_free(&mut sub);
                return Err(ff::Error::from(ff::ffi::AVERROR(ff::ffi::ENOMEM)));
            }
            let n = ff::ffi::avcodec_encode_subtitle(
                s.encoder.as_mut_ptr(),
                buf.as_mut_ptr(),
                buf.len() as i32,
                &sub,
            );
            ff::ffi::avsubtitle_free(&mut sub);
            n
        };
        if written < 0 {
            return Err(ff::Error::from(written));
        }
        let mut packet = ff::Packet::copy(&buf[..written as usize]);
        packet.set_pts(Some(*start));
        packet.set_dts(Some(*start));
        packet.set_duration(end - start);
        packet.set_flags(ff::codec::packet::Flags::KEY);
        packet.set_stream(s.index);
        packet.rescale_ts(ff::Rational::new(1, 1000), tb_out);
        packet.write_interleaved(octx)?;
    }
    Ok(())
}
