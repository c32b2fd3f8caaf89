//! Tests of exact time: every form, rates, drop-frame, limits and garbage input.

use super::*;
use serde_json::json;

fn r(num: i64, den: i64) -> Rational {
    Rational::new(num, den)
}

fn rate(text: &str) -> Rate {
    Rate::parse(text).unwrap()
}

fn ntsc30() -> Rate {
    Rate::new(30000, 1001).unwrap()
}

fn ntsc60() -> Rate {
    Rate::new(60000, 1001).unwrap()
}

fn spec(text: &str) -> TimeSpec {
    TimeSpec::parse(text).unwrap()
}

fn err(text: &str) -> TimeError {
    TimeSpec::parse(text).unwrap_err()
}

fn frame_of(text: &str, at: Rate) -> i64 {
    spec(text).to_frame_floor(at).unwrap()
}

// --- rates -----------------------------------------------------------

#[test]
fn rate_parses_integers_fractions_and_decimals() {
    assert_eq!(rate("25").as_ratio(), r(25, 1));
    assert_eq!(rate(" 24 ").as_ratio(), r(24, 1));
    assert_eq!(rate("30000/1001").as_ratio(), r(30000, 1001));
    assert_eq!(rate("24000/1001").as_ratio(), r(24000, 1001));
    assert_eq!(rate("50/2").as_ratio(), r(25, 1));
    assert_eq!(rate("12.5").as_ratio(), r(25, 2));
    assert_eq!(rate("25.0").as_ratio(), r(25, 1));
    assert_eq!(rate("30").as_ratio(), r(30, 1));
    assert_eq!(rate("1000").as_ratio(), r(1000, 1));
    assert_eq!(rate("1/1000").as_ratio(), r(1, 1000));
    assert_eq!(rate("0.001").as_ratio(), r(1, 1000));
    assert_eq!(rate("-30000/-1001").as_ratio(), r(30000, 1001));
}

#[test]
fn rate_maps_ntsc_shorthands() {
    for (text, nominal) in [
        ("23.976", 24),
        ("23.98", 24),
        ("29.97", 30),
        ("29.970", 30),
        ("47.952", 48),
        ("59.94", 60),
        ("119.88", 120),
    ] {
        assert_eq!(rate(text).as_ratio(), r(nominal * 1000, 1001), "{text}");
    }
}

#[test]
fn rate_rejects_bad_input() {
    type Check = fn(&TimeError) -> bool;
    let cases: [(&str, Check); 12] = [
        ("0", |e| matches!(e, TimeError::RateNotPositive { .. })),
        ("-25", |e| matches!(e, TimeError::RateNotPositive { .. })),
        ("0/1", |e| matches!(e, TimeError::RateNotPositive { .. })),
        ("-25/1", |e| matches!(e, TimeError::RateNotPositive { .. })),
        ("abc", |e| matches!(e, TimeError::NotARate { .. })),
        ("", |e| matches!(e, TimeError::NotARate { .. })),
        ("1/2/3", |e| matches!(e, TimeError::NotARate { .. })),
        ("25/0", |e| {
            matches!(e, TimeError::RateZeroDenominator { .. })
        }),
        ("1001", |e| matches!(e, TimeError::RateOutOfRange { .. })),
        ("0.0009", |e| matches!(e, TimeError::RateOutOfRange { .. })),
        ("99999999999999999999999", |e| {
            matches!(e, TimeError::RateOutOfRange { .. })
        }),
        ("12.3456789", |e| {
            matches!(e, TimeError::RateTooPrecise { .. })
        }),
    ];
    for (text, check) in cases {
        let e = Rate::parse(text).unwrap_err();
        assert!(check(&e), "{text}: {e:?}");
        assert!(e.to_string().contains(&format!("`{}`", text.trim())), "{e}");
    }
    assert_eq!(
        Rate::parse("25/0").unwrap_err().to_string(),
        "`25/0`: a frame rate's denominator cannot be zero; write e.g. `30000/1001`"
    );
    assert!("abc".parse::<Rate>().is_err());
}

