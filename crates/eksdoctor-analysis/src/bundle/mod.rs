//! Reads a bundle (CONTRACT.md §1): a directory or a `.tar.gz` of kubectl and aws CLI output,
//! recognised by content. Files are parsed in parallel; the result is merged in path order so the
//! snapshot (and so the report) does not depend on the thread count.

mod classify;

pub use classify::Kind;
use classify::{AwsDoc, Object, classify};

use crate::logs::LogFile;
use crate::snapshot::{Input, Snapshot};
use rayon::prelude::*;
use serde::Deserialize;
use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// A file of a bundle held in memory (what `collect` produces before writing it out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleFile {
    /// Relative, `/`-separated path inside the bundle, e.g. `k8s/pods.json`.
    pub path: String,
    pub contents: Vec<u8>,
}

/// `bundle.json`: where and when the bundle was collected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct BundleMeta {
    pub cluster: Option<String>,
    pub region: Option<String>,
    pub collected_at: Option<String>,
}

/// `collect-notes.json`, written by `eksdoctor collect`: what could not be collected, and why.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct CollectNotes {
    pub not_collected: Vec<NotCollected>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct NotCollected {
    /// What is missing, as a bundle path or evidence name, e.g. `k8s/events` or `aws/subnets`.
    pub what: String,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    /// Fail on the first malformed file instead of reporting it and reading the rest.
    pub strict: bool,
}

