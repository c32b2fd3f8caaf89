//! Title cards: text drawn where expected, Cyrillic included, special characters literal, fonts
//! checked at validation.

use roughcut::edl::LoadError;
use roughcut::media::measure::Picture;

use crate::common::{pictures, render, render_edl, roughcut, samples_dir, workdir};

fn render_title(name: &str, text_json: &str) -> Vec<Picture> {
    render_edl(
        &workdir(name),
        "t",
        &format!(
            r#"{{ "version": 1, "output": {{ "path": "t.mp4", "width": 640, "height": 360 }}, "sources": {{}},
               "timeline": [ {{ "title": {{ "text": {text_json}, "duration": "5f" }} }}, {{ "gap": "2f" }} ] }}"#
        ),
    )
}

/// Pixels brighter than the black background in a rectangle.
fn lit(p: &Picture, x0: usize, y0: usize, w: usize, h: usize) -> usize {
    let mut n = 0;
    for y in y0..(y0 + h).min(p.height) {
        for x in x0..(x0 + w).min(p.width) {
            if p.y[y * p.width + x] > 100 {
                n += 1;
            }
        }
    }
    n
}

#[test]
fn bilingual_title_is_drawn_in_the_centre() {
    let pics = render_title("bilingual", r#""Комсомольск-на-Амуре\nKomsomolsk-on-Amur""#);
    assert_eq!(pics.len(), 7);
    let p = &pics[2];
    // Two lines of 30 px text around the middle of a 640x360 frame; nothing near the edges.
    let upper = lit(p, 80, 140, 480, 40);
    let lower = lit(p, 80, 180, 480, 40);
    eprintln!("title: {upper} lit pixels on the Cyrillic line, {lower} on the Latin line");
    assert!(
        upper > 500,
        "the Cyrillic line is drawn ({upper} lit pixels)"
    );
    assert!(lower > 500, "the Latin line is drawn ({lower} lit pixels)");
    assert_eq!(lit(p, 0, 0, 640, 100), 0, "nothing in the top band");
    assert_eq!(lit(p, 0, 0, 60, 360), 0, "nothing at the left edge");
    // Centred: as much text left of the middle as right of it (within 25 %).
    let (l, r) = (lit(p, 0, 140, 320, 80), lit(p, 320, 140, 320, 80));
    assert!(l.abs_diff(r) * 4 < l + r, "left {l} vs right {r}");
    // The gap after it is black.
    assert_eq!(lit(&pics[6], 0, 0, 640, 360), 0);
}

/// The first picture of a graph that generates pictures (FFmpeg filter-graph syntax), as planes.
fn generated(spec: &str) -> Vec<u8> {
    use ffmpeg_next as ff;
    use roughcut::media::graph::{Graph, Medium};
    roughcut::media::init();
    let mut g = Graph::generator(Medium::Video, spec).expect("reference graph");
    let mut f = ff::frame::Video::empty();
    assert!(g.pull(&mut f).expect("reference picture"));
    let (w, h) = (f.width() as usize, f.height() as usize);
    let stride = f.stride(0);
    (0..h)
        .flat_map(|r| f.data(0)[r * stride..r * stride + w].to_vec())
        .collect()
}

#[test]
fn special_characters_are_drawn_literally() {
    // Quotes, colons, commas, semicolons, brackets, percent signs and backslashes are text, not
    // filter syntax or drawtext expansions: the card (rendered losslessly) has exactly the
    // pixels of the same string drawn from a text file with expansion off.
    let text = r"It's 100% \ done: a, b; [c] %{pts} 'q'";
    let dir = workdir("special");
    let edl = dir.join("t.json");
    std::fs::write(
        &edl,
        format!(
            r#"{{ "version": 1, "output": {{ "path": "t.mkv", "width": 640, "height": 360, "video": {{ "crf": 0 }},
                 "audio": {{ "codec": "pcm_s16le" }} }}, "sources": {{}},
               "timeline": [ {{ "title": {{ "text": {}, "duration": "5f" }} }} ] }}"#,
            serde_json::to_string(text).unwrap()
        ),
    )
    .unwrap();
    render(&edl, &["--no-cache"]);
    let pics = pictures(&dir.join("t.mkv"));
    assert_eq!(pics.len(), 5);
    let plan = crate::common::plan_for(&edl);
    let roughcut::plan::Picture::Title(t) = &plan.segments[0].picture else {
        panic!("the first segment is the title card");
    };
    let file = dir.join("text.txt");
    std::fs::write(&file, text).unwrap();
    let reference = |expansion: &str| {
        generated(&format!(
            "color=c=black:s=640x360:r=25,drawtext=fontfile={}:textfile={}:expansion={expansion}:fontsize={}:fontcolor={}:x=(w-text_w)/2:y={},format=yuv420p",
            t.font.display(),
            file.display(),
            t.size,
            t.colour,
            t.lines[0].y
        ))
    };
    let literal = reference("none");
    let lit_pixels = literal.iter().filter(|&&y| y > 100).count();
    assert!(
        lit_pixels > 400,
        "the reference draws the line ({lit_pixels} px)"
    );
    for (k, p) in pics.iter().enumerate() {
        assert!(p.y == literal, "frame {k} differs from the literal text");
    }
    // The comparison can tell: with expansion on, `%{pts}` becomes a number and the picture
    // differs.
    assert!(
        reference("normal") != literal,
        "expansion would change the picture"
    );
}