#[test]
fn rate_new_validates_without_panicking() {
    assert_eq!(Rate::new(50, 2).unwrap().as_ratio(), r(25, 1));
    assert!(Rate::new(0, 1).is_err());
    assert!(Rate::new(1, 0).is_err());
    assert!(Rate::new(-1, 1).is_err());
    assert!(Rate::new(i64::MAX, 1).is_err());
    assert!(Rate::new(i64::MIN, -1).is_err());
    assert!(Rate::new(1, i64::MIN).is_err());
    assert!(Rate::new(i64::MIN, i64::MIN).is_err());
    assert_eq!(Rate::new(i64::MAX, i64::MAX).unwrap().as_ratio(), r(1, 1));
    assert!(matches!(
        Rate::new(10_000_001, 10_000_000),
        Err(TimeError::RateTooPrecise { .. })
    ));
}

#[test]
fn rate_from_json() {
    assert_eq!(Rate::from_json(&json!(25)).unwrap().as_ratio(), r(25, 1));
    assert_eq!(
        Rate::from_json(&json!(29.97)).unwrap().as_ratio(),
        r(30000, 1001)
    );
    assert_eq!(
        Rate::from_json(&json!(23.976)).unwrap().as_ratio(),
        r(24000, 1001)
    );
    assert_eq!(Rate::from_json(&json!(12.5)).unwrap().as_ratio(), r(25, 2));
    assert_eq!(
        Rate::from_json(&json!("30000/1001")).unwrap().as_ratio(),
        r(30000, 1001)
    );
    assert!(matches!(
        Rate::from_json(&json!(-25)),
        Err(TimeError::RateNotPositive { .. })
    ));
    assert!(matches!(
        Rate::from_json(&json!(null)),
        Err(TimeError::NotARateValue { .. })
    ));
    assert!(Rate::from_json(&json!(1e300)).is_err());
    assert!(Rate::from_json(&json!(1e-300)).is_err());
}

#[test]
fn rate_accessors_and_display() {
    let ntsc = ntsc30();
    assert_eq!((ntsc.num(), ntsc.den()), (30000, 1001));
    assert_eq!(ntsc.to_string(), "30000/1001");
    assert_eq!(rate("25").to_string(), "25");
    assert_eq!(rate("12.5").to_string(), "25/2");
    assert_eq!(ntsc.frame_duration(), r(1001, 30000));
    assert_eq!(rate("25").frame_duration(), r(1, 25));

    assert_eq!(ntsc.timecode_base(), 30);
    assert_eq!(ntsc60().timecode_base(), 60);
    assert_eq!(rate("25").timecode_base(), 25);
    assert_eq!(rate("24").timecode_base(), 24);
    assert_eq!(rate("23.976").timecode_base(), 24);
    assert_eq!(rate("12.5").timecode_base(), 13);
    assert_eq!(rate("0.5").timecode_base(), 1);

    assert_eq!(ntsc.drop_frames_per_minute(), Some(2));
    assert_eq!(ntsc60().drop_frames_per_minute(), Some(4));
    assert_eq!(rate("30").drop_frames_per_minute(), None);
    assert_eq!(rate("25").drop_frames_per_minute(), None);
    assert_eq!(rate("23.976").drop_frames_per_minute(), None);
}

// --- parsing times ---------------------------------------------------

#[test]
fn parses_seconds_forms() {
    assert_eq!(spec("12.5s"), TimeSpec::Seconds(r(25, 2)));
    assert_eq!(spec("12.5"), TimeSpec::Seconds(r(25, 2)));
    assert_eq!(spec("  7  "), TimeSpec::Seconds(r(7, 1)));
    assert_eq!(spec("0"), TimeSpec::Seconds(r(0, 1)));
    assert_eq!(spec("-0"), TimeSpec::Seconds(r(0, 1)));
    assert_eq!(spec("1e2"), TimeSpec::Seconds(r(100, 1)));
    assert_eq!(spec("1.5E-3s"), TimeSpec::Seconds(r(3, 2000)));
    assert_eq!(spec("0.000000001s"), TimeSpec::Seconds(r(1, 1_000_000_000)));
    assert_eq!(spec("1.50000000000000"), TimeSpec::Seconds(r(3, 2)));
    assert_eq!(spec("00:00:01.5"), TimeSpec::Seconds(r(3, 2)));
    assert_eq!(spec("01:02:03"), TimeSpec::Seconds(r(3723, 1)));
    assert_eq!(spec("1:00:00.25"), TimeSpec::Seconds(r(14401, 4)));
    assert_eq!(spec("00:00:59.999"), TimeSpec::Seconds(r(59999, 1000)));
    assert_eq!(spec("00:00:10.12"), TimeSpec::Seconds(r(1012, 100)));
    assert_eq!(spec("10000000"), TimeSpec::Seconds(r(MAX_SECONDS, 1)));
}

