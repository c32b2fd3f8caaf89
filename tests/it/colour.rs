//! Colour and black-and-white: detection, truly neutral B&W events, range and matrix.

use std::path::{Path, PathBuf};

use roughcut::facts::ColourVerdict;
use roughcut::media::measure::Picture;
use roughcut::media::synth::{SynthClip, SynthVideo};

use roughcut::time::Rational;

use crate::common::{corpus_dir, render_edl, roughcut, samples_dir, workdir};

fn clip(
    name: &str,
    source: &str,
    encoder: &str,
    pix_fmt: &str,
    range: &'static str,
    colour: Option<&'static str>,
    (w, h): (u32, u32),
) -> PathBuf {
    let options = match encoder {
        "libx264" => vec![
            ("preset".into(), "veryfast".into()),
            ("crf".into(), "18".into()),
        ],
        _ => vec![],
    };
    crate::common::shared_clip(name, |path| SynthClip {
        path,
        duration: Rational::from_integer(3),
        video: Some(SynthVideo {
            source: source.into(),
            encoder: encoder.into(),
            pix_fmt: pix_fmt.into(),
            width: w,
            height: h,
            rate: (24, 1),
            sar: (1, 1),
            top_field_first: None,
            range,
            colour,
            options,
            bit_rate: 0,
            gop: 24,
            display_matrix: None,
        }),
        audio: vec![],
        metadata: vec![],
    })
}

/// A black-and-white film scan with strong chroma noise: per-pixel saturation like weak colour,
/// but spatially incoherent and averaging to neutral.
fn noisy_scan() -> PathBuf {
    clip(
        "bw_chroma_noise.mp4",
        "testsrc2=size=480x360:rate=24,hue=s=0,noise=c1s=40:c2s=40:c1f=t:c2f=t",
        "libx264",
        "yuv420p",
        "tv",
        None,
        (480, 360),
    )
}

/// Colour footage of a grey, overcast city: weak but coherent colour.
fn overcast() -> PathBuf {
    clip(
        "overcast_colour.mp4",
        "testsrc2=size=480x360:rate=24,hue=s=0.04",
        "libx264",
        "yuv420p",
        "tv",
        None,
        (480, 360),
    )
}

fn class_of(path: &Path) -> roughcut::facts::ColourAnalysis {
    let facts = crate::common::probe(path).expect("probe");
    let c = facts.colour.expect("a colour analysis");
    eprintln!(
        "{}: {:?} by {} — {}",
        path.display(),
        c.class,
        c.method,
        c.reason
    );
    c
}

#[test]
fn detection_is_robust_both_ways() {
    let dir = samples_dir();
    let noise = class_of(&noisy_scan());
    assert_eq!(
        noise.class,
        ColourVerdict::Bw,
        "chroma noise is not colour: {noise:?}"
    );
    assert!(
        noise.chroma_spread > 3.0,
        "the scan really is noisy: {noise:?}"
    );
    let cast = class_of(&dir.join("telecine_1948_cast.mp4"));
    assert_eq!(
        cast.class,
        ColourVerdict::Bw,
        "a uniform cast is not colour: {cast:?}"
    );
    assert!(
        cast.cast_u > 1.5 && cast.cast_v < -1.0,
        "the cast is measured: {cast:?}"
    );
    // Weak coherent colour in several hues is never taken for black-and-white: judged colour or,
    // this faint (4 % of testsrc2's saturation), uncertain — which renders as colour.
    let grey_city = class_of(&overcast());
    assert_ne!(
        grey_city.class,
        ColourVerdict::Bw,
        "weak coherent colour is not black-and-white: {grey_city:?}"
    );
    assert!(grey_city.hue_spread > 0.3, "several hues: {grey_city:?}");
    let gray = class_of(&dir.join("builders_1932_gray.mp4"));
    assert_eq!(
        (gray.class, gray.method.name()),
        (ColourVerdict::Bw, "pixel format")
    );
    let vivid = class_of(&dir.join("knam_hd.mp4"));
    assert_eq!(vivid.class, ColourVerdict::Colour);
    // probe explains the classification in both outputs.
    let out = roughcut()
        .arg("probe")
        .arg(dir.join("telecine_1948_cast.mp4"))
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("colour     black-and-white (measured on 12 frames)"),
        "{text}"
    );
}

