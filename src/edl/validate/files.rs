//! What the gathered facts say about a file (noting what is still needed), and whether the
//! output would overwrite an input.

use super::*;

impl Validator<'_> {
    /// Every way the output would overwrite one of the EDL's inputs.
    pub(super) fn output_collisions(
        &mut self,
        out: &Path,
        sources: &BTreeMap<String, Candidate>,
        subtitles: &[Subtitle],
    ) {
        let inputs: Vec<(PathBuf, String)> = sources
            .values()
            .map(|s| (s.path.clone(), format!("the output path is the file of source `{}`; rendering would overwrite it — choose another output path", s.id)))
            .chain(subtitles.iter().enumerate().map(|(i, s)| {
                (
                    s.path.clone(),
                    format!("the output path is the subtitle file /subtitles/{i}; choose another output path"),
                )
            }))
            .collect();
        for (path, msg) in inputs {
            if self.same_file(out, &path) {
                self.error("/output/path", msg);
            }
        }
    }

    /// Whether two paths name one file: by their resolved paths when both exist, else by their
    /// normalised text (an output that does not exist yet).
    pub(super) fn same_file(&mut self, a: &Path, b: &Path) -> bool {
        match (self.canonical(a), self.canonical(b)) {
            (Some(x), Some(y)) => x == y,
            _ => crate::edl::paths::normalise(a) == crate::edl::paths::normalise(b),
        }
    }

    /// What was gathered about the media file `path` (`None`: not gathered yet; noted).
    pub(super) fn media(&mut self, path: &Path) -> Option<&'_ FileFacts> {
        let facts = self.facts;
        let found = facts.media(path);
        if found.is_none() {
            self.needs.insert(Need::Media(path.to_path_buf()));
        }
        found
    }

    /// The bytes of the file `path`, or why it cannot be read (`None`: not gathered yet).
    pub(super) fn bytes(&mut self, path: &Path) -> Option<Result<std::sync::Arc<[u8]>, String>> {
        let facts = self.facts;
        let found = facts.bytes(path);
        if found.is_none() {
            self.needs.insert(Need::Bytes(path.to_path_buf()));
        }
        found.cloned()
    }

    /// Whether FFmpeg has the filter `name` (`None`: not gathered yet; noted).
    pub(super) fn filter(&mut self, name: &str) -> Option<bool> {
        let found = self.facts.filter(name);
        if found.is_none() {
            self.needs.insert(Need::Filter(name.to_string()));
        }
        found
    }

    /// The resolved path of `path` when it exists.
    pub(super) fn canonical(&mut self, path: &Path) -> Option<PathBuf> {
        let facts = self.facts;
        match facts.canonical(path) {
            Some(found) => found.cloned(),
            None => {
                self.needs.insert(Need::Canonical(path.to_path_buf()));
                None
            }
        }
    }
}
