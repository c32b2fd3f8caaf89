//! The conform chains, as filter descriptions built from numbers and fixed names: picture
//! (deinterlace, orientation, scale into BT.709, look, fit) and sound (resample, remix, gain).

use super::*;

/// The colour matrix FFmpeg's scaler should assume for a source: its tag, else the convention
/// (SD → BT.601, HD → BT.709).
pub(super) fn source_matrix(v: &VideoFacts) -> &'static str {
    match v.color_matrix.as_str() {
        "bt709" => "bt709",
        "smpte170m" | "bt470bg" => "bt601",
        "fcc" => "fcc",
        "smpte240m" => "smpte240m",
        "bt2020nc" | "bt2020c" => "bt2020",
        _ if v.height >= 720 => "bt709",
        _ => "bt601",
    }
}

/// Full or limited range of a source: its tag, else full for `yuvj*` and gray formats.
pub(super) fn source_range(v: &VideoFacts) -> &'static str {
    match v.color_range.as_str() {
        "pc" => "full",
        "tv" => "limited",
        _ if v.pix_fmt.starts_with("yuvj") || v.pix_fmt.starts_with("gray") => "full",
        _ => "limited",
    }
}

/// The conform chain for a source's picture: deinterlace, upright (`g`: the display matrix and
/// the EDL's turn), crop, fit, output pixel format and matrix, and the look.
pub fn video_filter(
    v: &VideoFacts,
    g: &crate::edl::Geometry,
    width: u32,
    height: u32,
    fit: Fit,
    tone: Option<Tone>,
    draft: bool,
) -> String {
    let mut chain = upright(v, g);
    let (w, h) = g.cropped();
    let b = fit_picture(w, h, g.sar, width as i64, height as i64, fit);
    chain.push(scale(v, b.scaled_w, b.scaled_h, draft));
    // The look applies to the picture, before the frame is padded: bars stay black.
    chain.push("format=yuv420p".into());
    if let Some(t) = tone {
        // Every chroma sample set: exactly neutral, or one tone over the picture's luma.
        chain.push(format!("lutyuv=u={}:v={}", t.u, t.v));
    }
    match fit {
        Fit::Pad if (b.scaled_w, b.scaled_h) != (width as i64, height as i64) => chain.push(
            format!("pad=w={width}:h={height}:x={}:y={}:color=black", b.x, b.y),
        ),
        Fit::Crop if (b.scaled_w, b.scaled_h) != (width as i64, height as i64) => {
            chain.push(format!("crop=w={width}:h={height}:x={}:y={}", b.x, b.y))
        }
        _ => {}
    }
    chain.push("setsar=1".into());
    chain.join(",")
}

/// Deinterlace, turn upright, crop: the picture as shown, before it is scaled.
fn upright(v: &VideoFacts, g: &crate::edl::Geometry) -> Vec<String> {
    let mut chain: Vec<String> = Vec::new();
    if v.interlaced() {
        let parity = match (v.top_field_first, v.field_order.as_str()) {
            (Some(true), _) | (None, "tt" | "tb") => "tff",
            (Some(false), _) | (None, "bb" | "bt") => "bff",
            _ => "auto",
        };
        chain.push(format!("bwdif=mode=send_frame:parity={parity}:deint=all"));
    }
    if let Some(f) = g.orientation.filter() {
        chain.push(f.into());
    }
    let (w, h) = g.cropped();
    if g.crop.iter().any(|&c| c > 0) {
        chain.push(format!("crop=w={w}:h={h}:x={}:y={}", g.crop[0], g.crop[2]));
    }
    chain
}

/// Scale to `w`×`h` into BT.709, limited range.
fn scale(v: &VideoFacts, w: i64, h: i64, draft: bool) -> String {
    format!(
        "scale=w={w}:h={h}:flags={}:in_range={}:out_range=limited:in_color_matrix={}:out_color_matrix=bt709",
        if draft {
            "fast_bilinear"
        } else {
            "bicubic+accurate_rnd"
        },
        source_range(v),
        source_matrix(v)
    )
}

/// The chain that makes a still's picture for a move: upright, cropped, scaled to `w`×`h`,
/// full-resolution chroma (4:4:4) in BT.709, with the look; framed frame by frame afterwards.
pub(super) fn still_filter(
    v: &VideoFacts,
    g: &crate::edl::Geometry,
    w: i64,
    h: i64,
    tone: Option<Tone>,
) -> String {
    let mut chain = upright(v, g);
    chain.push(scale(v, w, h, false));
    chain.push("format=yuv444p".into());
    if let Some(t) = tone {
        chain.push(format!("lutyuv=u={}:v={}", t.u, t.v));
    }
    chain.join(",")
}

/// FFmpeg's name for the output's channel layout with `channels` channels (1, 2 or 6: what
/// validation allows).
pub fn output_layout(channels: u32) -> &'static str {
    match channels {
        1 => "mono",
        6 => "5.1",
        _ => "stereo",
    }
}

/// The conform chain for a source's sound: resample and remix to the output, apply gain.
pub fn audio_filter(a: &AudioSettings, source_channels: u32, gain_db: f64) -> String {
    let layout = output_layout(a.channels);
    // Mono plays on both channels at its own level (dual mono), not 3 dB down.
    let dual_mono = if source_channels == 1 && a.channels == 2 {
        "pan=stereo|c0=c0|c1=c0,"
    } else {
        ""
    };
    let mut chain = format!(
        "{dual_mono}aresample={sr},aformat=sample_fmts=flt:sample_rates={sr}:channel_layouts={layout}",
        sr = a.sample_rate
    );
    if gain_db != 0.0 {
        chain.push_str(&format!(",volume={gain_db}dB"));
    }
    chain
}
