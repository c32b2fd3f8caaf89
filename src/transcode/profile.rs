//! Transcode profiles: what the outputs are. A profile has the same fields as an EDL's `output`
//! (checked by the same validator) plus its container; width, height and frame rate left out
//! mean "as the source".

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};

use crate::edl::raw::RawOutput;
use crate::edl::{AudioCodec, AudioSettings, CheckOptions, Container, Draft};
use crate::facts::Facts;
use crate::gather::{gather, Probing, Setup};

/// What kind of file a profile writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileKind {
    Video(Container),
    /// Sound only, WAV.
    Wav,
}

/// A named profile.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub kind: ProfileKind,
    /// EDL `output` fields (no `path`; width, height and frame rate left out mean "as the
    /// source").
    pub output: RawOutput,
    /// The output settings as the EDL validator checked and completed them (defaults filled).
    pub checked: crate::edl::Output,
    /// Scale each picture so its short side has this many pixels (not more than the source's),
    /// keeping its shape: square pixels, even sizes, no bars, portrait stays portrait — what
    /// editing systems need to relink proxies. Used when the profile gives no width and height.
    pub short_side: Option<u32>,
}

/// The built-in profiles, with what each is for.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "proxy",
        "short side 360, the source's shape (what editing systems relink), H.264 (veryfast, crf 28) + AAC 128k in MP4: light proxies for cutting",
    ),
    (
        "preview",
        "short side 720, the source's shape, H.264 (veryfast, crf 23) + AAC 160k in MP4: review copies",
    ),
    (
        "edit",
        "ProRes 422 Proxy at the source's size with 16-bit PCM in MOV: for editing systems",
    ),
    ("audio", "WAV, 48 kHz stereo 16-bit: the sound alone"),
];

/// A built-in profile by name.
pub fn builtin(name: &str) -> Option<Profile> {
    let (kind, output) = match name {
        "proxy" => (
            ProfileKind::Video(Container::Mp4),
            json!({ "fit": "pad",
                    "video": { "codec": "h264", "crf": 28, "preset": "veryfast" },
                    "audio": { "codec": "aac", "bitrate": "128k" } }),
        ),
        "preview" => (
            ProfileKind::Video(Container::Mp4),
            json!({ "fit": "pad",
                    "video": { "codec": "h264", "crf": 23, "preset": "veryfast" },
                    "audio": { "codec": "aac", "bitrate": "160k" } }),
        ),
        "edit" => (
            ProfileKind::Video(Container::Mov),
            json!({ "fit": "pad", "video": { "codec": "prores_proxy" },
                    "audio": { "codec": "pcm_s16le" } }),
        ),
        "audio" => (
            ProfileKind::Wav,
            json!({ "audio": { "codec": "pcm_s16le", "sample_rate": 48000, "channels": 2 } }),
        ),
        _ => return None,
    };
    let short_side = match name {
        "proxy" => Some(360),
        "preview" => Some(720),
        _ => None,
    };
    let mut p = Profile::new(name, kind, output, &format!("built-in profile {name}")).ok()?;
    p.short_side = short_side;
    Some(p)
}

impl Profile {
    /// The output files' extension.
    pub(crate) fn extension(&self) -> &'static str {
        match self.kind {
            ProfileKind::Video(c) => c.extension(),
            ProfileKind::Wav => "wav",
        }
    }

    /// Sound settings of a WAV profile (as checked, with the validator's defaults).
    pub(crate) fn audio_settings(&self) -> AudioSettings {
        AudioSettings {
            bitrate: 0,
            join_fade: 0,
            loudness: None,
            ..self.checked.audio.clone()
        }
    }

    /// A profile of `kind` whose output fields are `output` (JSON, as in a profiles file),
    /// checked with the EDL validator (on an EDL of one gap); problems are named by their place
    /// in `origin` (e.g. `/profiles/dailies`).
    pub fn new(
        name: &str,
        kind: ProfileKind,
        output: Value,
        origin: &str,
    ) -> Result<Profile, String> {
        let checked = check(kind, output.clone(), origin)?;
        let output: RawOutput =
            serde_json::from_value(output).map_err(|e| format!("{origin}: {e}"))?;
        let pcm = matches!(
            checked.audio.codec,
            AudioCodec::PcmS16le | AudioCodec::PcmS24le
        );
        if kind == ProfileKind::Wav && !pcm {
            return Err(format!(
                "{origin}/audio/codec: a WAV file carries PCM; use pcm_s16le or pcm_s24le"
            ));
        }
        Ok(Profile {
            name: name.to_string(),
            kind,
            output,
            checked,
            short_side: None,
        })
    }
}