#[test]
fn parses_frames_and_timecodes() {
    assert_eq!(spec("300f"), TimeSpec::Frames(300));
    assert_eq!(spec("0f"), TimeSpec::Frames(0));
    assert_eq!(
        spec("00:00:10:12"),
        TimeSpec::Timecode {
            hours: 0,
            minutes: 0,
            seconds: 10,
            frames: 12,
            drop: false
        }
    );
    let df = TimeSpec::Timecode {
        hours: 0,
        minutes: 1,
        seconds: 0,
        frames: 2,
        drop: true,
    };
    assert_eq!(spec("00:01:00;02"), df);
    assert_eq!(spec("00;01;00;02"), df);
    assert_eq!(spec("00:01;00;02"), df);
}

#[test]
fn parses_json_values() {
    assert_eq!(
        TimeSpec::from_json(&json!(12.5)).unwrap(),
        TimeSpec::Seconds(r(25, 2))
    );
    assert_eq!(
        TimeSpec::from_json(&json!(3)).unwrap(),
        TimeSpec::Seconds(r(3, 1))
    );
    assert_eq!(
        TimeSpec::from_json(&json!(0.1)).unwrap(),
        TimeSpec::Seconds(r(1, 10))
    );
    // serde_json writes small floats with an exponent.
    assert_eq!(
        TimeSpec::from_json(&json!(1e-7)).unwrap(),
        TimeSpec::Seconds(r(1, 10_000_000))
    );
    assert_eq!(
        TimeSpec::from_json(&serde_json::from_str::<serde_json::Value>("1e2").unwrap()).unwrap(),
        TimeSpec::Seconds(r(100, 1))
    );
    assert_eq!(
        TimeSpec::from_json(&json!(-0.0)).unwrap(),
        TimeSpec::Seconds(r(0, 1))
    );
    assert_eq!(
        TimeSpec::from_json(&json!("300f")).unwrap(),
        TimeSpec::Frames(300)
    );
    assert!(matches!(
        TimeSpec::from_json(&json!(-3)),
        Err(TimeError::Negative { .. })
    ));
    // 0.1 + 0.2 has no short exact decimal form.
    assert!(matches!(
        TimeSpec::from_json(&json!(0.1 + 0.2)),
        Err(TimeError::TooPrecise { .. })
    ));
    assert!(matches!(
        TimeSpec::from_json(&json!(1e300)),
        Err(TimeError::TooLarge { .. })
    ));
    assert!(matches!(
        TimeSpec::from_json(&json!(u64::MAX)),
        Err(TimeError::TooLarge { .. })
    ));
    assert_eq!(
        TimeSpec::from_json(&json!(true)).unwrap_err().to_string(),
        "`true`: expected a time (number of seconds or string)"
    );
    assert!(matches!(
        TimeSpec::from_json(&json!([1, 2])),
        Err(TimeError::NotATimeValue { .. })
    ));
    assert!(matches!(
        TimeSpec::from_json(&json!(null)),
        Err(TimeError::NotATimeValue { .. })
    ));
}

#[test]
fn needs_rate() {
    assert!(!spec("12.5").needs_rate());
    assert!(!spec("00:00:01.5").needs_rate());
    assert!(spec("300f").needs_rate());
    assert!(spec("00:00:10:12").needs_rate());
    assert!(spec("00:01:00;02").needs_rate());
}

// --- resolving -------------------------------------------------------

