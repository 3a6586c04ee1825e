//! What a collection produces, and how it lands on disk (CONTRACT.md §1).

use std::io::Write;
use std::path::{Path, PathBuf};

use eksdoctor_analysis::bundle::CollectNotes;
pub use eksdoctor_analysis::bundle::{BundleFile, BundleMeta, NotCollected};
use serde::Serialize;

/// A finished collection: the bundle's files (including `bundle.json` and `collect-notes.json`)
/// and the notes again, for the summary.
#[derive(Debug, Clone, Default)]
pub struct Collected {
    pub files: Vec<BundleFile>,
    pub notes: Vec<NotCollected>,
    pub meta: BundleMeta,
}

pub const META_FILE: &str = "bundle.json";
pub const NOTES_FILE: &str = "collect-notes.json";

impl Collected {
    /// Adds `bundle.json` and `collect-notes.json` and sorts files by path, so that the same
    /// collection gives the same bundle.
    pub(crate) fn finish(mut self) -> Self {
        self.notes
            .sort_by(|a, b| (&a.what, &a.reason).cmp(&(&b.what, &b.reason)));
        self.files.push(BundleFile {
            path: META_FILE.to_owned(),
            contents: to_json(&self.meta),
        });
        self.files.push(BundleFile {
            path: NOTES_FILE.to_owned(),
            contents: to_json(&CollectNotes {
                not_collected: self.notes.clone(),
            }),
        });
        self.files.sort_by(|a, b| a.path.cmp(&b.path));
        self
    }

    /// A few lines for stderr: what was collected and what was not, and why.
    pub fn summary(&self) -> String {
        let count = |prefix: &str| {
            self.files
                .iter()
                .filter(|f| f.path.starts_with(prefix))
                .count()
        };
        let mut out = format!(
            "collected {} Kubernetes lists, {} log tails, {} AWS files",
            count("k8s/"),
            count("logs/"),
            count("aws/")
        );
        if let Some(cluster) = &self.meta.cluster {
            out.push_str(&format!(" (cluster {cluster}"));
            if let Some(region) = &self.meta.region {
                out.push_str(&format!(", {region}"));
            }
            out.push(')');
        }
        out.push('\n');
        if !self.notes.is_empty() {
            out.push_str("not collected:\n");
            // One line per reason: "no AWS credentials" covers every AWS file.
            let mut by_reason: Vec<(&str, Vec<&str>)> = Vec::new();
            for note in &self.notes {
                match by_reason.iter_mut().find(|(r, _)| *r == note.reason) {
                    Some((_, whats)) => whats.push(&note.what),
                    None => by_reason.push((&note.reason, vec![&note.what])),
                }
            }
            for (reason, whats) in by_reason {
                out.push_str(&format!("  {}: {reason}\n", whats.join(", ")));
            }
        }
        out
    }
}

/// Pretty JSON with a trailing newline, as the CLIs print it.
pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    // Serializing plain data (maps with string keys) cannot fail.
    let mut out = serde_json::to_vec_pretty(value).unwrap_or_default();
    out.push(b'\n');
    out
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot write bundle {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write bundle {path}: it exists and is not an empty directory")]
    Exists { path: PathBuf },
    #[error("cannot write bundle: file path {path:?} is not a relative path inside the bundle")]
    BadPath { path: String },
}

/// Checks, before collecting, that `write_bundle` can write to `out`: a directory target must
/// not hold anything yet, and the parent directory must exist.
pub fn check_output(out: &Path) -> Result<(), WriteError> {
    if !is_tarball(out) && out.exists() && !is_empty_dir(out) {
        return Err(WriteError::Exists {
            path: out.to_owned(),
        });
    }
    let parent = parent_dir(out);
    if !parent.is_dir() {
        return Err(WriteError::Io {
            path: out.to_owned(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("directory {} does not exist", parent.display()),
            ),
        });
    }
    Ok(())
}

fn is_tarball(out: &Path) -> bool {
    let name = out.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    name.ends_with(".tar.gz") || name.ends_with(".tgz")
}