/// A night picture: a small lit picture (56 × 40, 1.3 % of the frame) on near-black, the rest
/// of the frame black; `lit` filters the small picture, `after` the whole frame.
fn night(name: &str, lit: &str, after: &str) -> PathBuf {
    clip(
        name,
        &format!(
            "color=c=0x111111:s=480x360:r=24[bg];testsrc2=size=56x40:rate=24{lit}[fg];[bg][fg]overlay=200:150{after}"
        ),
        "libx264",
        "yuv420p",
        "tv",
        None,
        (480, 360),
    )
}

const SEPIA: &str = "colorchannelmixer=.393:.769:.189:0:.349:.686:.168:0:.272:.534:.131";

#[test]
fn a_dark_toned_picture_is_black_and_white_and_dark_colour_is_not() {
    // Toned night: the median block is black (no cast to measure), the tone only in the lit
    // corner — its chroma, fitted on luma, rises from neutral black in one hue.
    let toned = class_of(&night("night_sepia.mp4", ",hue=s=0", &format!(",{SEPIA}")));
    assert_eq!(toned.class, ColourVerdict::Bw, "{toned:?}");
    assert!(
        toned.reason.contains("rising from neutral blacks"),
        "{toned:?}"
    );
    assert_eq!(
        toned.tone.map(roughcut::facts::Toning::name),
        Some("warm (sepia)"),
        "{toned:?}"
    );
    let at_black = toned.luma_black_u.hypot(toned.luma_black_v);
    let at_grey = toned.luma_grey_u.hypot(toned.luma_grey_v);
    assert!(at_black < 1.5 && at_grey > 10.0, "{toned:?}");
    // The same night in colour, full or faded to 30 %: its lights have several hues.
    for (name, lit) in [("night_colour.mp4", ""), ("night_faded.mp4", ",hue=s=0.3")] {
        let colour = class_of(&night(name, lit, ""));
        assert_eq!(colour.class, ColourVerdict::Colour, "{name}: {colour:?}");
        assert!(colour.hue_spread > 0.3, "{name}: {colour:?}");
    }
    // A night under a uniform cast (blacks tinted too) with faded colour: never black-and-white.
    let cast = class_of(&night(
        "night_faded_cast.mp4",
        ",hue=s=0.25",
        ",lutyuv=u=val+6:v=val+6",
    ));
    assert_ne!(cast.class, ColourVerdict::Bw, "{cast:?}");
}

#[test]
fn misregistered_colour_planes_are_found_and_measured() {
    // A black-and-white scan whose red plane sits 4 px right and 2 down, its blue 4 px left.
    let fringed = class_of(&clip(
        "fringed_wide.mp4",
        "testsrc2=size=320x240:rate=24,hue=s=0,format=rgb24,rgbashift=rh=4:rv=2:bh=-4",
        "libx264",
        "yuv420p",
        "tv",
        None,
        (320, 240),
    ));
    assert_eq!(fringed.class, ColourVerdict::Bw, "{fringed:?}");
    assert!(fringed.plane_shift > 0.6, "{fringed:?}");
    // The displacements found are the ones made: U rises with the luma 4 px right (the blue
    // plane moved left), V with the luma 4 px left and 2 up (the red plane moved right, down).
    assert_eq!(fringed.plane_shift_px, [4, 0, -4, -2], "{fringed:?}");
    // The same picture in colour: its chroma sits inside its patches, no displacement explains it.
    let colour = class_of(&clip(
        "colour_small.mp4",
        "testsrc2=size=320x240:rate=24",
        "libx264",
        "yuv420p",
        "tv",
        None,
        (320, 240),
    ));
    assert_eq!(colour.class, ColourVerdict::Colour, "{colour:?}");
    assert!(colour.plane_shift < 0.3, "{colour:?}");
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "../shared/corpus is absent: these tests need the shared real-world media beside the checkout"
)]
fn corpus_silent_film_is_black_and_white() {
    let corpus = corpus_dir();
    let chaplin = class_of(&corpus.join("media/chaplin.mp4"));
    assert_eq!(chaplin.class, ColourVerdict::Bw, "{chaplin:?}");
    let bbb = class_of(&corpus.join("media/bbb_800x640_768kbps_30fps_avc_non_reference_3b.mp4"));
    assert_eq!(bbb.class, ColourVerdict::Colour, "{bbb:?}");
}