#[test]
fn seconds_resolve_at_any_rate() {
    let s = spec("12.5s");
    assert_eq!(s.to_seconds(rate("25")).unwrap(), r(25, 2));
    assert_eq!(s.to_seconds(ntsc30()).unwrap(), r(25, 2));
    assert_eq!(s.to_frame_floor(rate("25")).unwrap(), 312);
    // 12.5 × 30000/1001 = 374.62…
    assert_eq!(s.to_frame_floor(ntsc30()).unwrap(), 374);
    // Exactly on a frame boundary: 1001/30000 s is frame 1.
    let one = TimeSpec::Seconds(r(1001, 30000));
    assert_eq!(one.to_frame_floor(ntsc30()).unwrap(), 1);
    let just_before = TimeSpec::Seconds(r(1001, 30000) - r(1, 1_000_000_000));
    assert_eq!(just_before.to_frame_floor(ntsc30()).unwrap(), 0);
}

#[test]
fn frames_resolve_at_rate() {
    let f = spec("300f");
    assert_eq!(f.to_seconds(rate("25")).unwrap(), r(12, 1));
    assert_eq!(f.to_seconds(ntsc30()).unwrap(), r(300 * 1001, 30000));
    assert_eq!(f.to_frame_floor(ntsc30()).unwrap(), 300);
}

#[test]
fn non_drop_timecode() {
    let tc = spec("00:00:10:12");
    assert_eq!(tc.to_frame_floor(rate("25")).unwrap(), 262);
    assert_eq!(tc.to_seconds(rate("25")).unwrap(), r(262, 25));
    assert_eq!(tc.to_frame_floor(ntsc30()).unwrap(), 312);
    assert_eq!(tc.to_seconds(ntsc30()).unwrap(), r(312 * 1001, 30000));
    assert_eq!(frame_of("01:00:00:00", rate("24")), 86400);
    assert_eq!(frame_of("01:00:00:00", rate("23.976")), 86400);
    assert_eq!(
        spec("01:00:00:00").to_seconds(rate("23.976")).unwrap(),
        r(86400 * 1001, 24000)
    );
    assert_eq!(frame_of("00:01:00:00", ntsc30()), 1800);
    assert_eq!(frame_of("00:00:01:12", rate("12.5")), 25);
}

#[test]
fn drop_frame_timecode() {
    let ntsc = ntsc30();
    assert_eq!(frame_of("00:00:00;00", ntsc), 0);
    assert_eq!(frame_of("00:00:59;29", ntsc), 1799);
    assert_eq!(frame_of("00:01:00;02", ntsc), 1800);
    assert_eq!(frame_of("00:02:00;02", ntsc), 3598);
    assert_eq!(frame_of("00:09:59;29", ntsc), 17981);
    assert_eq!(frame_of("00:10:00;00", ntsc), 17982);
    assert_eq!(frame_of("00:10:00;01", ntsc), 17983);
    assert_eq!(frame_of("00:11:00;02", ntsc), 17982 + 1800);
    assert_eq!(frame_of("01:00:00;00", ntsc), 107892);
    assert_eq!(
        spec("00:01:00;02").to_seconds(ntsc).unwrap(),
        r(1800 * 1001, 30000)
    );
    // One hour of drop-frame labels is 3.6 s short of an hour of frames.
    assert_eq!(
        spec("01:00:00;00").to_seconds(ntsc).unwrap(),
        r(107892 * 1001, 30000)
    );

    let ntsc2 = ntsc60();
    assert_eq!(frame_of("00:00:59;59", ntsc2), 3599);
    assert_eq!(frame_of("00:01:00;04", ntsc2), 3600);
    assert_eq!(frame_of("00:10:00;00", ntsc2), 35964);
    assert_eq!(frame_of("01:00:00;00", ntsc2), 215784);
}

#[test]
fn drop_frame_round_trip_first_20_minutes_at_29_97() {
    let ntsc = ntsc30();
    let frames = 20 * 60 * 30;
    let mut previous = String::new();
    for frame in 0..frames {
        let label = frames_to_timecode(frame, ntsc, true);
        assert!(label.contains(';'), "{label}");
        assert!(label > previous, "{previous} then {label}");
        assert_eq!(frame_of(&label, ntsc), frame, "{label}");
        previous = label;
    }
    assert_eq!(previous, "00:20:01;05");
}