fn parent_dir(out: &Path) -> PathBuf {
    match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// Writes the bundle to `out`: a `.tar.gz`/`.tgz` file, or else a directory. Everything goes to a
/// temporary sibling first and is renamed into place, so an interrupted run leaves no half bundle.
pub fn write_bundle(collected: &Collected, out: &Path) -> Result<(), WriteError> {
    for file in &collected.files {
        if !is_safe_relative(&file.path) {
            return Err(WriteError::BadPath {
                path: file.path.clone(),
            });
        }
    }
    let io = |source| WriteError::Io {
        path: out.to_owned(),
        source,
    };
    let parent = parent_dir(out);
    if is_tarball(out) {
        let mut tmp = tempfile::Builder::new()
            .prefix(".eksdoctor-bundle-")
            .suffix(".partial")
            .tempfile_in(&parent)
            .map_err(io)?;
        write_tar_gz(collected, tmp.as_file_mut()).map_err(io)?;
        tmp.as_file().sync_all().map_err(io)?;
        tmp.persist(out).map_err(|e| io(e.error))?;
    } else {
        if out.exists() && !is_empty_dir(out) {
            return Err(WriteError::Exists {
                path: out.to_owned(),
            });
        }
        let tmp = tempfile::Builder::new()
            .prefix(".eksdoctor-bundle-")
            .tempdir_in(&parent)
            .map_err(io)?;
        for file in &collected.files {
            let path = tmp.path().join(&file.path);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(io)?;
            }
            std::fs::write(&path, &file.contents).map_err(io)?;
        }
        if out.exists() {
            // An empty directory: rename(2) replaces it atomically.
            std::fs::remove_dir(out).map_err(io)?;
        }
        let tmp = tmp.keep();
        if let Err(e) = std::fs::rename(&tmp, out) {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(io(e));
        }
    }
    Ok(())
}

fn write_tar_gz(collected: &Collected, file: &mut std::fs::File) -> std::io::Result<()> {
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let mtime = collected
        .meta
        .collected_at
        .as_deref()
        .and_then(|t| {
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
        })
        .map_or(0, |t| u64::try_from(t.unix_timestamp()).unwrap_or(0));
    for file in &collected.files {
        let mut header = tar::Header::new_gnu();
        header.set_size(file.contents.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(mtime);
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut header, &file.path, file.contents.as_slice())?;
    }
    tar.into_inner()?.finish()?.flush()
}

fn is_empty_dir(path: &Path) -> bool {
    std::fs::read_dir(path).is_ok_and(|mut entries| entries.next().is_none())
}

fn is_safe_relative(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Collected {
        Collected {
            files: vec![BundleFile {
                path: "k8s/pods.json".into(),
                contents: b"{}\n".to_vec(),
            }],
            notes: vec![NotCollected {
                what: "k8s/ingresses".into(),
                reason: "forbidden".into(),
            }],
            meta: BundleMeta {
                cluster: Some("demo".into()),
                region: Some("us-west-2".into()),
                collected_at: Some("2025-01-01T00:00:00Z".into()),
            },
        }
        .finish()
    }

    #[test]
    fn finish_adds_meta_and_notes() {
        let c = sample();
        let paths: Vec<_> = c.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            ["bundle.json", "collect-notes.json", "k8s/pods.json"]
        );
        let notes: serde_json::Value = serde_json::from_slice(&c.files[1].contents).unwrap();
        assert_eq!(
            notes,
            serde_json::json!({"not_collected": [
                {"what": "k8s/ingresses", "reason": "forbidden"}
            ]})
        );
    }

    #[test]
    fn summary_groups_notes_by_reason() {
        let mut c = sample();
        for what in ["aws/subnets", "aws/vpcs"] {
            c.notes.push(NotCollected {
                what: what.into(),
                reason: "no AWS credentials".into(),
            });
        }
        assert_eq!(
            c.summary(),
            "collected 1 Kubernetes lists, 0 log tails, 0 AWS files (cluster demo, us-west-2)\n\
             not collected:\n  k8s/ingresses: forbidden\n  aws/subnets, aws/vpcs: no AWS credentials\n"
        );
    }

    #[test]
    fn directory_refuses_non_empty_target() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x"), "").unwrap();
        let err = write_bundle(&sample(), dir.path()).unwrap_err();
        assert!(matches!(err, WriteError::Exists { .. }), "{err}");
        let err = check_output(dir.path()).unwrap_err();
        assert!(matches!(err, WriteError::Exists { .. }), "{err}");
    }

    #[test]
    fn output_is_checked_before_collecting() {
        let dir = tempfile::tempdir().unwrap();
        check_output(&dir.path().join("new")).unwrap();
        check_output(&dir.path().join("b.tar.gz")).unwrap();
        check_output(dir.path()).unwrap();
        let err = check_output(&dir.path().join("missing/b.tar.gz")).unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
    }

    #[test]
    fn rejects_paths_outside_the_bundle() {
        let mut c = sample();
        c.files[0].path = "../evil".into();
        let dir = tempfile::tempdir().unwrap();
        let err = write_bundle(&c, &dir.path().join("b")).unwrap_err();
        assert!(matches!(err, WriteError::BadPath { .. }), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn writes_dir_and_tarball_without_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let c = sample();
        write_bundle(&c, &dir.path().join("b")).unwrap();
        write_bundle(&c, &dir.path().join("b.tar.gz")).unwrap();
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["b", "b.tar.gz"]);
        assert_eq!(
            std::fs::read(dir.path().join("b/k8s/pods.json")).unwrap(),
            b"{}\n"
        );
        let gz = std::fs::File::open(dir.path().join("b.tar.gz")).unwrap();
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(gz));
        let entries: Vec<String> = tar
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            entries,
            ["bundle.json", "collect-notes.json", "k8s/pods.json"]
        );
    }
}
