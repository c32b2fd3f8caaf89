//! docs/scale-out.md's GNU parallel recipe, run as written (with this test's binary, its copy of
//! the example EDL and a temporary output): four shards at once, then assembly — the same bytes
//! as one process.

use std::path::Path;

use crate::common::{render_fresh, samples_dir, workdir};

#[test]
fn gnu_parallel_recipe_runs_as_written() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scale-out.md"))
            .unwrap();
    let start = doc
        .find("## GNU parallel")
        .expect("the GNU parallel section");
    let block = doc[start..]
        .split("```bash\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("its bash block")
        .to_string();
    assert!(
        std::process::Command::new("parallel")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success()),
        "GNU parallel is missing: scripts/setup installs it"
    );
    // The example EDL over this run's sample media.
    let dir = workdir("scale-out");
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("edl/komsomolsk-rough-cut.json"),
    )
    .unwrap()
    .replace("media/", &format!("{}/", samples_dir().display()));
    let edl = dir.join("cut.json");
    std::fs::write(&edl, text).unwrap();
    let sharded = dir.join("sharded.mp4");
    let script = block
        .replace("target/release/roughcut", env!("CARGO_BIN_EXE_roughcut"))
        .replace("edl/komsomolsk-rough-cut.json", &edl.display().to_string())
        .replace(
            "/tmp/komsomolsk-sharded.mp4",
            &sharded.display().to_string(),
        );
    let out = std::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the recipe failed:\n{script}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let single = dir.join("single.mp4");
    render_fresh(&edl, &single);
    assert_eq!(
        std::fs::read(&sharded).unwrap(),
        std::fs::read(&single).unwrap(),
        "four shards and an assembly give the bytes of one process"
    );
}