#[test]
fn drop_frame_round_trip_at_59_94() {
    let ntsc = ntsc60();
    let starts = [0, 35964 - 100, 215784 - 50, 5 * 215784];
    for start in starts {
        for frame in start..start + 4000 {
            let label = frames_to_timecode(frame, ntsc, true);
            assert_eq!(frame_of(&label, ntsc), frame, "{label}");
        }
    }
}

#[test]
fn non_drop_round_trip() {
    for at in [rate("25"), ntsc30(), rate("23.976"), rate("12.5")] {
        for frame in (0..200_000).step_by(7) {
            let label = frames_to_timecode(frame, at, false);
            assert!(!label.contains(';'));
            assert_eq!(frame_of(&label, at), frame, "{label} at {at}");
        }
    }
}

#[test]
fn frames_to_timecode_labels() {
    let ntsc = ntsc30();
    assert_eq!(frames_to_timecode(1799, ntsc, true), "00:00:59;29");
    assert_eq!(frames_to_timecode(1800, ntsc, true), "00:01:00;02");
    assert_eq!(frames_to_timecode(17982, ntsc, true), "00:10:00;00");
    assert_eq!(frames_to_timecode(107892, ntsc, true), "01:00:00;00");
    assert_eq!(frames_to_timecode(1800, ntsc, false), "00:01:00:00");
    assert_eq!(frames_to_timecode(3600, ntsc60(), true), "00:01:00;04");
    assert_eq!(frames_to_timecode(262, rate("25"), false), "00:00:10:12");
    // Drop-frame asked for at a rate without it: non-drop.
    assert_eq!(frames_to_timecode(262, rate("25"), true), "00:00:10:12");
    assert_eq!(frames_to_timecode(-25, rate("25"), false), "-00:00:01:00");
    // Hours are not wrapped.
    assert_eq!(
        frames_to_timecode(100 * 3600 * 25, rate("25"), false),
        "100:00:00:00"
    );
    // Extremes do not panic.
    for frame in [i64::MIN, i64::MAX, i64::MIN + 1] {
        for at in [ntsc, ntsc60(), rate("0.001"), rate("1000")] {
            let _ = frames_to_timecode(frame, at, true);
            let _ = frames_to_timecode(frame, at, false);
        }
    }
}

// --- errors ----------------------------------------------------------

#[test]
fn out_of_range_fields() {
    assert_eq!(
        err("00:00:61:00").to_string(),
        "`00:00:61:00`: seconds field 61 is out of range (0–59)"
    );
    assert_eq!(
        err("00:60:00:00").to_string(),
        "`00:60:00:00`: minutes field 60 is out of range (0–59)"
    );
    assert_eq!(
        err("00:60:00").to_string(),
        "`00:60:00`: minutes field 60 is out of range (0–59)"
    );
    assert_eq!(
        err("00:00:60.5").to_string(),
        "`00:00:60.5`: seconds field 60.5 is out of range (0–59)"
    );
    assert_eq!(
        spec("00:00:10:25")
            .to_seconds(rate("25"))
            .unwrap_err()
            .to_string(),
        "`00:00:10:25`: frame field 25 is out of range at 25 fps (0–24)"
    );
    assert!(matches!(
        spec("00:00:10:30").to_frame_floor(ntsc30()),
        Err(TimeError::FrameOutOfRange { max: 29, .. })
    ));
    assert!(spec("00:00:10:29").to_frame_floor(ntsc30()).is_ok());
    // Directly built values are validated too.
    let built = TimeSpec::Timecode {
        hours: 0,
        minutes: 75,
        seconds: 0,
        frames: 0,
        drop: false,
    };
    assert_eq!(
        built.to_seconds(rate("25")).unwrap_err().to_string(),
        "`00:75:00:00`: minutes field 75 is out of range (0–59)"
    );
}

