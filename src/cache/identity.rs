//! A source file's identity for cache keys: its size and content hash, kept in the cache while
//! the file's path, size and time are unchanged.

use std::path::Path;

use super::*;

/// A source file's identity for cache keys: its size and a BLAKE3 hash of its whole content.
/// A copy, a fresh checkout, a restored backup or a `touch` keep it; any change to the bytes
/// changes it. Hashing reads the whole file, so with a cache the hash is kept under the file's
/// path, size and modification time and read back while those three are unchanged (a file
/// whose time or size moved is hashed again — and keeps its identity if its bytes did not
/// change).
pub fn source_identity(path: &Path, cache: Option<&Cache>) -> std::io::Result<String> {
    // Asked before opening: opening a FIFO blocks until something writes to it.
    if let Some(why) = crate::facts::not_a_regular_file(&std::fs::metadata(path)?) {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, why));
    }
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    let len = meta.len();
    let mtime = meta
        .modified()
        .ok()
        .and_then(|m| m.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    let stamp = cache.map(|c| {
        let full = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let mut h = blake3::Hasher::new();
        h.update(full.as_os_str().as_encoded_bytes());
        h.update(&len.to_le_bytes());
        h.update(&mtime.to_le_bytes());
        let key = h.finalize().to_hex()[..32].to_string();
        c.root.join("hashes").join(&key[..2]).join(key)
    });
    let valid = |s: &str| {
        s.split_once('-').is_some_and(|(n, h)| {
            n.parse::<u64>() == Ok(len) && h.len() == 32 && h.bytes().all(|b| b.is_ascii_hexdigit())
        })
    };
    if let Some(known) = stamp
        .as_ref()
        .and_then(|s| std::fs::read_to_string(s).ok())
        .filter(|s| valid(s))
    {
        if let Some(s) = &stamp {
            // Mark it used, for `cache clean --older-than`.
            let _ = std::fs::File::options()
                .append(true)
                .open(s)
                .and_then(|f| f.set_modified(SystemTime::now()));
        }
        return Ok(known);
    }
    // Read in blocks, each hashed on every core: memory stays at one block, whatever the size
    // (mapping the whole file would count a 2 GB source as 2 GB of resident memory).
    let mut hasher = blake3::Hasher::new();
    let mut block = vec![0u8; 8 << 20];
    let mut file = file;
    loop {
        let mut filled = 0;
        while filled < block.len() {
            match std::io::Read::read(&mut file, &mut block[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if filled == 0 {
            break;
        }
        hasher.update_rayon(&block[..filled]);
    }
    let identity = format!("{len}-{}", &hasher.finalize().to_hex()[..32]);
    if let Some(stamp) = stamp {
        // Kept for the next look; a failure only means hashing again next time.
        if let Some(dir) = stamp.parent() {
            if std::fs::create_dir_all(dir).is_ok() {
                let tmp = stamp.with_extension(format!("{}.partial", std::process::id()));
                if std::fs::write(&tmp, &identity).is_ok() && std::fs::rename(&tmp, &stamp).is_err()
                {
                    let _ = std::fs::remove_file(&tmp);
                }
            }
        }
    }
    Ok(identity)
}
