//! Shared fixtures: generated sample media (made once per test run) and the CLI binary.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use assert_cmd::Command;
use roughcut::edl::{LoadError, Loaded};
use roughcut::media::synth::{SynthAudio, SynthClip, SynthVideo};
use roughcut::plan::{self, Plan, PlanOptions};
use roughcut::time::Rational;

/// The `roughcut` binary under test, with a segment cache of this test run's own (never the
/// user's), so every run starts cold.
pub fn roughcut() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_roughcut"));
    c.env_remove("RUST_LOG");
    c.env("ROUGHCUT_CACHE_DIR", samples_dir().join("cache"));
    c
}

/// The binary as a plain process (to run several at once), with the same environment as
/// [`roughcut`].
pub fn roughcut_process() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_roughcut"));
    c.env_remove("RUST_LOG");
    c.env("ROUGHCUT_CACHE_DIR", samples_dir().join("cache"));
    c
}

/// The cores of the machine: the tests are the top of their own process, so they read it and
/// hand it down as the library's commands do.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The process-wide switches `main` sets (the allocator fill that keeps x264 deterministic),
/// set once before the tests write any media in-process.
pub fn setup() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        roughcut::media::deterministic_allocations();
        roughcut::media::init();
    });
}

/// Write a generated clip with the machine's cores.
pub fn write_clip(clip: &SynthClip) -> Result<(), roughcut::media::MediaError> {
    setup();
    roughcut::media::synth::write(clip, cores())
}

/// Probe a media file with the machine's cores.
pub fn probe(path: &Path) -> Result<roughcut::facts::MediaFacts, roughcut::media::MediaError> {
    setup();
    roughcut::media::probe::probe_file(path, cores())
}

/// Read, gather and check an EDL file as `render` does.
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    setup();
    roughcut::gather::load(
        path,
        &Default::default(),
        &roughcut::gather::Setup::full(cores()),
    )
}

/// [`load`] for EDL text, as if it were the file `path`.
pub fn load_str(text: &str, path: &Path) -> Result<Loaded, LoadError> {
    setup();
    roughcut::gather::load_str(
        text,
        path,
        &Default::default(),
        &roughcut::gather::Setup::full(cores()),
    )
}

/// A folder holding the generated sample set (written once per test process).
pub fn samples_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        setup();
        let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
        // Remove sample folders left by earlier runs.
        if let Ok(entries) = std::fs::read_dir(base) {
            for e in entries.flatten() {
                if e.file_name().to_string_lossy().starts_with("samples-") {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        let dir = tempfile::Builder::new()
            .prefix("samples-")
            .tempdir_in(base)
            .expect("temporary folder for samples")
            .keep();
        roughcut::samples::write_samples(&dir, cores()).expect("generate the sample media");
        dir
    })
}

/// The shared real-world corpus beside the checkout. Tests that use it carry
/// `#[cfg_attr(not(corpus), ignore = …)]`: where the folder is absent (the build script looks)
/// they are reported as ignored with that reason instead of passing without checking anything.
pub fn corpus_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    assert!(
        dir.is_dir(),
        "{} is absent; the corpus tests need the shared real-world media beside the checkout",
        dir.display()
    );
    dir
}

/// A fresh folder for one test's EDL and output, inside the samples folder so `../` reaches the
/// samples.
pub fn workdir(name: &str) -> PathBuf {
    let d = samples_dir().join(format!("work-{name}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("create work dir");
    d
}

/// Render `edl_path` with the CLI (no progress, plus `extra` arguments); panics with its
/// stderr on failure.
pub fn render(edl_path: &Path, extra: &[&str]) {
    let out = roughcut()
        .arg("render")
        .arg(edl_path)
        .args(["--progress", "none"])
        .args(extra)
        .timeout(std::time::Duration::from_secs(300))
        .output()
        .expect("run render");
    assert!(
        out.status.success(),
        "render failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every picture of a rendered file, decoded.
pub fn pictures(path: &Path) -> Vec<roughcut::media::measure::Picture> {
    let mut v = Vec::new();
    roughcut::media::measure::for_each_picture(path, |p| v.push(p)).expect("decode output");
    v
}

/// Write `edl` as `dir/name.json` (its output path must be `name.mp4`), render it, decode it.
pub fn render_edl(dir: &Path, name: &str, edl: &str) -> Vec<roughcut::media::measure::Picture> {
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, edl).expect("write EDL");
    render(&path, &[]);
    pictures(&dir.join(format!("{name}.mp4")))
}

/// Render `edl_path` expecting failure: the exit code and stderr.
pub fn render_failure(edl_path: &Path) -> (Option<i32>, String) {
    let out = roughcut()
        .args(["render", "--progress", "none"])
        .arg(edl_path)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .expect("run render");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The plan of a valid EDL file, balanced for two workers.
pub fn plan_for(edl_path: &Path) -> Plan {
    let loaded = load(edl_path).expect("valid EDL");
    let opts = PlanOptions {
        salt: roughcut::media::library_versions(),
        ..PlanOptions::default()
    };
    plan::build(&loaded.edl, opts).expect("plan")
}

/// Write a generated test source into the samples folder (once per run) and return its path.
pub fn synth(
    name: &str,
    seconds: i64,
    video: Option<SynthVideo>,
    audio: Option<SynthAudio>,
) -> PathBuf {
    shared_clip(name, |path| SynthClip {
        path,
        duration: Rational::from_integer(seconds),
        video,
        audio: audio.into_iter().collect(),
        metadata: vec![],
    })
}

/// Write the clip `describe` gives (its `path` is the one handed in) into the samples folder
/// as `name`, once per run, and return its path. Tests run in parallel and share these
/// sources: one writer at a time, under a temporary name renamed when complete, so no test
/// ever reads a half-written file and none writes one twice.
pub fn shared_clip(name: &str, describe: impl FnOnce(PathBuf) -> SynthClip) -> PathBuf {
    static WRITING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let path = samples_dir().join(name);
    let _guard = WRITING.lock().unwrap_or_else(|e| e.into_inner());
    if !path.exists() {
        let ext = path
            .extension()
            .map_or("mp4".into(), |e| e.to_string_lossy().into_owned());
        let tmp = samples_dir().join(format!(".{name}.partial.{ext}"));
        write_clip(&describe(tmp.clone())).expect("write test source");
        std::fs::rename(&tmp, &path).expect("rename test source");
    }
    path
}

/// An H.264 picture description for [`synth`].
pub fn video(source: String, w: u32, h: u32, rate: (i32, i32), sar: (i32, i32)) -> SynthVideo {
    SynthVideo {
        source,
        encoder: "libx264".into(),
        pix_fmt: "yuv420p".into(),
        width: w,
        height: h,
        rate,
        sar,
        top_field_first: None,
        range: "tv",
        colour: None,
        options: vec![
            ("preset".into(), "ultrafast".into()),
            ("crf".into(), "20".into()),
        ],
        bit_rate: 0,
        gop: 30,
        display_matrix: None,
    }
}

/// Render `edl` to `out` from scratch (no cache), panicking with stderr on failure: the reference
/// that cached, sharded or assembled outputs must equal byte for byte.
pub fn render_fresh(edl: &Path, out: &Path) {
    let o = roughcut()
        .args(["render", "--no-cache", "--progress", "none", "-o"])
        .arg(out)
        .arg(edl)
        .output()
        .expect("run render");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