#[test]
fn drop_frame_errors() {
    assert_eq!(
        spec("00:01:00;02")
            .to_seconds(rate("25"))
            .unwrap_err()
            .to_string(),
        "`00:01:00;02`: drop-frame timecode (`;`) needs a 29.97 or 59.94 fps rate, not 25 fps; use `:` for non-drop timecode"
    );
    assert!(matches!(
        spec("00:00:00;00").to_frame_floor(rate("30")),
        Err(TimeError::DropFrameRate { .. })
    ));
    assert!(matches!(
        spec("00:00:00;00").to_frame_floor(rate("23.976")),
        Err(TimeError::DropFrameRate { .. })
    ));
    assert_eq!(
        spec("00:01:00;00")
            .to_seconds(ntsc30())
            .unwrap_err()
            .to_string(),
        "`00:01:00;00` does not exist in drop-frame timecode: frames 0 and 1 are skipped at the start of every minute except each tenth"
    );
    assert!(matches!(
        spec("00:01:00;01").to_frame_floor(ntsc30()),
        Err(TimeError::NonexistentDropFrame { dropped: 2, .. })
    ));
    assert!(matches!(
        spec("01:59:00;00").to_frame_floor(ntsc30()),
        Err(TimeError::NonexistentDropFrame { .. })
    ));
    // Tenth minutes keep frames 0 and 1.
    assert!(spec("00:20:00;00").to_frame_floor(ntsc30()).is_ok());
    assert!(spec("01:00:00;01").to_frame_floor(ntsc30()).is_ok());
    // Only second 0 loses frames.
    assert!(spec("00:01:01;00").to_frame_floor(ntsc30()).is_ok());
    assert_eq!(
        spec("00:01:00;03")
            .to_frame_floor(ntsc60())
            .unwrap_err()
            .to_string(),
        "`00:01:00;03` does not exist in drop-frame timecode: frames 0 to 3 are skipped at the start of every minute except each tenth"
    );
    assert!(spec("00:01:00;04").to_frame_floor(ntsc60()).is_ok());
}

#[test]
fn garbage_and_negative() {
    assert_eq!(
        err("abc").to_string(),
        "`abc`: not a time; use seconds (12.5), `12.5s`, `300f`, `HH:MM:SS.sss`, `HH:MM:SS:FF` or `HH:MM:SS;FF`"
    );
    assert_eq!(err("-3s").to_string(), "`-3s`: times cannot be negative");
    assert!(matches!(err("-300f"), TimeError::Negative { .. }));
    assert!(matches!(err("-00:00:01:00"), TimeError::Negative { .. }));
    assert!(matches!(err("-12.5"), TimeError::Negative { .. }));
    for text in [
        "",
        " ",
        "s",
        "f",
        "-",
        "--3",
        "-abc",
        "+3",
        "12.5.5",
        "1..2",
        ".5",
        "5.",
        "1e",
        "1e+",
        "12 s",
        "3 f",
        "300F",
        "12,5",
        "1/2s",
        "0x10",
        "12:30",
        "1:2:3:4:5",
        "00:00:10.12:00",
        "00:00:aa:00",
        "00::00:00",
        "00:00:00;",
        "00:00;10",
        "00;00:10:00",
        "00:00:01.5e1",
        "00:00:-1:00",
        "١٢",
        "１２s",
        "12ss",
        "inf",
        "NaN",
        "1e2f",
    ] {
        assert!(
            matches!(TimeSpec::parse(text), Err(TimeError::NotATime { .. })),
            "{text:?}: {:?}",
            TimeSpec::parse(text)
        );
    }
    assert!(matches!(
        TimeSpec::Seconds(r(-1, 2)).to_seconds(rate("25")),
        Err(TimeError::Negative { .. })
    ));
    assert!(matches!(
        TimeSpec::Frames(-1).to_frame_floor(rate("25")),
        Err(TimeError::Negative { .. })
    ));
    let built = TimeSpec::Timecode {
        hours: 0,
        minutes: 0,
        seconds: -1,
        frames: 0,
        drop: false,
    };
    assert!(matches!(
        built.to_seconds(rate("25")),
        Err(TimeError::Negative { .. })
    ));
}

