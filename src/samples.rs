//! The sample media set: small generated clips resembling the documentary's material, used by
//! the example EDLs in `edl/`, the demo and the tests.

use std::path::{Path, PathBuf};

use crate::media::synth::{self, SynthAudio, SynthClip, SynthVideo};
use crate::media::MediaError;
use crate::time::Rational;

/// One sample file and what it was made with (the facts tests check `probe` against).
#[derive(Debug, Clone)]
pub struct Sample {
    /// File name inside the samples folder.
    pub file: &'static str,
    pub description: &'static str,
    pub width: u32,
    pub height: u32,
    pub rate: (i32, i32),
    pub sar: (i32, i32),
    /// `Some(true)` top field first, `Some(false)` bottom field first, `None` progressive.
    pub top_field_first: Option<bool>,
    pub pix_fmt: &'static str,
    /// Audio sample rate and channel count, when the sample has sound.
    pub audio: Option<(u32, u32)>,
    /// Duration in whole seconds.
    pub seconds: i64,
    /// How it is generated (the file's path given).
    pub make: fn(&Sample, PathBuf) -> SynthClip,
}

/// The sample set, in the order it is written.
pub const SAMPLES: &[Sample] = &[
    Sample {
        file: "amur_2004_pal.mkv",
        description: "PAL DV-style colour camera footage: 720x576 25i bottom field first, 4:3 (SAR 16:15), BT.601, stereo 48 kHz with a white flash and a 1 kHz beep at every whole second",
        width: 720,
        height: 576,
        rate: (25, 1),
        sar: (16, 15),
        top_field_first: Some(false),
        pix_fmt: "yuv420p",
        audio: Some((48000, 2)),
        seconds: 8,
        make: amur,
    },
    Sample {
        file: "builders_1932_gray.mp4",
        description: "black-and-white archival film scan: gray pixel format (full range), 18 fps, 4:3, film grain, no sound",
        width: 480,
        height: 360,
        rate: (18, 1),
        sar: (1, 1),
        top_field_first: None,
        pix_fmt: "gray",
        audio: None,
        seconds: 6,
        make: builders,
    },
    Sample {
        file: "telecine_1948_cast.mp4",
        description: "black-and-white telecine stored as colour video with a faint uniform colour cast, 24 fps, 4:3, mono 44.1 kHz sound",
        width: 640,
        height: 480,
        rate: (24, 1),
        sar: (1, 1),
        top_field_first: None,
        pix_fmt: "yuv420p",
        audio: Some((44100, 1)),
        seconds: 6,
        make: telecine,
    },
    Sample {
        file: "knam_hd.mp4",
        description: "modern HD colour clip: 1920x1080 25p, BT.709, 5.1 sound at 48 kHz",
        width: 1920,
        height: 1080,
        rate: (25, 1),
        sar: (1, 1),
        top_field_first: None,
        pix_fmt: "yuv420p",
        audio: Some((48000, 6)),
        seconds: 4,
        make: knam,
    },
    Sample {
        file: "interview_2004.mp4",
        description: "an interview (a talking-head stand-in): 960x540 25p colour, BT.709, mono 48 kHz speech-band sound in syllables",
        width: 960,
        height: 540,
        rate: (25, 1),
        sar: (1, 1),
        top_field_first: None,
        pix_fmt: "yuv420p",
        audio: Some((48000, 1)),
        seconds: 12,
        make: interview,
    },
];

/// A sound-only music bed for the example EDL's `audio_tracks`: 20 s of a slow, soft stereo
/// chord (AAC, 48 kHz).
pub const MUSIC_BED: &str = "music_bed.m4a";

fn music_clip(dir: &Path) -> SynthClip {
    let chord = |phase: &str| {
        format!("0.12*(sin(2*PI*220*t{phase})+sin(2*PI*261.63*t)+sin(2*PI*329.63*t{phase}))*(0.8+0.2*sin(2*PI*0.25*t))")
    };
    SynthClip {
        path: dir.join(MUSIC_BED),
        duration: Rational::from_integer(20),
        video: None,
        audio: vec![SynthAudio {
            source: format!(
                "aevalsrc=exprs='{}|{}':sample_rate=48000:channel_layout=stereo",
                chord(""),
                chord("+0.7")
            ),
            encoder: "aac".into(),
            sample_rate: 48000,
            layout: "stereo",
            bit_rate: 128_000,
        }],
        metadata: vec![("title".into(), "Music bed (sample)".into())],
    }
}

/// A still for the example EDL's move: a black-and-white photograph stand-in, 1440x1080 JPEG.
pub(crate) const PHOTO: &str = "harbour_1957.jpg";

fn photo_clip(dir: &Path) -> SynthClip {
    SynthClip {
        path: dir.join(PHOTO),
        duration: Rational::new(1, 25),
        video: Some(SynthVideo {
            source: "testsrc2=size=1440x1080:rate=25,hue=s=0,noise=c0s=8".into(),
            encoder: "mjpeg".into(),
            pix_fmt: "yuvj420p".into(),
            width: 1440,
            height: 1080,
            rate: (25, 1),
            sar: (1, 1),
            top_field_first: None,
            range: "pc",
            colour: None,
            options: vec![],
            bit_rate: 4_000_000,
            gop: 1,
            display_matrix: None,
        }),
        audio: vec![],
        metadata: vec![],
    }
}