#[test]
fn fonts_are_checked_at_validation() {
    let dir = samples_dir();
    let check = |text: &str| match crate::common::load_str(text, &dir.join("font.json")) {
        Ok(_) => Vec::new(),
        Err(LoadError::Invalid { diagnostics, .. }) => diagnostics
            .into_iter()
            .filter(|d| d.is_error())
            .map(|d| format!("{} {}", d.pointer, d.message))
            .collect(),
        Err(e) => panic!("{e}"),
    };
    let errs = check(
        r#"{ "version": 1, "sources": {}, "timeline": [ { "title": { "text": "Tokyo 東京", "duration": "1s" } } ] }"#,
    );
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].starts_with("/timeline/0/title/text"), "{errs:?}");
    assert!(
        errs[0].contains("`京` (U+4EAC)") && errs[0].contains("`東` (U+6771)"),
        "{errs:?}"
    );
    let errs = check(
        r#"{ "version": 1, "sources": {}, "timeline": [ { "title": { "text": "x", "duration": "1s", "font": "no/such/font.ttf" } } ] }"#,
    );
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].starts_with("/timeline/0/title/font") && errs[0].contains("cannot read the font"),
        "{errs:?}"
    );
    let errs = check(
        r#"{ "version": 1, "sources": {}, "timeline": [ { "title": { "text": "x", "duration": "1s", "colour": "white" } } ] }"#,
    );
    assert!(errs[0].starts_with("/timeline/0/title/colour"), "{errs:?}");
    // Cyrillic and Latin are covered by the default font.
    assert!(check(r#"{ "version": 1, "sources": {}, "timeline": [ { "title": { "text": "Комсомольск «1932» — Amur", "duration": "1s" } } ] }"#).is_empty());
}

#[test]
fn burned_in_overlays_count_frames_and_keep_the_centre_clear() {
    let dir = workdir("overlays");
    let path = dir.join("o.json");
    std::fs::write(
        &path,
        r#"{ "version": 1, "output": { "path": "o.mp4", "width": 640, "height": 360 }, "sources": {},
            "timeline": [ { "gap": "6f", "name": "black: 'gap' 100%" } ],
            "overlays": { "timecode": true, "clip_name": true, "watermark": "PREVIEW" } }"#,
    )
    .expect("write EDL");
    render(&path, &[]);
    let pics = pictures(&dir.join("o.mp4"));
    assert_eq!(pics.len(), 6);
    // The record timecode (bottom left) changes from frame to frame.
    let region = |p: &Picture| -> Vec<u8> {
        (300..345)
            .flat_map(|y| p.y[y * 640..y * 640 + 200].to_vec())
            .collect()
    };
    for k in 1..pics.len() {
        let (a, b) = (region(&pics[k - 1]), region(&pics[k]));
        let changed = a
            .iter()
            .zip(&b)
            .filter(|(x, y)| x.abs_diff(**y) > 30)
            .count();
        assert!(
            changed >= 5,
            "frames {} and {k}: timecode unchanged ({changed} pixels)",
            k - 1
        );
        // Nothing else moves on a black gap: the change is the timecode.
        assert_eq!(lit(&pics[k], 160, 90, 320, 180), 0);
    }
    let p = &pics[3];
    assert!(lit(p, 0, 0, 200, 40) > 50, "watermark top left");
    assert!(
        lit(p, 400, 280, 240, 80) > 50,
        "clip name and source time bottom right"
    );
    assert_eq!(
        lit(p, 160, 90, 320, 180),
        0,
        "nothing in the centre of the picture"
    );
}