#[test]
fn huge_values_are_rejected_without_panicking() {
    for text in [
        "10000001",
        "10000000.5s",
        "99999999999999999999999999999s",
        "1e400",
        "1e999999999999999999999999",
        "9999:00:00:00",
        "99999999999999999999:00:00",
        "2778:00:00",
    ] {
        assert!(
            matches!(TimeSpec::parse(text), Err(TimeError::TooLarge { .. })),
            "{text}: {:?}",
            TimeSpec::parse(text)
        );
    }
    for text in [
        "10000000001f",
        "99999999999999999999999999f",
        "00:00:00:99999999999999999999",
    ] {
        assert!(TimeSpec::parse(text).is_err(), "{text}");
    }
    for text in ["0.0000000001", "1e-10", "1.5e-9s", "00:00:01.0000000001"] {
        assert!(
            matches!(TimeSpec::parse(text), Err(TimeError::TooPrecise { .. })),
            "{text}"
        );
    }
    // Zero is zero however it is written.
    assert_eq!(spec("0e999999999999"), TimeSpec::Seconds(r(0, 1)));

    // Within the frame limit but beyond the seconds limit at this rate.
    let many = spec("10000000000f");
    assert!(matches!(
        many.to_seconds(rate("25")),
        Err(TimeError::TooLarge { .. })
    ));
    assert!(many.to_seconds(rate("1000")).is_ok());
    assert!(matches!(
        many.to_seconds(rate("1/1000")),
        Err(TimeError::TooLarge { .. })
    ));

    let long = "9".repeat(100_000);
    assert!(TimeSpec::parse(&long).is_err());
    assert!(TimeSpec::parse(&format!("{long}f")).is_err());
    assert!(TimeSpec::parse(&format!("0.{long}")).is_err());
    assert!(Rate::parse(&long).is_err());
    let dashes = "-".repeat(100_000);
    assert!(TimeSpec::parse(&dashes).is_err());
    let message = TimeSpec::parse(&"x".repeat(1000)).unwrap_err().to_string();
    assert!(message.len() < 300, "{message}");

    // Directly built extremes.
    for at in [rate("25"), ntsc30(), rate("1000"), rate("1/1000")] {
        for built in [
            TimeSpec::Frames(i64::MAX),
            TimeSpec::Frames(i64::MIN),
            TimeSpec::Seconds(r(i64::MAX, 1)),
            TimeSpec::Seconds(r(i64::MIN, 1)),
            TimeSpec::Seconds(r(1, i64::MAX)),
            TimeSpec::Seconds(Rational::new_raw(1, 0)),
            TimeSpec::Seconds(Rational::new_raw(i64::MIN, -1)),
            TimeSpec::Timecode {
                hours: i64::MAX,
                minutes: 59,
                seconds: 59,
                frames: 0,
                drop: true,
            },
            TimeSpec::Timecode {
                hours: 2777,
                minutes: 59,
                seconds: 59,
                frames: i64::MAX,
                drop: false,
            },
        ] {
            let _ = built.to_seconds(at);
            let _ = built.to_frame_floor(at);
            let _ = built.to_string();
        }
    }
    assert!(TimeSpec::Seconds(r(i64::MAX, 1))
        .to_seconds(ntsc30())
        .is_err());
}

#[test]
fn limits_are_inclusive() {
    assert_eq!(
        spec("10000000s").to_frame_floor(rate("1000")).unwrap(),
        10_000_000_000
    );
    assert_eq!(
        spec("2777:46:40").to_seconds(rate("25")).unwrap(),
        r(MAX_SECONDS, 1)
    );
    assert!(spec("2777:46:40:00").to_seconds(rate("25")).is_ok());
    assert!(TimeSpec::parse("2777:46:40.5").is_err());
}

// --- display and helpers ---------------------------------------------