/// A clip made in-process from a corpus file through a filter graph (`movie=` reads it).
fn from_corpus(name: &str, file: &str, filters: &str, (w, h): (u32, u32)) -> PathBuf {
    let movie = corpus_dir().join("media").join(file);
    clip(
        name,
        &format!("movie={},{filters}", movie.display()),
        "libx264",
        "yuv420p",
        "tv",
        None,
        (w, h),
    )
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "../shared/corpus is absent: these tests need the shared real-world media beside the checkout"
)]
fn real_colour_is_never_taken_for_black_and_white() {
    let corpus = corpus_dir();
    // The night street: white lights, a few orange and blue ones, on black.
    let night = class_of(&corpus.join("media/sowt-with-video.mov"));
    assert_eq!(night.class, ColourVerdict::Colour, "{night:?}");
    assert!(
        night.hue_spread > 0.3,
        "its lights have several hues: {night:?}"
    );
    // A grey frame with one small coloured region, from real footage.
    let sky = class_of(&from_corpus(
        "grey_sky_phone.mp4",
        "sample_video_only.mp4",
        "scale=640:360,split[a][b];[a]hue=s=0[g];[b]crop=iw/5:ih/5:iw/2:ih/3[c];[g][c]overlay=W/2:H/3",
        (640, 360),
    ));
    assert_eq!(sky.class, ColourVerdict::Colour, "{sky:?}");
    // The same footage toned sepia is black-and-white, and the tone is named.
    let sepia = class_of(&from_corpus(
        "sepia_chaplin.mp4",
        "chaplin.mp4",
        "hue=s=0,colorchannelmixer=.393:.769:.189:0:.349:.686:.168:0:.272:.534:.131",
        (640, 360),
    ));
    assert_eq!(sepia.class, ColourVerdict::Bw, "{sepia:?}");
    assert_eq!(
        sepia.tone.map(roughcut::facts::Toning::name),
        Some("warm (sepia)"),
        "{sepia:?}"
    );
    // Black-and-white film with temporal chroma noise stays black-and-white.
    let noisy = class_of(&from_corpus(
        "noisy_chaplin.mp4",
        "chaplin.mp4",
        "hue=s=0,noise=c1s=12:c2s=12:c1f=t:c2f=t",
        (640, 360),
    ));
    assert_eq!(noisy.class, ColourVerdict::Bw, "{noisy:?}");
    // Chromatic fringing from misregistered colour planes of a scan is black-and-white.
    let fringed = class_of(&from_corpus(
        "fringed_chaplin.mp4",
        "chaplin.mp4",
        "hue=s=0,format=rgb24,rgbashift=rh=2:bh=-2,format=yuv420p",
        (640, 360),
    ));
    assert_eq!(fringed.class, ColourVerdict::Bw, "{fringed:?}");
    // The night street toned: its few lights carry the tone, its median block is black.
    let night = class_of(&from_corpus(
        "sepia_night.mp4",
        "sowt-with-video.mov",
        &format!("scale=960:540,hue=s=0,{SEPIA}"),
        (960, 540),
    ));
    assert_eq!(night.class, ColourVerdict::Bw, "{night:?}");
    assert!(night.reason.contains("rising"), "{night:?}");
}