/// The output `output` stands for, checked by the EDL validator.
fn check(kind: ProfileKind, mut output: Value, origin: &str) -> Result<crate::edl::Output, String> {
    {
        let Some(obj) = output.as_object_mut() else {
            return Err(format!("{origin}: a profile is an object of output fields"));
        };
        if obj.contains_key("path") {
            return Err(format!(
                "{origin}/path: a profile has no `path`; outputs mirror the inputs under -o DIR"
            ));
        }
        let ext = match kind {
            ProfileKind::Video(c) => c.extension(),
            ProfileKind::Wav => "mov",
        };
        obj.insert("path".into(), format!("profile-check.{ext}").into());
        let doc =
            json!({ "version": 1, "output": output, "sources": {}, "timeline": [ { "gap": 1 } ] });
        let path = Path::new("profile.json");
        let draft = Draft::from_value(doc, path);
        let opts = CheckOptions::default();
        let setup = Setup {
            probing: Probing::PresenceOnly,
            threads: 1,
            facts_cache: None,
        };
        let facts = gather(&draft, &opts, &setup, Facts::new(false));
        match crate::edl::check(&draft, &facts, &opts).into_loaded(path) {
            Ok(loaded) => Ok(loaded.edl.output),
            Err(crate::edl::LoadError::Invalid { diagnostics, .. }) => Err(diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| {
                    format!(
                        "{origin}{}: {}",
                        d.pointer.strip_prefix("/output").unwrap_or(&d.pointer),
                        d.message
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// Profiles from a JSON file: `{"profiles": {"NAME": {"container": "mp4" | "mov" | "mkv" |
/// "wav", …output fields…}}}`. Every profile is checked; all problems are reported at once.
pub fn load_profiles(path: &Path) -> Result<BTreeMap<String, Profile>, String> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: {e}"))?;
    profiles_from_text(&text, &shown)
}

/// [`load_profiles`] from the file's text (`shown`: its name in messages).
pub(crate) fn profiles_from_text(
    text: &str,
    shown: &str,
) -> Result<BTreeMap<String, Profile>, String> {
    let doc: Value =
        serde_json::from_str(text).map_err(|e| format!("{shown}: JSON syntax error: {e}"))?;
    let Some(map) = doc.get("profiles").and_then(Value::as_object) else {
        return Err(format!(
            "{shown}: expected {{\"profiles\": {{\"NAME\": {{\"container\": \"mp4\", …output fields…}}}}}}"
        ));
    };
    let mut out = BTreeMap::new();
    let mut problems = Vec::new();
    for (name, v) in map {
        let origin = format!("{shown}: /profiles/{name}");
        let mut fields = v.clone();
        let container = fields
            .as_object_mut()
            .and_then(|o| o.remove("container"))
            .and_then(|c| c.as_str().map(String::from))
            .unwrap_or_else(|| "mp4".into());
        let kind = match container.as_str() {
            "mp4" => ProfileKind::Video(Container::Mp4),
            "mov" => ProfileKind::Video(Container::Mov),
            "mkv" => ProfileKind::Video(Container::Mkv),
            "wav" => ProfileKind::Wav,
            other => {
                problems.push(format!(
                    "{origin}/container: unknown container `{other}`; use mp4, mov, mkv or wav"
                ));
                continue;
            }
        };
        let short_side = match fields.as_object_mut().and_then(|o| o.remove("short_side")) {
            None => None,
            Some(v) => match v.as_u64().filter(|n| (16..=4320).contains(n)) {
                Some(n) => Some(n as u32),
                None => {
                    problems.push(format!(
                        "{origin}/short_side: `{v}` is not a size; give the short side in pixels, 16 to 4320"
                    ));
                    continue;
                }
            },
        };
        match Profile::new(name, kind, fields, &origin) {
            Ok(mut p) => {
                p.short_side = short_side;
                out.insert(name.clone(), p);
            }
            Err(e) => problems.push(e),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems.join("\n"))
    }
}

/// The profile called `name`: one of `custom` (from a profiles file), else a built-in one; an
/// unknown name is an error listing the choices.
pub fn find_profile(
    name: &str,
    custom: &std::collections::BTreeMap<String, Profile>,
) -> Result<Profile, String> {
    if let Some(p) = custom.get(name).cloned().or_else(|| builtin(name)) {
        return Ok(p);
    }
    let mut names: Vec<String> = BUILTIN.iter().map(|(n, _)| n.to_string()).collect();
    names.extend(custom.keys().cloned());
    Err(format!(
        "unknown profile `{name}`; use one of: {}",
        names.join(", ")
    ))
}
