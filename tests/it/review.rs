//! Reviewing cuts: `roughcut diff` between two EDLs and against a git revision.

use std::path::Path;

use roughcut::media::image::Rgb;

use crate::common::{roughcut, workdir};

/// The example cut with its media paths pointing at the test's samples.
fn example() -> serde_json::Value {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("edl/komsomolsk-rough-cut.json"),
    )
    .unwrap()
    .replace("media/", "../");
    serde_json::from_str(&text).unwrap()
}

/// `roughcut ARGS` run in `dir`.
fn run_in(dir: &Path, args: &[&str]) -> std::process::Output {
    roughcut().args(args).current_dir(dir).output().unwrap()
}

fn write(path: &Path, v: &serde_json::Value) {
    std::fs::write(path, serde_json::to_string_pretty(v).unwrap()).unwrap();
}

#[test]
fn diff_names_exactly_a_trim_a_move_and_a_new_event() {
    let dir = workdir("diff");
    let old = example();
    let mut new = old.clone();
    let tl = new["timeline"].as_array_mut().unwrap();
    // One trim (12 source frames off the telecine's head), one move (the photograph to the
    // end), one new event.
    let telecine = tl
        .iter_mut()
        .find(|e| e["name"] == "telecine, 1948")
        .unwrap();
    assert_eq!(telecine["in"], "48f");
    telecine["in"] = "60f".into();
    let at = tl
        .iter()
        .position(|e| e["name"] == "harbour, 1957")
        .unwrap();
    let harbour = tl.remove(at);
    tl.push(harbour);
    tl.push(serde_json::json!({ "source": "amur", "in": "7s", "duration": "1s", "name": "river, last light" }));
    write(&dir.join("old.json"), &old);
    write(&dir.join("new.json"), &new);

    let out = run_in(&dir, &["diff", "old.json", "new.json", "--json"]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let changes = v["diff"]["changes"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = changes
        .iter()
        .map(|c| {
            let e = c.get("new").unwrap_or(&c["old"]);
            (c["change"].as_str().unwrap(), e["name"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("trimmed", "telecine, 1948"),
            ("moved", "harbour, 1957"),
            ("added", "river, last light")
        ]
    );
    // The telecine (23.976 fps) lost 12 of its frames — half a second, 12.5 output frames,
    // rounded up — at the head; its length is the same, so the tail gained as many.
    let trim = &changes[0];
    assert_eq!(trim["head_frames"], 13);
    assert_eq!(trim["tail_frames"], -13);
    assert_eq!(trim["new"]["timecode"], "00:00:12:00");
    assert_eq!(changes[1]["old"]["event"], 6);
    assert_eq!(changes[1]["new"]["event"], 11);
    assert_eq!(
        v["diff"]["new_frames"].as_i64().unwrap() - v["diff"]["old_frames"].as_i64().unwrap(),
        25
    );

    // The storyboard of the new cut frames exactly those three shots, each in its colour.
    let out = run_in(
        &dir,
        &["diff", "old.json", "new.json", "--storyboard", "board"],
    );
    assert_eq!(out.status.code(), Some(4));
    let board: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("board/storyboard.json")).unwrap())
            .unwrap();
    let marked: Vec<(usize, &str, &str)> = board["cards"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .filter(|(_, c)| !c["changed"].is_null())
        .map(|(k, c)| {
            (
                k,
                c["name"].as_str().unwrap(),
                c["changed"]["kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        marked,
        [
            (5, "telecine, 1948", "trimmed"),
            (10, "harbour, 1957", "moved"),
            (11, "river, last light", "added")
        ]
    );
    let sheet = &png_rgb(&dir.join("board/contact-sheet.png"));
    let size = &board["thumbnail_size"];
    let layout = roughcut::storyboard::sheet::Layout::new(
        12,
        size[0].as_u64().unwrap() as usize,
        size[1].as_u64().unwrap() as usize,
    );
    assert_eq!((sheet.width, sheet.height), (layout.width, layout.height));
    // The frame's colour, three pixels left of each thumbnail (the frame is three wide, a
    // pixel off the picture).
    let border = |k: usize| {
        let (x, y) = layout.thumb_at(k);
        sheet.at(x - 3, y + 40).unwrap()
    };
    use roughcut::storyboard::sheet::{change_colour, BACKGROUND};
    assert_eq!(border(5), change_colour("trimmed"));
    assert_eq!(border(10), change_colour("moved"));
    assert_eq!(border(11), change_colour("added"));
    assert_eq!(border(4), BACKGROUND);

    // The same cut: no changes, exit 0.
    let same = run_in(&dir, &["diff", "old.json", "old.json"]);
    assert_eq!(same.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&same.stderr).contains("0 change(s)"));

    // A trim alone shifts later events' record times: nothing else is reported.
    let mut trimmed = old.clone();
    trimmed["timeline"][2]["out"] = "5s".into();
    write(&dir.join("trimmed.json"), &trimmed);
    let out = run_in(&dir, &["diff", "old.json", "trimmed.json"]);
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("1 change(s)") && text.contains("trimmed   event 3 \"Amur embankment\""),
        "{text}"
    );
    // 87.5 frames of source became 88: 12 frames off the tail, as the program lost.
    assert!(
        text.contains("head unchanged, tail -12 frames (100 → 88 frames)"),
        "{text}"
    );
}

#[test]
fn diff_against_a_git_revision_reads_the_file_from_git() {
    let dir = workdir("diff-git");
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&["init", "-q"]);
    let mut cut = example();
    write(&dir.join("cut.json"), &cut);
    git(&["add", "cut.json"]);
    git(&["commit", "-q", "-m", "first"]);
    cut["timeline"].as_array_mut().unwrap().remove(4);
    write(&dir.join("cut.json"), &cut);
    let out = run_in(&dir, &["diff", "cut.json", "--rev", "HEAD"]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.starts_with("cut.json@HEAD → cut.json: 1 change(s)"),
        "{text}"
    );
    assert!(text.contains("removed   event 5 \"breath\""), "{text}");
    // A revision that does not have the file: invalid input, said plainly.
    let out = run_in(&dir, &["diff", "cut.json", "--rev", "HEAD~5"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at revision HEAD~5"));
}

/// Copy `from` to `to` with its sound `shift` samples later (timestamps only: the picture is
/// untouched, and each stream's timestamps stay perfect).
fn shift_sound(from: &Path, to: &Path, shift: i64) {
    use ffmpeg_next as ff;
    ff::init().unwrap();
    let mut ictx = ff::format::input(&from).unwrap();
    let mut octx = ff::format::output(&to).unwrap();
    let mut map = Vec::new();
    for st in ictx.streams() {
        let mut o = octx
            .add_stream(ff::encoder::find(ff::codec::Id::None))
            .unwrap();
        // MP4 to MP4: the codec tags carry over as they are.
        o.set_parameters(st.parameters());
        map.push((st.index(), st.time_base(), st.parameters().medium()));
    }
    octx.write_header().unwrap();
    for (st, mut packet) in ictx.packets() {
        let (_, tb, medium) = map[st.index()];
        let otb = octx.stream(st.index()).unwrap().time_base();
        if medium == ff::media::Type::Audio {
            // `shift` samples at the stream's time base (1/sample rate for AAC in MP4).
            let add = shift * i64::from(tb.denominator()) / 48000 / i64::from(tb.numerator());
            packet.set_pts(packet.pts().map(|t| t + add));
            packet.set_dts(packet.dts().map(|t| t + add));
        }
        packet.rescale_ts(tb, otb);
        packet.set_position(-1);
        packet.set_stream(st.index());
        packet.write_interleaved(&mut octx).unwrap();
    }
    octx.write_trailer().unwrap();
}

/// The presentation time (in its stream's ticks) of the second sound packet: where the sound
/// really starts once the encoder's priming packet is set aside.
fn second_sound_pts(path: &Path) -> i64 {
    use ffmpeg_next as ff;
    ff::init().unwrap();
    let mut ictx = ff::format::input(&path).unwrap();
    let audio = ictx.streams().best(ff::media::Type::Audio).unwrap().index();
    ictx.packets()
        .filter(|(st, _)| st.index() == audio)
        .nth(1)
        .and_then(|(_, p)| p.pts())
        .unwrap()
}

#[test]
fn verify_passes_a_fresh_render_and_catches_a_stale_one_and_shifted_sound() {
    let dir = workdir("verify");
    let mut cut = example();
    cut["output"]["width"] = 320.into();
    cut["output"]["height"] = 180.into();
    cut["output"]["path"] = "cut.mp4".into();
    write(&dir.join("cut.json"), &cut);
    crate::common::render(&dir.join("cut.json"), &[]);

    let verify = |edl: &str, file: &str| {
        let out = run_in(&dir, &["verify", edl, file, "--json"]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        (out.status.code(), v)
    };
    // A fresh render matches: every check, 33 frames of 11 events, the sound in place — with
    // the references taken from the render's cached segments (the default), and with every
    // reference rendered anew (`--no-cache`): the same frames, the same verdict.
    let (code, v) = verify("cut.json", "cut.mp4");
    assert_eq!(code, Some(0), "{v:#}");
    assert_eq!(v["matches"], true);
    let anew = run_in(
        &dir,
        &["verify", "cut.json", "cut.mp4", "--json", "--no-cache"],
    );
    assert_eq!(
        anew.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&anew.stderr)
    );
    let anew: serde_json::Value = serde_json::from_slice(&anew.stdout).unwrap();
    let frames_of = |v: &serde_json::Value| -> Vec<i64> {
        v["events"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|e| {
                e["frames"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f["frame"].as_i64().unwrap())
            })
            .collect()
    };
    assert_eq!(frames_of(&v), frames_of(&anew));
    // The example's −23 LUFS target and its subtitle track with its cues were checked too.
    let checked: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["what"].as_str().unwrap())
        .collect();
    for what in [
        "frames",
        "samples",
        "loudness",
        "subtitle tracks",
        "cues of subtitle track 1",
    ] {
        assert!(checked.contains(&what), "{what} not checked: {checked:?}");
    }
    let events = v["events"].as_array().unwrap();
    assert_eq!(events.len(), 11);
    let frames: usize = events
        .iter()
        .map(|e| e["frames"].as_array().unwrap().len())
        .sum();
    assert_eq!(frames, 33);
    let lags: Vec<i64> = events
        .iter()
        .filter_map(|e| e["sound_lag"].as_i64())
        .collect();
    assert!(lags.len() >= 5 && lags.iter().all(|&l| l == 0), "{lags:?}");

    // A stale render: the EDL has since trimmed the Amur embankment. The events before it
    // still match; it and everything after differ, and it is named.
    let mut trimmed = cut.clone();
    trimmed["timeline"][2]["out"] = "5s".into();
    write(&dir.join("trimmed.json"), &trimmed);
    let (code, v) = verify("trimmed.json", "cut.mp4");
    assert_eq!(code, Some(4));
    assert_eq!(v["matches"], false);
    let events = v["events"].as_array().unwrap();
    assert!(events[0]["problems"].as_array().unwrap().is_empty());
    assert!(events[1]["problems"].as_array().unwrap().is_empty());
    assert_eq!(events[2]["name"], "Amur embankment");
    assert!(
        !events[2]["problems"].as_array().unwrap().is_empty(),
        "{:#}",
        events[2]
    );
    let frames_check = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["what"] == "frames")
        .unwrap();
    assert_eq!(
        (
            frames_check["expected"].as_str(),
            frames_check["found"].as_str()
        ),
        (Some("700"), Some("712"))
    );
    let text = run_in(&dir, &["verify", "trimmed.json", "cut.mp4"]);
    let text = String::from_utf8_lossy(&text.stderr);
    assert!(
        text.contains("event 3 \"Amur embankment\": frame"),
        "{text}"
    );

    // The same file with its sound one frame (1920 samples) late: perfect timestamps, shifted
    // sound — found by correlation, in samples. (Remuxing moves the priming packet: the shift
    // the file really has is read from its packets — 1888 here.)
    shift_sound(&dir.join("cut.mp4"), &dir.join("late.mp4"), 1920);
    let shift = second_sound_pts(&dir.join("late.mp4")) - second_sound_pts(&dir.join("cut.mp4"));
    assert!((1800..=1920).contains(&shift), "{shift}");
    let (code, v) = verify("cut.json", "late.mp4");
    assert_eq!(code, Some(4), "{v:#}");
    let lags: Vec<i64> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["sound_lag"].as_i64())
        .collect();
    assert!(
        lags.len() >= 5 && lags.iter().all(|&l| l == shift),
        "{lags:?} vs {shift}"
    );
    let text = run_in(&dir, &["verify", "cut.json", "late.mp4"]);
    let text = String::from_utf8_lossy(&text.stderr);
    assert!(
        text.contains(&format!("the sound is {shift} samples"))
            && text.contains("behind the picture"),
        "{text}"
    );
}

/// A PNG file's pixels in RGB, as they are stored (no colour conversion on the way).
fn png_rgb(path: &Path) -> Rgb {
    use ffmpeg_next as ff;
    ff::init().unwrap();
    let mut ictx = ff::format::input(&path).unwrap();
    let st = ictx.streams().best(ff::media::Type::Video).unwrap();
    let index = st.index();
    let ctx = ff::codec::context::Context::from_parameters(st.parameters()).unwrap();
    let mut dec = ctx.decoder().video().unwrap();
    let mut frame = ff::frame::Video::empty();
    for (s, p) in ictx.packets() {
        if s.index() == index {
            dec.send_packet(&p).unwrap();
        }
    }
    dec.send_eof().unwrap();
    dec.receive_frame(&mut frame).unwrap();
    assert_eq!(frame.format(), ff::format::Pixel::RGB24);
    let (w, h) = (frame.width() as usize, frame.height() as usize);
    let stride = frame.stride(0);
    let mut data = Vec::new();
    for r in 0..h {
        data.extend_from_slice(&frame.data(0)[r * stride..r * stride + w * 3]);
    }
    Rgb {
        width: w,
        height: h,
        data,
    }
}

/// 12×6 block means of a rectangle's BT.709 luma (0–255, full range).
fn blocks(p: &Rgb, x0: usize, y0: usize, w: usize, h: usize) -> Vec<f64> {
    let mut out = Vec::new();
    for by in 0..6 {
        for bx in 0..12 {
            let (mut sum, mut n) = (0.0, 0.0);
            for y in y0 + h * by / 6..y0 + h * (by + 1) / 6 {
                for x in x0 + w * bx / 12..x0 + w * (bx + 1) / 12 {
                    let [r, g, b] = p.at(x, y).unwrap();
                    sum += 0.2126 * f64::from(r) + 0.7152 * f64::from(g) + 0.0722 * f64::from(b);
                    n += 1.0;
                }
            }
            out.push(sum / n);
        }
    }
    out
}

/// The largest difference between a pixel's channels in a rectangle: 0 for neutral grey.
fn max_chroma(p: &Rgb, x0: usize, y0: usize, w: usize, h: usize) -> u8 {
    let mut worst = 0;
    for y in y0..y0 + h {
        for x in x0..x0 + w {
            let [r, g, b] = p.at(x, y).unwrap();
            worst = worst
                .max(r.abs_diff(g))
                .max(g.abs_diff(b))
                .max(r.abs_diff(b));
        }
    }
    worst
}

/// The median of the blocks' absolute differences (robust to a badge drawn over a corner).
fn median_difference(a: &[f64], b: &[f64]) -> f64 {
    let mut d: Vec<f64> = a.iter().zip(b).map(|(x, y)| (x - y).abs()).collect();
    d.sort_by(f64::total_cmp);
    d[d.len() / 2]
}

/// The storyboard page in headless chromium: what `tests/browser/storyboard.mjs` saw, as JSON.
/// The browser and playwright-core are installed by `scripts/test` (`scripts/setup --test`,
/// `scripts/browser-setup`), never from inside the suite: without them the test fails saying so.
fn in_browser(root: &Path, page: &str) -> serde_json::Value {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let driver = repo.join("tests/browser/node_modules/playwright-core/package.json");
    let chromium = std::process::Command::new("chromium")
        .arg("--version")
        .output();
    assert!(
        driver.is_file() && chromium.is_ok_and(|o| o.status.success()),
        "the storyboard page test needs Debian's chromium and playwright-core ({} {}); \
         run scripts/setup --test and scripts/browser-setup (scripts/test runs both)",
        driver.display(),
        if driver.is_file() {
            "is there"
        } else {
            "is missing"
        }
    );
    let out = std::process::Command::new("node")
        .arg(repo.join("tests/browser/storyboard.mjs"))
        .arg(root)
        .arg(page)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the browser check failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn storyboard_shows_every_event_as_rendered_and_its_page_seeks_the_render() {
    let dir = workdir("storyboard");
    let mut cut = example();
    cut["output"]["width"] = 320.into();
    cut["output"]["height"] = 180.into();
    cut["output"]["path"] = "cut.mp4".into();
    // Thumbnails show the picture without burn-ins: so does this render, to compare them.
    cut.as_object_mut().unwrap().remove("overlays");
    cut.as_object_mut().unwrap().remove("subtitles");
    write(&dir.join("cut.json"), &cut);
    let board_dir = dir.join("board");
    crate::common::render(
        &dir.join("cut.json"),
        &["--storyboard", board_dir.to_str().unwrap()],
    );

    // The plan's events, as `render --dry-run --json` gives them: the cards' places.
    let dry = run_in(&dir, &["render", "cut.json", "--dry-run", "--json"]);
    let plan: serde_json::Value = serde_json::from_slice(&dry.stdout).unwrap();
    let events: Vec<(i64, i64)> = plan["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["record_start"].as_i64().unwrap(),
                e["frames"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(events.len(), 11);
    let board: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(board_dir.join("storyboard.json")).unwrap())
            .unwrap();
    let cards = board["cards"].as_array().unwrap();
    assert_eq!(cards.len(), 11);
    for (c, (record, frames)) in cards.iter().zip(&events) {
        assert_eq!(c["record"], *record);
        assert_eq!(c["frames"], *frames);
        assert_eq!(c["thumbnail"], record + (frames - 1) / 2);
    }
    let looks: Vec<&str> = cards.iter().map(|c| c["look"].as_str().unwrap()).collect();
    assert_eq!(
        looks,
        [
            "black_and_white",
            "black_and_white",
            "colour",
            "title",
            "black",
            "black_and_white",
            "black_and_white",
            "colour",
            "black_and_white",
            "title",
            "toned"
        ]
    );
    assert_eq!(cards[2]["transition"], "dissolve 25f");
    assert_eq!(cards[2]["source"], "amur_2004_pal.mkv");

    // The contact sheet: one picture of the grid's size; each thumbnail shows the frame the
    // render shows at the card's thumbnail frame (not its neighbours'), black-and-white ones
    // neutral, colour ones in colour.
    let sheet = &png_rgb(&board_dir.join("contact-sheet.png"));
    // 320×180 output: 240-pixel thumbnails, 135 rounded to the nearest even height.
    assert_eq!(board["thumbnail_size"], serde_json::json!([240, 136]));
    let layout = roughcut::storyboard::sheet::Layout::new(11, 240, 136);
    assert_eq!((sheet.width, sheet.height), (layout.width, layout.height));
    let render: Vec<Rgb> = crate::common::pictures(&dir.join("cut.mp4"))
        .iter()
        .map(|p| roughcut::media::image::to_rgb(p).unwrap())
        .collect();
    for (k, c) in cards.iter().enumerate() {
        let (x, y) = layout.thumb_at(k);
        let f = c["thumbnail"].as_i64().unwrap() as usize;
        let thumb = blocks(sheet, x, y, 240, 136);
        let here = median_difference(&thumb, &blocks(&render[f], 0, 0, 320, 180));
        assert!(
            here <= 6.0,
            "card {k}: thumbnail differs from frame {f} by {here}"
        );
        // Below the badge and right of the transition bar.
        let chroma = max_chroma(sheet, x + 8, y + 22, 224, 106);
        match c["look"].as_str().unwrap() {
            "black_and_white" => assert!(chroma <= 2, "card {k}: chroma {chroma}"),
            "colour" => assert!(chroma >= 40, "card {k}: chroma {chroma}"),
            _ => {}
        }
    }
    // Two cards of different shots differ by more than the tolerance (the check can fail).
    let (a, b) = (layout.thumb_at(0), layout.thumb_at(2));
    assert!(
        median_difference(
            &blocks(sheet, a.0, a.1, 240, 136),
            &blocks(sheet, b.0, b.1, 240, 136)
        ) > 6.0
    );

    // The page in a real browser: no console errors, nothing fetched from elsewhere, a
    // thumbnail per event on the cards and on the bar, the markers, the render playable, and
    // a click on each thumbnail seeks the player to its event's record time.
    let v = in_browser(&dir, "board/index.html");
    assert_eq!(v["errors"], serde_json::json!([]), "{v:#}");
    assert_eq!(v["offsite"], serde_json::json!([]));
    assert_eq!(v["cards"], 11);
    assert_eq!(v["thumbnails"], 11);
    assert_eq!(v["barThumbnails"], 11);
    assert_eq!(v["markers"], cut["markers"].as_array().unwrap().len());
    assert_eq!(v["canPlay"], "probably");
    assert_eq!(v["ready"], true);
    let duration = v["duration"].as_f64().unwrap();
    assert!((duration - 712.0 / 25.0).abs() < 0.05, "{duration}");
    assert!(
        v["played"].as_f64().unwrap() > 0.0,
        "the render did not play: {v:#}"
    );
    let seeks = v["seeks"].as_array().unwrap();
    assert_eq!(seeks.len(), 11);
    for (s, (record, _)) in seeks.iter().zip(&events) {
        let t = s["currentTime"].as_f64().unwrap();
        let want = *record as f64 / 25.0;
        assert!(
            s["seeked"] == true && (t - want).abs() < 0.5 / 25.0,
            "event {}: seeked to {t}, its record time is {want}",
            s["event"]
        );
        assert_eq!(s["highlighted"], s["event"]);
    }
}

/// Every cached segment's sound file cut to half between render and verify, its entry left
/// self-consistent (size and hash rewritten, so the cache's own check passes): verify cannot
/// take those references from the cache, says so, and makes every sound check it made before
/// from pieces rendered anew — the same lags, none lost.
#[test]
fn verify_makes_every_sound_check_when_a_cached_sound_file_is_damaged() {
    let dir = workdir("verify-damaged-cache");
    let mut cut = example();
    cut["output"]["width"] = 320.into();
    cut["output"]["height"] = 180.into();
    cut["output"]["path"] = "cut.mp4".into();
    write(&dir.join("cut.json"), &cut);
    let cache = dir.join("cache");
    let cache_arg = cache.to_str().unwrap();
    crate::common::render(&dir.join("cut.json"), &["--cache-dir", cache_arg]);
    let verify = || {
        let out = run_in(
            &dir,
            &[
                "verify",
                "cut.json",
                "cut.mp4",
                "--json",
                "--cache-dir",
                cache_arg,
            ],
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        (out.status.code(), v)
    };
    let lags = |v: &serde_json::Value| -> Vec<(i64, Option<i64>)> {
        v["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["event"].as_i64().unwrap(), e["sound_lag"].as_i64()))
            .collect()
    };
    let (code, before) = verify();
    assert_eq!(code, Some(0), "{before:#}");
    assert!(before["cache_misses"].is_null(), "{before:#}");
    let measured = lags(&before).iter().filter(|l| l.1.is_some()).count();
    assert!(measured >= 5, "{before:#}");

    // Damage every entry's sound consistently.
    let mut damaged = 0;
    for shard in std::fs::read_dir(cache.join("segments")).unwrap() {
        for entry in std::fs::read_dir(shard.unwrap().path()).unwrap() {
            let entry = entry.unwrap().path();
            let sound = entry.join("sound.pcm");
            let bytes = std::fs::read(&sound).unwrap();
            let half = &bytes[..bytes.len() / 8 * 4];
            std::fs::write(&sound, half).unwrap();
            let meta_path = entry.join("meta.json");
            let mut meta: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&meta_path).unwrap()).unwrap();
            meta["sound"]["bytes"] = (half.len() as u64).into();
            meta["sound"]["blake3"] = blake3::hash(half).to_hex().to_string().into();
            std::fs::write(&meta_path, serde_json::to_string(&meta).unwrap()).unwrap();
            damaged += 1;
        }
    }
    assert!(damaged >= 5, "{damaged} entries");

    let (code, after) = verify();
    assert_eq!(code, Some(0), "{after:#}");
    assert_eq!(after["complete"], true);
    assert_eq!(lags(&after), lags(&before), "{after:#}");
    let misses = after["cache_misses"].as_array().unwrap();
    assert!(
        misses
            .iter()
            .any(|m| m.as_str().unwrap().contains("samples, the segment has")),
        "{misses:?}"
    );
    let text = run_in(
        &dir,
        &["verify", "cut.json", "cut.mp4", "--cache-dir", cache_arg],
    );
    let text = String::from_utf8_lossy(&text.stderr);
    assert!(
        text.contains("from the cache: segment") && text.contains("rendered anew"),
        "{text}"
    );
}