#[test]
fn black_and_white_events_are_exactly_neutral() {
    let noise = noisy_scan();
    let dir = workdir("neutral");
    // Colour before each B&W event: a B&W event must not inherit chroma from the cut before it.
    let pics = render_edl(
        &dir,
        "cut",
        &format!(
            r#"{{ "version": 1, "output": {{ "path": "cut.mp4", "width": 640, "height": 360 }},
               "sources": {{ "hd": {{ "path": "../knam_hd.mp4" }}, "cast": {{ "path": "../telecine_1948_cast.mp4" }},
                             "noise": {{ "path": "{}" }}, "gray": {{ "path": "../builders_1932_gray.mp4" }} }},
               "timeline": [
                 {{ "source": "hd", "in": 0, "duration": "10f" }}, {{ "source": "cast", "in": 1, "duration": "10f" }},
                 {{ "source": "hd", "in": 1, "duration": "10f" }}, {{ "source": "noise", "in": 1, "duration": "10f" }},
                 {{ "source": "hd", "in": 2, "duration": "10f" }}, {{ "source": "gray", "in": 1, "duration": "10f" }},
                 {{ "source": "hd", "in": 3, "duration": "10f" }}, {{ "source": "hd", "in": 0, "duration": "10f", "look": "monochrome" }}
               ] }}"#,
            noise.display()
        ),
    );
    assert_eq!(pics.len(), 80);
    let mut worst_bw = 0;
    for (k, p) in pics.iter().enumerate() {
        let dev = p.max_chroma_deviation(0, 0, p.width, p.height);
        if (k / 10) % 2 == 1 {
            assert!(
                dev <= 1,
                "B&W frame {k}: a chroma sample is {dev} off neutral"
            );
            worst_bw = worst_bw.max(dev);
        } else {
            assert!(dev > 20, "colour frame {k} kept its colour");
        }
    }
    eprintln!("worst chroma deviation over the B&W events: {worst_bw}");
}

#[test]
fn gray_full_range_maps_into_limited_range() {
    let src = clip(
        "gray_64_192.mkv",
        "color=c=0x404040:s=320x240:r=24,drawbox=x=160:y=0:w=160:h=240:color=0xC0C0C0:t=fill",
        "ffv1",
        "gray",
        "pc",
        None,
        (320, 240),
    );
    let dir = workdir("range");
    let pics = render_edl(
        &dir,
        "cut",
        &format!(
            r#"{{ "version": 1, "output": {{ "path": "cut.mp4", "width": 320, "height": 240 }},
               "sources": {{ "g": {{ "path": "{}" }} }}, "timeline": [ {{ "source": "g", "in": 0, "duration": "5f" }} ] }}"#,
            src.display()
        ),
    );
    let p = &pics[2];
    let (dark, light) = (p.mean_y(20, 20, 100, 200), p.mean_y(200, 20, 100, 200));
    eprintln!("gray 64 → {dark:.2}, gray 192 → {light:.2}");
    assert!(
        (dark - 71.0).abs() <= 2.0,
        "full-range 64 became {dark:.1}, expected 71"
    );
    assert!(
        (light - 181.0).abs() <= 2.0,
        "full-range 192 became {light:.1}, expected 181"
    );
}

/// BT.709 limited-range YUV → 8-bit RGB.
fn rgb709(y: f64, u: f64, v: f64) -> [f64; 3] {
    let (y, u, v) = (1.164384 * (y - 16.0), u - 128.0, v - 128.0);
    [
        y + 1.792741 * v,
        y - 0.213249 * u - 0.532909 * v,
        y + 2.112402 * u,
    ]
}

#[test]
fn colour_patches_keep_their_rgb_from_sd_and_hd_sources() {
    // A patch of RGB (192, 64, 32): SD untagged (BT.601 by convention), HD tagged BT.709.
    let sd = clip(
        "patch_sd.mp4",
        "color=c=0xC04020:s=720x576:r=24,format=rgb24,scale=out_color_matrix=bt601:out_range=tv",
        "libx264",
        "yuv420p",
        "tv",
        None,
        (720, 576),
    );
    let hd = clip(
        "patch_hd.mp4",
        "color=c=0xC04020:s=1280x720:r=24,format=rgb24,scale=out_color_matrix=bt709:out_range=tv",
        "libx264",
        "yuv420p",
        "tv",
        Some("bt709"),
        (1280, 720),
    );
    let dir = workdir("matrix");
    let pics = render_edl(
        &dir,
        "cut",
        &format!(
            r#"{{ "version": 1, "output": {{ "path": "cut.mp4", "width": 640, "height": 360 }},
               "sources": {{ "sd": {{ "path": "{}" }}, "hd": {{ "path": "{}" }} }},
               "timeline": [ {{ "source": "sd", "in": 0, "duration": "5f" }}, {{ "source": "hd", "in": 0, "duration": "5f" }} ] }}"#,
            sd.display(),
            hd.display()
        ),
    );
    for (k, label) in [(2usize, "SD BT.601"), (7, "HD BT.709")] {
        let p = &pics[k];
        let (cx, cy) = (p.width / 2, p.height / 2);
        let y = p.mean_y(cx - 8, cy - 8, 16, 16);
        let ci = (cy / 2) * p.width.div_ceil(2) + cx / 2;
        let rgb = rgb709(y, p.u[ci] as f64, p.v[ci] as f64);
        eprintln!("{label}: RGB {:.1} {:.1} {:.1}", rgb[0], rgb[1], rgb[2]);
        for (got, want) in rgb.iter().zip([192.0, 64.0, 32.0]) {
            assert!(
                (got - want).abs() <= 5.0,
                "{label}: RGB {rgb:?} should be (192, 64, 32)"
            );
        }
    }
}

