use super::*;

fn srt(text: &str) -> Parsed {
    parse(text, Format::Srt).unwrap()
}

fn problems(r: Result<Parsed, SubError>) -> Vec<(usize, String)> {
    match r {
        Err(SubError::Malformed(p)) => p.into_iter().map(|p| (p.line, p.message)).collect(),
        other => panic!("expected malformed, got {other:?}"),
    }
}

#[test]
fn srt_with_crlf_tags_and_position() {
    let p = srt("1\r\n00:00:01,000 --> 00:00:02,500\r\n<i>Hello</i>\r\n{\\an8}world\r\n\r\n2\r\n00:00:03.000 --> 00:00:04,000 X1:10 X2:20\r\nПривет\r\n");
    assert_eq!(p.cues.len(), 2);
    assert_eq!(
        (p.cues[0].start, p.cues[0].end, p.cues[0].text.as_str()),
        (1000, 2500, "<i>Hello</i>\n{\\an8}world")
    );
    assert_eq!(
        (p.cues[1].start, p.cues[1].end, p.cues[1].line),
        (3000, 4000, 7)
    );
    assert!(p.warnings.is_empty());
    assert_eq!(to_ass(&p.cues[0].text), "{\\i1}Hello{\\i0}\\N{\\an8}world");
    assert_eq!(to_plain(&p.cues[0].text), "Hello\nworld");
}

#[test]
fn srt_single_digit_fields_and_unnumbered_cues() {
    let p = srt("00:00:5,000 --> 00:00:6,5\nGreen!\n");
    assert_eq!((p.cues[0].start, p.cues[0].end), (5000, 6500));
}

#[test]
fn srt_problems_name_their_lines() {
    let text = "1\n00:00:00,000 --> 00:00:01,234\nFirst\n\n2\nSecond without timing\n\n4\n   --> 02:00:10,901\nFourth\n\n5\n02:00:12,901 -->\nFifth\n";
    let p = problems(parse(text, Format::Srt));
    assert_eq!(p.len(), 3, "{p:?}");
    assert_eq!(p[0].0, 6);
    assert!(p[0].1.contains("expected a timing line"), "{}", p[0].1);
    assert_eq!(p[1].0, 9);
    assert!(p[1].1.contains("missing"), "{}", p[1].1);
    assert_eq!(p[2].0, 13);
}

#[test]
fn srt_recoverable_problems_are_warnings() {
    // A cue before zero is clipped or dropped; a trailing cue number is ignored.
    let p = srt("1\n-0:00:04,567 --> -0:00:03,456\nGone\n\n2\n-00:00:02,345 --> 00:00:01,234\nClipped\n\n3\n");
    assert_eq!(p.cues.len(), 1);
    assert_eq!((p.cues[0].start, p.cues[0].end), (0, 1234));
    let lines: Vec<usize> = p.warnings.iter().map(|w| w.line).collect();
    assert_eq!(lines, [9, 2, 6]);
}

#[test]
fn end_before_start_is_an_error() {
    let p = problems(parse("1\n00:00:02,000 --> 00:00:01,000\nx\n", Format::Srt));
    assert_eq!(p[0].0, 2);
    assert!(p[0].1.contains("at or before it starts"));
}

#[test]
fn webvtt_cues_settings_and_tags() {
    let text = "WEBVTT\n\nNOTE a comment\n\nintro\n00:01.000 --> 00:02.000 line:0 align:start\n<v Anna><i>Hi</i> &amp; <c.loud>bye</c>\n\n01:00:00.000 --> 01:00:01.500\nTwo\n";
    let p = parse(text, Format::Vtt).unwrap();
    assert_eq!(p.cues.len(), 2);
    assert_eq!(p.cues[0].text, "<i>Hi</i> & bye");
    assert_eq!((p.cues[0].start, p.cues[0].end), (1000, 2000));
    assert_eq!(p.cues[1].start, 3_600_000);
    assert!(parse("1\n00:01.000 --> 00:02.000\nx", Format::Vtt).is_err());
}

#[test]
fn ass_reads_by_its_format_line() {
    let text = "[Script Info]\nTitle: x\n\n[Events]\nFormat: Layer, Start, End, Style, Name, Text\nDialogue: 0,0:00:00.00,0:00:01.23,Default ,Olly,First{ignored}, with a comma\nDialogue: 0,0:00:02.34,0:00:03.45,Default,Olly,{\\i1}Two{\\i0} \\Nlines\nDialogue: 0,0:00:04:56,0:00:08:90,Default,Olly,Third\n";
    let p = parse(text, Format::Ass).unwrap();
    assert_eq!(p.cues.len(), 3);
    assert_eq!(p.cues[0].text, "First, with a comma");
    assert_eq!(p.cues[1].text, "<i>Two</i> \nlines");
    assert_eq!((p.cues[2].start, p.cues[2].end), (4560, 8900));
    assert_eq!(
        p.warnings.len(),
        2,
        "the colon-hundredths times are warned about"
    );
    assert_eq!(p.warnings[0].line, 8);
}

#[test]
fn ass_out_of_order_and_overlapping_cues_are_kept_sorted() {
    let text = "[Events]\nFormat: Start, End, Text\nDialogue: 0:00:06.00,0:00:08.44,Third\nDialogue: 0:00:01.00,0:00:04.23,First\nDialogue: 0:00:02.00,0:00:05.23,Second\n";
    let p = parse(text, Format::Ass).unwrap();
    let starts: Vec<i64> = p.cues.iter().map(|c| c.start).collect();
    assert_eq!(starts, [1000, 2000, 6000]);
    assert!(parse("[Script Info]\nTitle: x\n", Format::Ass).is_err());
}

#[test]
fn encodings() {
    // "Привет" in windows-1251 and KOI8-R.
    let cp1251 = [0xCF, 0xF0, 0xE8, 0xE2, 0xE5, 0xF2];
    let koi8 = [0xF0, 0xD2, 0xC9, 0xD7, 0xC5, 0xD4];
    assert_eq!(decode(&cp1251, Some("windows-1251")).unwrap(), "Привет");
    assert_eq!(decode(&koi8, Some("koi8-r")).unwrap(), "Привет");
    let err = decode(&cp1251, None).unwrap_err().to_string();
    assert!(
        err.contains("not valid UTF-8") && err.contains("windows-1251"),
        "{err}"
    );
    // Byte-order marks: UTF-8 stripped, UTF-16 decoded.
    assert_eq!(decode(b"\xEF\xBB\xBF1", None).unwrap(), "1");
    assert_eq!(decode(&[0xFF, 0xFE, b'h', 0, b'i', 0], None).unwrap(), "hi");
    assert_eq!(decode(&[0xFE, 0xFF, 0, b'h', 0, b'i'], None).unwrap(), "hi");
    let err = decode(&[b'h', 0, 0xFF, 0xD8, b'i', 0], None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("utf-16le"), "{err}");
    assert!(known_encoding("koi8-r") && !known_encoding("klingon"));
}