/// Subtitle files written beside the media: record-timed Russian and English, and a Russian
/// transcript timed against the Amur clip (`amur_ru.srt`, for source-relative timing).
pub const SUBTITLES: &[(&str, &str)] = &[
    (
        "ru.srt",
        "1\n00:00:00,500 --> 00:00:03,000\nСтроители, 1932 год\n\n2\n00:00:04,000 --> 00:00:06,500\nАмур весной 2004 года\n\n3\n00:00:09,000 --> 00:00:11,000\nКомсомольск-на-Амуре\n",
    ),
    (
        "amur_ru.srt",
        "1\n00:00:00,500 --> 00:00:01,200\nАпрель 2004 года.\n\n2\n00:00:01,800 --> 00:00:03,600\nЛёд на Амуре уже тронулся.\n\n3\n00:00:04,000 --> 00:00:05,600\nНабережная Комсомольска.\n\n4\n00:00:05,450 --> 00:00:06,100\nПароход.\n\n5\n00:00:06,300 --> 00:00:07,800\nВечером на реке тихо.\n",
    ),
    (
        "en.srt",
        "1\n00:00:00,500 --> 00:00:03,000\nThe builders, 1932\n\n2\n00:00:04,000 --> 00:00:06,500\nThe Amur in spring 2004\n\n3\n00:00:09,000 --> 00:00:11,000\nKomsomolsk-on-Amur\n",
    ),
];

fn x264(crf: &str, preset: &str) -> Vec<(String, String)> {
    vec![("crf".into(), crf.into()), ("preset".into(), preset.into())]
}

/// The full description of how sample `s` is generated.
fn clip_for(s: &Sample, dir: &Path) -> SynthClip {
    (s.make)(s, dir.join(s.file))
}

/// The picture every sample starts from: its size, rate, aspect, field order and pixel format,
/// encoded by `encoder` with `options`.
fn base(
    s: &Sample,
    source: String,
    encoder: &str,
    options: Vec<(String, String)>,
    bit_rate: usize,
    gop: u32,
) -> SynthVideo {
    SynthVideo {
        source,
        encoder: encoder.to_string(),
        pix_fmt: s.pix_fmt.to_string(),
        width: s.width,
        height: s.height,
        rate: s.rate,
        sar: s.sar,
        top_field_first: s.top_field_first,
        range: "tv",
        colour: None,
        options,
        bit_rate,
        gop,
        display_matrix: None,
    }
}

/// PAL camera footage: 50p interlaced into 25i bottom field first, a white frame and a 1 kHz
/// beep at every whole second.
fn amur(s: &Sample, path: PathBuf) -> SynthClip {
    let (w, h) = (s.width, s.height);
    let duration = Rational::from_integer(s.seconds);
    // 50p material interlaced into 25i, bottom field first; a white frame (both
    // fields) during the first 40 ms of every second.
    let mut v = base(
        s,
        format!(
            "testsrc2=size={w}x{h}:rate=50,drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='lt(mod(t,1),0.04)',interlace=scan=bff:lowpass=off"
        ),
        "mpeg2video",
        vec![("bf".into(), "2".into())],
        1_200_000,
        12,
    );
    v.colour = Some("bt470bg");
    let beep = "if(lt(mod(t,1),0.04),0.5*sin(2*PI*1000*t),0)";
    SynthClip {
        path,
        duration,
        video: Some(v),
        audio: vec![SynthAudio {
            source: format!(
                "aevalsrc=exprs='{beep}|{beep}':sample_rate=48000:channel_layout=stereo"
            ),
            encoder: "pcm_s16le".into(),
            sample_rate: 48000,
            layout: "stereo",
            bit_rate: 0,
        }],
        metadata: vec![("title".into(), "Amur, spring 2004 (sample)".into())],
    }
}

/// A black-and-white film scan: `gray`, full range, film grain, in HEVC; no sound.
fn builders(s: &Sample, path: PathBuf) -> SynthClip {
    let (w, h) = (s.width, s.height);
    let duration = Rational::from_integer(s.seconds);
    let mut v = base(
        s,
        format!("testsrc2=size={w}x{h}:rate=18,hue=s=0,noise=c0s=10:c0f=t"),
        "libx265",
        vec![
            ("crf".into(), "30".into()),
            ("preset".into(), "ultrafast".into()),
            ("x265-params".into(), "log-level=none".into()),
        ],
        0,
        36,
    );
    v.range = "pc";
    SynthClip {
        path,
        duration,
        video: Some(v),
        audio: vec![],
        metadata: vec![("title".into(), "Builders, 1932 (sample)".into())],
    }
}

