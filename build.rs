//! Stamps the build with a hash of roughcut's own source, so cache keys change whenever the code
//! that renders segments changes (not only when the version number does).

use std::hash::{Hash, Hasher};
use std::path::Path;

fn collect(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, files);
        } else if p.extension().is_some_and(|x| x == "rs") {
            files.push(p);
        }
    }
}

fn main() {
    println!("cargo:rerun-if-changed=src");
    let mut files = Vec::new();
    collect(Path::new("src"), &mut files);
    files.sort();
    // SipHash with fixed keys: the same source gives the same stamp on every machine.
    #[allow(deprecated)]
    let mut h = std::hash::SipHasher::new();
    for f in &files {
        f.to_string_lossy().hash(&mut h);
        std::fs::read(f).unwrap_or_default().hash(&mut h);
    }
    println!("cargo:rustc-env=ROUGHCUT_SOURCE_HASH={:016x}", h.finish());

    // The corpus tests run only where the shared real-world media lie beside the checkout;
    // elsewhere they are reported as ignored, with the reason.
    println!("cargo:rustc-check-cfg=cfg(corpus)");
    println!("cargo:rerun-if-changed=../shared/corpus");
    if Path::new("../shared/corpus").is_dir() {
        println!("cargo:rustc-cfg=corpus");
    }
}
