//! What a list is and how its text is encoded, from its bytes: the format by its content
//! (whatever the extension), the encoding as the caller says, else UTF-8, else a guess.

/// The formats `roughcut import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// Final Cut Pro XML (read through the OpenTimelineIO mapping).
    Fcpxml,
    /// OpenTimelineIO JSON.
    Otio,
    /// A CMX 3600 list.
    Cmx3600,
}

/// The format of a list's text (`None`: none roughcut reads).
pub(crate) fn format(text: &str) -> Option<Format> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('<') && trimmed.contains("<fcpxml") {
        Some(Format::Fcpxml)
    } else if trimmed.starts_with('{') && trimmed.contains("OTIO_SCHEMA") {
        Some(Format::Otio)
    } else if super::cmx3600::looks_like(text) {
        Some(Format::Cmx3600)
    } else {
        None
    }
}

/// A `--encoding` label that names no encoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--encoding {0}: not an encoding name (try windows-1251, gbk, latin1, utf-8)")]
pub struct UnknownEncoding(pub String);

/// A list's text, and the guess made when it was not UTF-8 and no encoding was named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decoded {
    pub text: String,
    /// The line of the first byte that is not UTF-8, and the encoding guessed.
    pub guessed: Option<(usize, &'static str)>,
}

impl Decoded {
    /// The warning for a guessed encoding.
    pub(crate) fn warning(&self) -> Option<super::cmx3600::Problem> {
        let (line, name) = self.guessed?;
        Some(super::cmx3600::Problem {
            line,
            error: false,
            message: format!(
                "the list is not UTF-8; read as {name} (a guess: give --encoding if names come out wrong)"
            ),
        })
    }
}

/// The list's text: as `label` says, else UTF-8, else a guess: Russian lists in windows-1251
/// (their bytes are mostly the common Cyrillic letters), others in GBK.
pub(crate) fn decode(bytes: &[u8], label: Option<&str>) -> Result<Decoded, UnknownEncoding> {
    let named = match label {
        Some(l) => Some(
            encoding_rs::Encoding::for_label(l.as_bytes())
                .ok_or_else(|| UnknownEncoding(l.to_string()))?,
        ),
        None => None,
    };
    let (encoding, guessed) = match (named, std::str::from_utf8(bytes)) {
        (Some(e), _) => (e, None),
        (None, Ok(t)) => {
            return Ok(Decoded {
                text: t.to_string(),
                guessed: None,
            })
        }
        (None, Err(err)) => {
            let line = bytes[..err.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            let guess = guess_encoding(bytes);
            (guess, Some((line, guess.name())))
        }
    };
    let (text, _, _) = encoding.decode(bytes);
    Ok(Decoded {
        text: text.into_owned(),
        guessed,
    })
}

/// windows-1251 when the bytes above ASCII are mostly Russian's commonest letters there
/// (о а е и н т с р в л), else GBK.
fn guess_encoding(bytes: &[u8]) -> &'static encoding_rs::Encoding {
    const COMMON: [u8; 10] = [0xEE, 0xE0, 0xE5, 0xE8, 0xED, 0xF2, 0xF1, 0xF0, 0xE2, 0xEB];
    let high = bytes.iter().filter(|&&b| b >= 0x80).count();
    let common = bytes.iter().filter(|b| COMMON.contains(b)).count();
    if high > 0 && common * 10 >= high * 3 {
        encoding_rs::WINDOWS_1251
    } else {
        encoding_rs::GBK
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_known_by_content_and_encodings_guessed() {
        assert_eq!(
            format("\u{feff}<?xml?>\n<fcpxml version=\"1.8\">"),
            Some(Format::Fcpxml)
        );
        assert_eq!(
            format(r#"{"OTIO_SCHEMA": "Timeline.1"}"#),
            Some(Format::Otio)
        );
        assert_eq!(
            format("TITLE: x\nFCM: NON-DROP FRAME\n"),
            Some(Format::Cmx3600)
        );
        assert_eq!(format("hello"), None);
        // о а е и н in windows-1251, on line 2.
        let d = decode(b"TITLE: x\n\xee\xe0\xe5\xe8\xed", None).unwrap();
        assert_eq!(d.guessed, Some((2, "windows-1251")));
        assert_eq!(d.text, "TITLE: x\nоаеин");
        assert!(decode(b"x", Some("klingon")).is_err());
        assert_eq!(decode(b"x", None).unwrap().guessed, None);
    }
}