#[test]
fn lower_third_on_a_coloured_card() {
    let dir = workdir("lower");
    let path = dir.join("l.json");
    std::fs::write(
        &path,
        r##"{ "version": 1, "output": { "path": "l.mp4", "width": 640, "height": 360 }, "sources": {},
            "timeline": [ { "title": { "text": "Archive, 1932", "duration": "3f", "background": "#204080", "position": "lower_third", "size": 24 } } ] }"##,
    )
    .expect("write EDL");
    render(&path, &[]);
    let pics = pictures(&dir.join("l.mp4"));
    let p = &pics[1];
    // The card is blue (U above, V below neutral) and the text sits in the lower third only.
    let ci = (40 / 2) * 320 + 20 / 2;
    assert!(
        p.u[ci] > 150 && p.v[ci] < 120,
        "blue card: U {} V {}",
        p.u[ci],
        p.v[ci]
    );
    let text_rows = |y0: usize, y1: usize| {
        (y0..y1)
            .flat_map(|y| (0..640).map(move |x| (x, y)))
            .filter(|&(x, y)| p.y[y * 640 + x] > 150)
            .count()
    };
    assert!(text_rows(240, 360) > 200, "text in the lower third");
    assert_eq!(text_rows(0, 200), 0, "nothing above it");
}

#[test]
fn transparent_title_is_drawn_over_the_previous_shot_carrying_on() {
    let dir = workdir("transparent");
    let path = dir.join("t.json");
    std::fs::write(
        &path,
        r#"{ "version": 1, "output": { "path": "t.mp4", "width": 640, "height": 360 },
            "sources": { "hd": { "path": "../knam_hd.mp4" } },
            "timeline": [ { "source": "hd", "in": 0, "duration": "10f" },
                          { "title": { "text": "Teatr", "duration": "10f", "background": "transparent", "position": "lower_third" } } ] }"#,
    )
    .expect("write EDL");
    render(&path, &[]);
    let pics = pictures(&dir.join("t.mp4"));
    assert_eq!(pics.len(), 20);
    // The shot carries on under the title: colour in the upper part, like the frames before.
    let p = &pics[15];
    assert!(
        p.max_chroma_deviation(0, 0, 640, 200) > 20,
        "the picture shows through"
    );
    // And the sound carries on too.
    let sound = roughcut::media::measure::decode_sound(&dir.join("t.mp4"))
        .expect("decode")
        .expect("sound");
    let tail = &sound.samples[(30_000 * 2)..(36_000 * 2)];
    let rms = (tail.iter().map(|x| x * x).sum::<f32>() / tail.len() as f32).sqrt();
    assert!(rms > 0.05, "sound under the title: RMS {rms}");
}

#[test]
fn overlays_at_the_top_and_watermark_glyphs_checked() {
    let dir = workdir("overlays-top");
    let path = dir.join("o.json");
    std::fs::write(
        &path,
        r#"{ "version": 1, "output": { "path": "o.mp4", "width": 640, "height": 360 }, "sources": {},
            "timeline": [ { "gap": "3f" } ],
            "overlays": { "timecode": true, "watermark": "PREVIEW", "position": "top", "size": 20 } }"#,
    )
    .expect("write EDL");
    render(&path, &[]);
    let pics = pictures(&dir.join("o.mp4"));
    let p = &pics[1];
    assert!(lit(p, 0, 0, 250, 70) > 30, "timecode along the top");
    assert!(lit(p, 0, 300, 250, 60) > 30, "watermark at the bottom");
    assert_eq!(lit(p, 160, 90, 320, 180), 0, "centre clear");
    // A watermark the overlay font cannot draw is refused at validation.
    std::fs::write(
        &path,
        r#"{ "version": 1, "sources": {}, "timeline": [ { "gap": "3f" } ], "overlays": { "watermark": "試写" } }"#,
    )
    .expect("write EDL");
    let out = roughcut().arg("validate").arg(&path).output().expect("run");
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("/overlays/watermark") && stderr.contains("U+8A66"),
        "{stderr}"
    );
}