/// A file that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{}:{l}:{c}: {}", self.file, self.message),
            (Some(l), None) => write!(f, "{}:{l}: {}", self.file, self.message),
            _ => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Why a bundle could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read bundle `{path}`: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{0}` is neither a directory nor a .tar.gz bundle")]
    NotABundle(PathBuf),
    #[error("malformed file in bundle (--strict): {0}")]
    Malformed(FileError),
}

/// Loads a bundle from a directory or a `.tar.gz` / `.tgz` file.
pub fn load_path(path: &Path, options: LoadOptions) -> Result<Snapshot, LoadError> {
    let io = |source| LoadError::Io {
        path: path.to_owned(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    let sources = if meta.is_dir() {
        let mut files = Vec::new();
        walk(path, path, &mut files).map_err(io)?;
        files
    } else if is_tar_gz(path).map_err(io)? {
        read_tar_gz(File::open(path).map_err(io)?).map_err(io)?
    } else {
        return Err(LoadError::NotABundle(path.to_owned()));
    };
    load_sources(sources, options)
}

/// Loads a bundle held in memory.
pub fn load_files(files: Vec<BundleFile>, options: LoadOptions) -> Result<Snapshot, LoadError> {
    let sources = files
        .into_iter()
        .map(|f| Source {
            path: f.path,
            size: f.contents.len() as u64,
            data: Data::Memory(f.contents),
        })
        .collect();
    load_sources(sources, options)
}

/// Unpacks a `.tar.gz` bundle into memory (used by `load_path` and by tests of `collect`).
pub fn read_tar_gz_files<R: Read>(reader: R) -> std::io::Result<Vec<BundleFile>> {
    Ok(read_tar_gz(reader)?
        .into_iter()
        .filter_map(|s| match s.data {
            Data::Memory(contents) => Some(BundleFile {
                path: s.path,
                contents,
            }),
            Data::Disk(_) => None,
        })
        .collect())
}

struct Source {
    path: String,
    /// Bytes, read once when the bundle is listed (batching and the list sizing use it).
    size: u64,
    data: Data,
}

enum Data {
    Disk(PathBuf),
    Memory(Vec<u8>),
}

/// Files up to this size are read whole and parsed from memory; larger ones are streamed, so
/// that a single huge `kubectl get pods -A -o json` does not have to fit in memory at once.
const IN_MEMORY_LIMIT: u64 = 64 << 20;

thread_local! {
    /// Each parsing thread reads files into one buffer it keeps: a fresh buffer per file would
    /// fault in (and zero) new memory for every byte of a multi-gigabyte bundle.
    static READ_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Data {
    /// Runs `f` on the whole contents, or on `None` when the file is larger than
    /// [`IN_MEMORY_LIMIT`] (the caller streams it then).
    fn with_contents<T>(&self, f: impl FnOnce(Option<&[u8]>) -> T) -> std::io::Result<T> {
        match self {
            Data::Memory(bytes) => Ok(f(Some(bytes))),
            Data::Disk(p) => {
                let mut file = File::open(p)?;
                let len = file.metadata()?.len();
                if len > IN_MEMORY_LIMIT {
                    return Ok(f(None));
                }
                READ_BUFFER.with_borrow_mut(|buffer| {
                    buffer.clear();
                    buffer.reserve(len as usize);
                    file.read_to_end(buffer)?;
                    Ok(f(Some(buffer)))
                })
            }
        }
    }

    fn reader(&self) -> std::io::Result<Box<dyn Read + '_>> {
        Ok(match self {
            Data::Disk(p) => Box::new(BufReader::with_capacity(1 << 18, File::open(p)?)),
            Data::Memory(bytes) => Box::new(bytes.as_slice()),
        })
    }
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<Source>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let file_type = entry.file_type()?;
        if file_type.is_dir() {
            walk(root, &path, out)?;
        } else if file_type.is_file() {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push(Source {
                path: rel,
                size: entry.metadata()?.len(),
                data: Data::Disk(path),
            });
        }
    }
    Ok(())
}

fn is_tar_gz(path: &Path) -> std::io::Result<bool> {
    let mut magic = [0u8; 2];
    let mut file = File::open(path)?;
    Ok(file.read(&mut magic)? == 2 && magic == [0x1f, 0x8b])
}

fn read_tar_gz<R: Read>(reader: R) -> std::io::Result<Vec<Source>> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(reader));
    let mut out = Vec::new();
    for entry in archive.entries()? {
        let mut entry = entry?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry
            .path()?
            .to_string_lossy()
            .trim_start_matches("./")
            .to_owned();
        let mut data = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut data)?;
        out.push(Source {
            path,
            size: data.len() as u64,
            data: Data::Memory(data),
        });
    }
    strip_common_top_dir(&mut out);
    Ok(out)
}

/// `tar czf b.tar.gz bundle/` puts every path under `bundle/`: strip that folder so evidence
/// references read the same as for the directory itself.
fn strip_common_top_dir(sources: &mut [Source]) {
    let Some(top) = sources
        .first()
        .and_then(|s| s.path.split_once('/'))
        .map(|(t, _)| format!("{t}/"))
    else {
        return;
    };
    if sources.iter().all(|s| s.path.starts_with(&top)) {
        for s in sources.iter_mut() {
            s.path.drain(..top.len());
        }
    }
}

/// What one file turned out to be.
enum Parsed {
    Objects(Vec<Object>),
    Log(LogFile),
    Meta(BundleMeta),
    Notes(CollectNotes),
    Ignored,
    Error(FileError),
}

/// Files are parsed in parallel a batch of about this many bytes at a time, and each batch is
/// moved into the snapshot before the next is read: the parsed objects of the whole bundle
/// never sit in memory beside the snapshot that takes them over.
const BATCH_BYTES: u64 = 64 << 20;

fn load_sources(mut sources: Vec<Source>, options: LoadOptions) -> Result<Snapshot, LoadError> {
    sources.sort_by(|a, b| a.path.cmp(&b.path));
    let mut snapshot = Snapshot::default();
    let object_bytes = |files: &[Source]| -> u64 {
        files
            .iter()
            .filter(|s| log_identity(&s.path).is_none())
            .map(|s| s.size)
            .sum()
    };
    let total = object_bytes(&sources);
    let mut done = 0;
    for batch in batches(&sources) {
        let parsed: Vec<Parsed> = batch.par_iter().map(parse_source).collect();
        done += object_bytes(batch);
        for (source, parsed) in batch.iter().zip(parsed) {
            match parsed {
                Parsed::Objects(objects) => {
                    for object in objects {
                        add_object(&mut snapshot, object);
                    }
                }
                Parsed::Log(log) => {
                    snapshot.collected.insert(Input::Logs);
                    snapshot.logs.push(log);
                }
                Parsed::Meta(meta) => snapshot.meta = meta,
                Parsed::Notes(notes) => snapshot.not_collected.extend(notes.not_collected),
                Parsed::Ignored => snapshot.ignored_files.push(source.path.clone()),
                Parsed::Error(error) if options.strict => {
                    return Err(LoadError::Malformed(error));
                }
                Parsed::Error(error) => snapshot.file_errors.push(error),
            }
        }
        reserve_for_the_rest(&mut snapshot, done, total);
    }
    snapshot.finish();
    Ok(snapshot)
}

/// Sizes the largest lists for the whole bundle from what the bytes read so far held, so that
/// they are not regrown (each time copied into fresh memory) batch after batch.
fn reserve_for_the_rest(s: &mut Snapshot, done: u64, total: u64) {
    fn reserve<T>(list: &mut Vec<T>, done: u64, total: u64) {
        let expected = (list.len() as u128 * u128::from(total) / u128::from(done.max(1))) as usize;
        if expected > list.capacity() {
            list.reserve_exact(expected - list.len());
        }
    }
    reserve(&mut s.pods, done, total);
    reserve(&mut s.events, done, total);
    reserve(&mut s.replica_sets, done, total);
    reserve(&mut s.deployments, done, total);
    reserve(&mut s.services, done, total);
    reserve(&mut s.endpoints, done, total);
    reserve(&mut s.nodes, done, total);
}

/// Consecutive runs of files of about [`BATCH_BYTES`] together (at least one file each).
fn batches(sources: &[Source]) -> Vec<&[Source]> {
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, source) in sources.iter().enumerate() {
        bytes += source.size;
        if bytes >= BATCH_BYTES {
            out.push(&sources[start..=i]);
            (start, bytes) = (i + 1, 0);
        }
    }
    if start < sources.len() {
        out.push(&sources[start..]);
    }
    out
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// `logs/<namespace>/<pod>/<container>.log`, possibly below a top directory (a tarred folder).
fn log_identity(path: &str) -> Option<(String, String, String)> {
    let parts: Vec<&str> = path.split('/').collect();
    let at = parts.iter().rposition(|p| *p == "logs")?;
    match &parts[at + 1..] {
        [ns, pod, file] => {
            let container = file.strip_suffix(".log").unwrap_or(file);
            Some((ns.to_string(), pod.to_string(), container.to_string()))
        }
        _ => None,
    }
}

fn parse_source(source: &Source) -> Parsed {
    let io_error = |e: std::io::Error| {
        Parsed::Error(FileError {
            file: source.path.clone(),
            line: None,
            column: None,
            message: e.to_string(),
        })
    };
    if let Some((namespace, pod, container)) = log_identity(&source.path) {
        let reader = match source.data.reader() {
            Ok(r) => r,
            Err(e) => return io_error(e),
        };
        return match LogFile::scan(source.path.clone(), namespace, pod, container, reader) {
            Ok(log) => Parsed::Log(log),
            Err(e) => io_error(e),
        };
    }
    let name = file_name(&source.path);
    let lower = name.to_ascii_lowercase();
    let is_json = lower.ends_with(".json");
    let is_yaml = lower.ends_with(".yaml") || lower.ends_with(".yml");
    if !is_json && !is_yaml {
        return Parsed::Ignored;
    }
    let reader = match source.data.reader() {
        Ok(r) => r,
        Err(e) => return io_error(e),
    };
    let error = |line, column, message: String| {
        Parsed::Error(FileError {
            file: source.path.clone(),
            line,
            column,
            message,
        })
    };
    if name == "bundle.json" || name == "collect-notes.json" {
        let parsed = if name == "bundle.json" {
            serde_json::from_reader(reader).map(Parsed::Meta)
        } else {
            serde_json::from_reader(reader).map(Parsed::Notes)
        };
        return parsed.unwrap_or_else(|e| error(Some(e.line()), Some(e.column()), e.to_string()));
    }
    if is_json {
        // Parsing from memory is several times faster than through `io::Read` (serde_json then
        // tracks positions byte by byte); files too large to hold are streamed instead.
        let result = source.data.with_contents(|contents| match contents {
            Some(bytes) => classify_json(serde_json::Deserializer::from_slice(bytes)),
            None => classify_json(serde_json::Deserializer::from_reader(reader)),
        });
        let result = match result {
            Ok(result) => result,
            Err(e) => return io_error(e),
        };
        return match result {
            Ok(c) if c.unrecognised => Parsed::Ignored,
            Ok(c) => Parsed::Objects(c.objects),
            Err(e) => error(
                Some(e.line()),
                Some(e.column()),
                strip_position(&e.to_string()),
            ),
        };
    }
    parse_yaml(reader).unwrap_or_else(|(line, column, message)| error(line, column, message))
}

fn classify_json<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
) -> serde_json::Result<classify::Classified> {
    classify(&mut de).and_then(|c| de.end().map(|()| c))
}

/// serde_json appends " at line L column C"; the position is reported separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

type YamlError = (Option<usize>, Option<usize>, String);

fn parse_yaml(mut reader: Box<dyn Read + '_>) -> Result<Parsed, YamlError> {
    let mut text = Vec::new();
    reader
        .read_to_end(&mut text)
        .map_err(|e| (None, None, e.to_string()))?;
    let mut objects = Vec::new();
    let mut recognised = false;
    for document in serde_norway::Deserializer::from_slice(&text) {
        let value = serde_json::Value::deserialize(document).map_err(|e| {
            let at = e.location();
            (
                at.as_ref().map(|l| l.line()),
                at.as_ref().map(|l| l.column()),
                e.to_string(),
            )
        })?;
        if value.is_null() {
            continue; // an empty document between `---` separators
        }
        let classified = classify(value).map_err(|e| (None, None, e.to_string()))?;
        recognised |= !classified.unrecognised;
        objects.extend(classified.objects);
    }
    Ok(if recognised {
        Parsed::Objects(objects)
    } else {
        Parsed::Ignored
    })
}

fn add_object(s: &mut Snapshot, object: Object) {
    use Input as E;
    let mark = |s: &mut Snapshot, e| {
        s.collected.insert(e);
    };
    match object {
        Object::Pod(o) => {
            mark(s, E::Kube(Kind::Pod));
            s.pods.push(*o)
        }
        Object::Node(o) => {
            mark(s, E::Kube(Kind::Node));
            s.nodes.push(*o)
        }
        Object::Namespace(o) => {
            mark(s, E::Kube(Kind::Namespace));
            s.namespaces.push(*o)
        }
        Object::Deployment(o) => {
            mark(s, E::Kube(Kind::Deployment));
            s.deployments.push(*o)
        }
        Object::ReplicaSet(o) => {
            mark(s, E::Kube(Kind::ReplicaSet));
            s.replica_sets.push(*o)
        }
        Object::DaemonSet(o) => {
            mark(s, E::Kube(Kind::DaemonSet));
            s.daemon_sets.push(*o)
        }
        Object::Service(o) => {
            mark(s, E::Kube(Kind::Service));
            s.services.push(*o)
        }
        Object::Endpoints(o) => {
            mark(s, E::Kube(Kind::Endpoints));
            s.endpoints.push(*o)
        }
        Object::EndpointSlice(o) => {
            mark(s, E::Kube(Kind::EndpointSlice));
            s.endpoint_slices.push(*o)
        }
        Object::Ingress(o) => {
            mark(s, E::Kube(Kind::Ingress));
            s.ingresses.push(*o)
        }
        Object::IngressClass(o) => {
            mark(s, E::Kube(Kind::IngressClass));
            s.ingress_classes.push(*o)
        }
        Object::IngressClassParams(o) => {
            mark(s, E::Kube(Kind::IngressClassParams));
            s.ingress_class_params.push(*o)
        }
        Object::Event(o) => {
            mark(s, E::Kube(Kind::Event));
            s.events.push(*o)
        }
        Object::ServiceAccount(o) => {
            mark(s, E::Kube(Kind::ServiceAccount));
            s.service_accounts.push(*o)
        }
        Object::ConfigMap(o) => {
            mark(s, E::Kube(Kind::ConfigMap));
            s.config_maps.push(*o)
        }
        Object::ValidatingWebhookConfiguration(o) => {
            mark(s, E::Kube(Kind::ValidatingWebhookConfiguration));
            s.validating_webhooks.push(*o)
        }
        Object::MutatingWebhookConfiguration(o) => {
            mark(s, E::Kube(Kind::MutatingWebhookConfiguration));
            s.mutating_webhooks.push(*o)
        }
        Object::OtherKubernetes => {}
        Object::ListOf(kind) => mark(s, E::Kube(kind)),
        Object::Aws(doc) => add_aws(s, doc),
    }
}

fn add_aws(s: &mut Snapshot, doc: AwsDoc) {
    use Input as E;
    let evidence = match doc {
        AwsDoc::Subnets(v) => {
            s.aws.subnets.extend(v);
            E::Subnets
        }
        AwsDoc::Vpcs(v) => {
            s.aws.vpcs.extend(v);
            E::Vpcs
        }
        AwsDoc::RouteTables(v) => {
            s.aws.route_tables.extend(v);
            E::RouteTables
        }
        AwsDoc::NatGateways(v) => {
            s.aws.nat_gateways.extend(v);
            E::NatGateways
        }
        AwsDoc::InternetGateways(v) => {
            s.aws.internet_gateways.extend(v);
            E::InternetGateways
        }
        AwsDoc::VpcEndpoints(v) => {
            s.aws.vpc_endpoints.extend(v);
            E::VpcEndpoints
        }
        AwsDoc::SecurityGroups(v) => {
            s.aws.security_groups.extend(v);
            E::SecurityGroups
        }
        AwsDoc::Cluster(c) => {
            s.aws.cluster = Some(*c);
            E::Cluster
        }
        AwsDoc::FargateProfile(p) => {
            s.aws.fargate_profiles.push(*p);
            E::FargateProfiles
        }
        AwsDoc::Addon(a) => {
            s.aws.addons.push(*a);
            E::Addons
        }
        AwsDoc::LoadBalancers(v) => {
            s.aws.load_balancers.extend(v);
            E::LoadBalancers
        }
        AwsDoc::TargetGroups(v) => {
            s.aws.target_groups.extend(v);
            E::TargetGroups
        }
        AwsDoc::TargetHealthDescriptions(v) => {
            s.aws.target_health.extend(v);
            E::TargetHealth
        }
        AwsDoc::Role(r) => {
            s.aws.roles.push(*r);
            E::Roles
        }
        AwsDoc::OpenIdConnectProviders(v) => {
            s.aws.oidc_providers.extend(v);
            E::OidcProviders
        }
    };
    s.collected.insert(evidence);
}

#[cfg(test)]
mod tests;