#[test]
fn display_is_canonical_and_round_trips() {
    for (text, canonical) in [
        ("12.5", "12.5s"),
        ("12.50s", "12.5s"),
        ("3", "3s"),
        ("00:00:01.5", "1.5s"),
        ("0.000000001", "0.000000001s"),
        ("300f", "300f"),
        ("0300f", "300f"),
        ("0:0:10:12", "00:00:10:12"),
        ("00;01;00;02", "00:01:00;02"),
        ("100:00:00:00", "100:00:00:00"),
    ] {
        let parsed = spec(text);
        assert_eq!(parsed.to_string(), canonical, "{text}");
        assert_eq!(spec(canonical), parsed, "{canonical}");
    }
    assert_eq!(TimeSpec::Seconds(r(1001, 30)).to_string(), "1001/30s");
}

#[test]
fn round_half_up_on_halves() {
    assert_eq!(round_half_up(r(5, 2)), 3);
    assert_eq!(round_half_up(r(-5, 2)), -2);
    assert_eq!(round_half_up(r(3, 2)), 2);
    assert_eq!(round_half_up(r(-3, 2)), -1);
    assert_eq!(round_half_up(r(1, 2)), 1);
    assert_eq!(round_half_up(r(-1, 2)), 0);
    assert_eq!(round_half_up(r(7, 3)), 2);
    assert_eq!(round_half_up(r(8, 3)), 3);
    assert_eq!(round_half_up(r(-7, 3)), -2);
    assert_eq!(round_half_up(r(-8, 3)), -3);
    assert_eq!(round_half_up(r(0, 1)), 0);
    assert_eq!(round_half_up(r(4, 1)), 4);
    assert_eq!(round_half_up(r(i64::MAX, 1)), i64::MAX);
    assert_eq!(round_half_up(r(i64::MIN, 1)), i64::MIN);
    assert_eq!(round_half_up(r(i64::MAX, 2)), i64::MAX / 2 + 1);
    assert_eq!(round_half_up(Rational::new_raw(1, 0)), i64::MAX);
    assert_eq!(round_half_up(Rational::new_raw(5, -2)), -2);
}

#[test]
fn source_times_read_as_timecode_and_seconds() {
    let ntsc = Rate::new(30_000, 1001).unwrap();
    assert_eq!(
        format_source_time(r(607_607, 30_000), Some(ntsc)),
        "00:00:20:07 (≈20.2536s)"
    );
    let pal = Rate::new(25, 1).unwrap();
    assert_eq!(format_source_time(r(9, 1), Some(pal)), "00:00:09:00 (9s)");
    // Inside a frame: the frame it falls in.
    assert_eq!(
        format_source_time(r(399, 100), Some(pal)),
        "00:00:03:24 (3.99s)"
    );
    assert_eq!(
        format_source_time(r(-1, 25), Some(pal)),
        "-00:00:00:01 (-0.04s)"
    );
    assert_eq!(format_source_time(r(9, 1), None), "9s");
    // Far beyond any film: no overflow.
    assert!(format_source_time(r(i64::MAX, 1), Some(ntsc)).ends_with(&format!("({}s)", i64::MAX)));
}

#[test]
fn format_seconds_for_people() {
    assert_eq!(format_seconds(r(25, 2)), "12.5s");
    assert_eq!(format_seconds(r(10, 1)), "10s");
    assert_eq!(format_seconds(r(0, 1)), "0s");
    assert_eq!(format_seconds(r(-5, 2)), "-2.5s");
    assert_eq!(format_seconds(r(-1, 4)), "-0.25s");
    assert_eq!(format_seconds(r(1001, 1000)), "1.001s");
    assert_eq!(format_seconds(r(1, 1_000_000)), "0.000001s");
    assert_eq!(format_seconds(r(1, 10_000_000)), "≈1.0e-7s");
    assert_eq!(format_seconds(r(1001, 30)), "≈33.3667s");
    assert_eq!(format_seconds(r(607_607, 30_000)), "≈20.2536s");
    assert_eq!(format_seconds(r(1, 3)), "≈0.3333s");
    assert_eq!(format_seconds(r(i64::MAX, 1)), format!("{}s", i64::MAX));
    assert_eq!(
        format_seconds(r(i64::MIN, 64)),
        format!("{}s", i64::MIN / 64)
    );
    assert_eq!(format_seconds(Rational::new_raw(1, 0)), "1/0s");
}