/// A black-and-white telecine stored as colour with a faint uniform cast; a mono tone.
fn telecine(s: &Sample, path: PathBuf) -> SynthClip {
    let (w, h) = (s.width, s.height);
    let duration = Rational::from_integer(s.seconds);
    let mut v = base(
        s,
        format!("testsrc2=size={w}x{h}:rate=24,hue=s=0,noise=c0s=6:c0f=t,lutyuv=u=131:v=126"),
        "libx264",
        x264("24", "veryfast"),
        0,
        48,
    );
    v.colour = Some("smpte170m");
    SynthClip {
        path,
        duration,
        video: Some(v),
        audio: vec![SynthAudio {
            source: "sine=frequency=440:sample_rate=44100".into(),
            encoder: "aac".into(),
            sample_rate: 44100,
            layout: "mono",
            bit_rate: 64_000,
        }],
        metadata: vec![("title".into(), "Telecine, 1948 (sample)".into())],
    }
}

/// A talking-head stand-in: colour, with speech-band syllables in mono.
fn interview(s: &Sample, path: PathBuf) -> SynthClip {
    let (w, h) = (s.width, s.height);
    let duration = Rational::from_integer(s.seconds);
    let mut v = base(
        s,
        format!("testsrc2=size={w}x{h}:rate=25,hue=h=200:s=0.5"),
        "libx264",
        x264("30", "veryfast"),
        0,
        25,
    );
    v.colour = Some("bt709");
    // A voice-band tone gliding around 200 Hz, in syllables of a quarter second.
    let voice = "0.3*sin(2*PI*(200*t+8*sin(2*PI*1.5*t)))*(0.55+0.45*sin(2*PI*4*t))";
    SynthClip {
        path,
        duration,
        video: Some(v),
        audio: vec![SynthAudio {
            source: format!("aevalsrc=exprs='{voice}':sample_rate=48000:channel_layout=mono"),
            encoder: "aac".into(),
            sample_rate: 48000,
            layout: "mono",
            bit_rate: 96_000,
        }],
        metadata: vec![("title".into(), "Interview, 2004 (sample)".into())],
    }
}

/// A modern HD colour clip with six tones in 5.1.
fn knam(s: &Sample, path: PathBuf) -> SynthClip {
    let (w, h) = (s.width, s.height);
    let duration = Rational::from_integer(s.seconds);
    let mut v = base(
        s,
        format!("testsrc2=size={w}x{h}:rate=25"),
        "libx264",
        x264("32", "veryfast"),
        0,
        25,
    );
    v.colour = Some("bt709");
    let tone = |f: u32, a: &str| format!("{a}*sin(2*PI*{f}*t)");
    let exprs = [
        tone(440, "0.3"),
        tone(550, "0.3"),
        tone(660, "0.3"),
        tone(60, "0.1"),
        tone(770, "0.2"),
        tone(880, "0.2"),
    ]
    .join("|");
    SynthClip {
        path,
        duration,
        video: Some(v),
        audio: vec![SynthAudio {
            source: format!("aevalsrc=exprs='{exprs}':sample_rate=48000:channel_layout=5.1"),
            encoder: "aac".into(),
            sample_rate: 48000,
            layout: "5.1",
            bit_rate: 256_000,
        }],
        metadata: vec![("title".into(), "KnAAPO theatre, HD (sample)".into())],
    }
}

/// Write the whole sample set into `dir` (created if missing). Each file is written under a
/// temporary name and renamed when complete. Returns the paths written.
/// `threads`: encoder threads for writing them.
pub fn write_samples(dir: &Path, threads: usize) -> Result<Vec<PathBuf>, SamplesError> {
    std::fs::create_dir_all(dir).map_err(|e| SamplesError::Io {
        path: dir.to_path_buf(),
        source: e,
    })?;
    let mut written = Vec::new();
    let clips = SAMPLES
        .iter()
        .map(|s| (s.file, clip_for(s, dir)))
        .chain(std::iter::once((MUSIC_BED, music_clip(dir))))
        .chain(std::iter::once((PHOTO, photo_clip(dir))));
    for (file, mut clip) in clips {
        let final_path = clip.path.clone();
        let ext = match final_path.extension().and_then(|e| e.to_str()) {
            // One picture written as a bare MJPEG stream is a JPEG file.
            Some("jpg") => "mjpeg",
            Some(e) => e,
            None => "mkv",
        };
        let tmp = dir.join(format!(".{file}.partial.{ext}"));
        clip.path = tmp.clone();
        let result = synth::write(&clip, threads);
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            return Err(SamplesError::Media(e));
        }
        std::fs::rename(&tmp, &final_path).map_err(|e| SamplesError::Io {
            path: final_path.clone(),
            source: e,
        })?;
        written.push(final_path);
    }
    for (name, text) in SUBTITLES {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| SamplesError::Io {
            path: path.clone(),
            source: e,
        })?;
        written.push(path);
    }
    Ok(written)
}

/// Why writing the samples failed.
#[derive(Debug, thiserror::Error)]
pub enum SamplesError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Media(#[from] MediaError),
}