#[test]
fn validate_warns_when_a_declaration_contradicts_the_measurement() {
    let dir = workdir("declared");
    let path = dir.join("d.json");
    std::fs::write(
        &path,
        r#"{ "version": 1, "sources": { "cast": { "path": "../telecine_1948_cast.mp4", "colour": "colour" },
                                         "hd": { "path": "../knam_hd.mp4", "colour": "bw" } },
            "timeline": [ { "source": "cast", "in": 0, "out": 1 }, { "source": "hd", "in": 0, "out": 1 } ] }"#,
    )
    .expect("write EDL");
    let out = roughcut()
        .args(["validate", "--format", "json"])
        .arg(&path)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "warnings do not fail validation"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let entries = v.as_array().expect("array");
    // Every probed source's judgement follows the problems, whatever its verdict.
    let infos: Vec<&serde_json::Value> =
        entries.iter().filter(|d| d["severity"] == "info").collect();
    assert_eq!(infos.len(), 2, "{entries:?}");
    assert_eq!(infos[0]["pointer"], "/sources/cast/colour");
    assert_eq!(infos[0]["source"], "cast");
    assert_eq!(infos[0]["declared"], "colour");
    assert_eq!(infos[0]["colour"]["class"], "bw");
    assert!(
        infos[0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("cast: black-and-white (")),
        "{:?}",
        infos[0]
    );
    assert_eq!(infos[1]["source"], "hd");
    assert_eq!(infos[1]["declared"], "bw");
    assert_eq!(infos[1]["colour"]["class"], "colour");
    assert!(
        infos[1]["colour"]["strong_chroma"]
            .as_f64()
            .is_some_and(|s| s >= 5.0),
        "the measurements come with the verdict: {:?}",
        infos[1]
    );
    let warnings: Vec<(&str, &str)> = entries
        .iter()
        .filter(|d| d["severity"] != "info")
        .map(|d| {
            (
                d["pointer"].as_str().unwrap_or(""),
                d["message"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert_eq!(warnings[0].0, "/sources/cast/colour");
    assert!(
        warnings[0].1.contains("measures as black-and-white"),
        "{warnings:?}"
    );
    assert_eq!(warnings[1].0, "/sources/hd/colour");
    assert!(warnings[1].1.contains("measures as colour"), "{warnings:?}");
}

#[test]
fn sepia_tones_black_and_white_material_warm_and_leaves_bars_black() {
    let dir = workdir("sepia");
    let pics = render_edl(
        &dir,
        "cut",
        r#"{ "version": 1, "output": { "path": "cut.mp4", "width": 640, "height": 360 },
            "sources": { "gray": { "path": "../builders_1932_gray.mp4" } },
            "timeline": [ { "source": "gray", "in": 0, "duration": "5f", "look": "sepia" } ] }"#,
    );
    let p = &pics[2];
    // 4:3 in 16:9: the picture is 480 wide from x = 80.
    let ci = |x: usize, y: usize| (y / 2) * p.width.div_ceil(2) + x / 2;
    let (u, v) = (p.u[ci(320, 180)], p.v[ci(320, 180)]);
    assert!(u < 124 && v > 132, "sepia is warm: U {u}, V {v}");
    assert_eq!(
        p.max_chroma_deviation(0, 0, 64, 360),
        0,
        "the pillarbox stays neutral black"
    );
    assert!(p.mean_y(0, 0, 64, 360) < 17.0);
}

#[test]
fn tint_looks_and_the_output_bw_finish() {
    let dir = workdir("tint");
    let pics = render_edl(
        &dir,
        "cut",
        r##"{ "version": 1, "output": { "path": "cut.mp4", "width": 640, "height": 360, "bw": { "tint": "#3a5f8a" } },
            "sources": { "gray": { "path": "../builders_1932_gray.mp4" }, "hd": { "path": "../knam_hd.mp4" } },
            "timeline": [ { "source": "gray", "in": 0, "duration": "5f" },
                          { "source": "hd", "in": 0, "duration": "5f", "look": "monochrome" },
                          { "source": "hd", "in": 1, "duration": "5f", "look": { "tint": "#704214" } },
                          { "source": "hd", "in": 2, "duration": "5f" } ] }"##,
    );
    let chroma = |p: &Picture| {
        let i = (p.height / 4) * p.width.div_ceil(2) + p.width / 4;
        (p.u[i], p.v[i])
    };
    let blue = roughcut::edl::Tone::parse_hex("#3a5f8a").expect("colour");
    let brown = roughcut::edl::Tone::parse_hex("#704214").expect("colour");
    // B&W source and monochrome look: the output's blue finish, every chroma sample.
    for k in [2usize, 7] {
        let (u, v) = chroma(&pics[k]);
        assert!(
            u.abs_diff(blue.u) <= 1 && v.abs_diff(blue.v) <= 1,
            "frame {k}: U {u} V {v}, want {blue:?}"
        );
    }
    // A tint look on an event wins over the finish.
    let (u, v) = chroma(&pics[12]);
    assert!(
        u.abs_diff(brown.u) <= 1 && v.abs_diff(brown.v) <= 1,
        "U {u} V {v}, want {brown:?}"
    );
    // Colour stays colour.
    assert!(pics[17].max_chroma_deviation(0, 0, 640, 360) > 20);
}

#[test]
fn colour_verdicts_are_kept_in_the_facts_cache_until_the_file_content_changes() {
    let dir = workdir("facts-cache");
    let cache = dir.join("cache");
    let src = dir.join("scan.mp4");
    std::fs::copy(samples_dir().join("telecine_1948_cast.mp4"), &src).unwrap();
    let edl = dir.join("cut.json");
    std::fs::write(
        &edl,
        r#"{ "version": 1, "sources": { "scan": { "path": "scan.mp4" } },
             "timeline": [ { "source": "scan", "in": 0, "duration": "1s" } ] }"#,
    )
    .unwrap();
    let validate = || {
        let out = roughcut()
            .env("ROUGHCUT_CACHE_DIR", &cache)
            .arg("validate")
            .arg(&edl)
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let first = validate();
    assert!(first.contains("scan: black-and-white ("), "{first}");
    // The probe left its facts in the cache: mark them, and the next validate reads the mark
    // instead of decoding the file again.
    let mut stored = Vec::new();
    let mut stack = vec![cache.join("facts")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                stored.push(e.path());
            }
        }
    }
    assert_eq!(stored.len(), 1, "{stored:?}");
    let mut facts: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&stored[0]).unwrap()).unwrap();
    facts["colour"]["reason"] = "as measured before".into();
    std::fs::write(&stored[0], facts.to_string()).unwrap();
    let second = validate();
    assert!(second.contains("(as measured before)"), "{second}");
    // The same bytes written again (a copy, a checkout: a new modification time) keep their
    // facts: the file is hashed again and found to be the same.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let bytes = std::fs::read(&src).unwrap();
    std::fs::write(&src, &bytes).unwrap();
    let third = validate();
    assert!(third.contains("(as measured before)"), "{third}");
    // Changed bytes (one byte of the last packet) are measured again.
    let mut changed = bytes;
    let at = changed.len() - 100;
    changed[at] ^= 0x55;
    std::fs::write(&src, changed).unwrap();
    let fourth = validate();
    assert!(
        fourth.contains("scan: black-and-white (") && !fourth.contains("as measured before"),
        "{fourth}"
    );
}
