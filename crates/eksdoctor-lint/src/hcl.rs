//! Reads a tree of Terraform modules: every directory with `.tf` files is one module (all its
//! files together); directories that no other module calls by a local `source` are roots,
//! evaluated with their variable defaults and `*.tfvars`; local module calls are followed with
//! the caller's inputs, per instance.

use crate::eval::{ModuleEnv, Scope, pairs_of};
use crate::model::{Config, Instance, Key, Kind, Site};
use crate::value::{Obj, Value};
use crate::{FileError, Sources};
use hcl_edit::Span;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body, Structure};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Module calls nested deeper than this are not followed (and cycles stop here too).
const MAX_DEPTH: usize = 8;
/// A `count` above this is evaluated as one instance with an unknown index.
const MAX_COUNT: f64 = 256.0;

struct ModuleDir {
    dir: PathBuf,
    canon: PathBuf,
    files: Vec<(usize, Body)>,
    tfvars: BTreeMap<String, Value>,
}

/// Parses `.tf` files grouped by directory and builds one configuration from them.
pub fn load(
    groups: &BTreeMap<PathBuf, Vec<PathBuf>>,
    tfvars: &BTreeMap<PathBuf, Vec<PathBuf>>,
    sources: &mut Sources,
    errors: &mut Vec<FileError>,
) -> Config {
    let mut dirs = Vec::new();
    for (dir, paths) in groups {
        let mut files = Vec::new();
        for path in paths {
            if let Some((idx, body)) = parse_file(path, sources, errors) {
                files.push((idx, body));
            }
        }
        let vars = tfvars
            .get(dir)
            .map(|p| read_tfvars(p, sources, errors))
            .unwrap_or_default();
        let canon = dir.canonicalize().unwrap_or_else(|_| dir.clone());
        dirs.push(ModuleDir {
            dir: dir.clone(),
            canon,
            files,
            tfvars: vars,
        });
    }
    let called: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|m| {
            m.files
                .iter()
                .flat_map(|(_, body)| body.get_blocks("module"))
                .filter_map(|b| local_source(&m.dir, b))
        })
        .collect();
    let mut config = Config::default();
    for (i, m) in dirs.iter().enumerate() {
        if !called.contains(&m.canon) {
            Loader {
                dirs: &dirs,
                out: &mut config.instances,
            }
            .instantiate(i, String::new(), None, &[]);
        }
    }
    config
}

fn parse_file(
    path: &Path,
    sources: &mut Sources,
    errors: &mut Vec<FileError>,
) -> Option<(usize, Body)> {
    let (idx, text) = sources.read(path, errors)?;
    match hcl_edit::parser::parse_body(text) {
        Ok(body) => Some((idx, body)),
        Err(e) => {
            let loc = e.location();
            errors.push(FileError {
                file: sources.files[idx].rel.clone(),
                message: format!(
                    "cannot parse HCL at line {}, column {}: {}",
                    loc.line(),
                    loc.column(),
                    e.message()
                ),
            });
            None
        }
    }
}

/// Variables from `terraform.tfvars`, `*.auto.tfvars` and other `*.tfvars`. Other `.tfvars`
/// files are alternatives (one per environment): a value they disagree on is unknown.
fn read_tfvars(
    paths: &[PathBuf],
    sources: &mut Sources,
    errors: &mut Vec<FileError>,
) -> BTreeMap<String, Value> {
    let env = ModuleEnv::default();
    let mut auto = BTreeMap::new();
    let mut alternatives: BTreeMap<String, Value> = BTreeMap::new();
    for path in paths {
        let Some((_, body)) = parse_file(path, sources, errors) else {
            continue;
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let is_auto = name == "terraform.tfvars" || name.ends_with(".auto.tfvars");
        for attr in body.attributes() {
            let value = Scope::new(&env).eval(&attr.value);
            let key = attr.key.as_str().to_owned();
            if is_auto {
                auto.insert(key, value);
            } else {
                alternatives
                    .entry(key)
                    .and_modify(|seen| {
                        if *seen != value {
                            *seen = Value::unknown();
                        }
                    })
                    .or_insert(value);
            }
        }
    }
    alternatives.extend(auto);
    alternatives
}

fn local_source(dir: &Path, block: &Block) -> Option<PathBuf> {
    let Some(Expression::String(s)) = block.body.get_attribute("source").map(|a| &a.value) else {
        return None;
    };
    let s = s.value();
    if !(s.starts_with("./") || s.starts_with("../")) {
        return None;
    }
    dir.join(s).canonicalize().ok()
}

struct Loader<'a> {
    dirs: &'a [ModuleDir],
    out: &'a mut Vec<Instance>,
}

impl Loader<'_> {
    fn instantiate(&mut self, idx: usize, path: String, inputs: Option<&Obj>, chain: &[usize]) {
        let m = &self.dirs[idx];
        let mut env = ModuleEnv {
            dir: m.dir.clone(),
            path,
            ..ModuleEnv::default()
        };
        let blocks: Vec<(usize, &Block)> = m
            .files
            .iter()
            .flat_map(|(f, body)| body.blocks().map(move |b| (*f, b)))
            .collect();
        for (_, b) in blocks
            .iter()
            .filter(|(_, b)| b.ident.as_str() == "variable")
        {
            let Some(name) = b.labels.first().map(|l| l.as_str().to_owned()) else {
                continue;
            };
            // an explicit null replaces the default unless the variable is `nullable = false`
            let nullable = !matches!(
                b.body.get_attribute("nullable").map(|a| &a.value),
                Some(Expression::Bool(n)) if !*n.value()
            );
            let given = match inputs {
                Some(inputs) => inputs
                    .get(&name)
                    .filter(|v| nullable || **v != Value::Null)
                    .cloned(),
                None => m.tfvars.get(&name).cloned(),
            };
            let default = || {
                b.body
                    .get_attribute("default")
                    .map(|d| Scope::new(&ModuleEnv::default()).eval(&d.value))
            };
            env.vars
                .insert(name, given.or_else(default).unwrap_or_else(Value::unknown));
        }
        let locals: Vec<(String, &Expression)> = blocks
            .iter()
            .filter(|(_, b)| b.ident.as_str() == "locals")
            .flat_map(|(_, b)| {
                b.body
                    .attributes()
                    .map(|a| (a.key.as_str().to_owned(), &a.value))
            })
            .collect();
        // locals may refer to each other in any order: evaluate until nothing changes
        for _ in 0..8 {
            let scope = Scope::new(&env);
            let next: BTreeMap<String, Value> = locals
                .iter()
                .map(|(n, e)| (n.clone(), scope.eval(e)))
                .collect();
            if next == env.locals {
                break;
            }
            env.locals = next;
        }
        for (file, block) in blocks {
            let kind = match (block.ident.as_str(), block.labels.len()) {
                ("resource", 2) => Kind::Resource,
                ("data", 2) => Kind::Data,
                ("module", 1) => Kind::Module,
                ("provider", 1) => Kind::Provider,
                _ => continue,
            };
            let label = |i: usize| block.labels.get(i).map_or("", |l| l.as_str()).to_owned();
            let (rtype, name) = match kind {
                Kind::Module => ("module".to_owned(), label(0)),
                Kind::Provider => (label(0), label(0)),
                _ => (label(0), label(1)),
            };
            for (key, scope) in expand(&block.body, &env) {
                let mut spans = BTreeMap::new();
                let attrs = eval_body(&block.body, &scope, file, "", &mut spans);
                let site = Site {
                    file,
                    span: block.span().unwrap_or(0..0),
                };
                let inst = Instance {
                    kind,
                    rtype: rtype.clone(),
                    name: name.clone(),
                    module_path: env.path.clone(),
                    key,
                    attrs,
                    site,
                    spans,
                    dir: env.dir.clone(),
                };
                let child = (kind == Kind::Module)
                    .then(|| local_source(&env.dir, block))
                    .flatten()
                    .and_then(|canon| self.dirs.iter().position(|d| d.canon == canon))
                    .filter(|c| chain.len() < MAX_DEPTH && !chain.contains(c) && *c != idx);
                let child_path = format!("{}.", inst.address());
                let child_inputs = inst.attrs.clone();
                self.out.push(inst);
                if let Some(c) = child {
                    let chain: Vec<usize> = chain.iter().copied().chain([idx]).collect();
                    self.instantiate(c, child_path, Some(&child_inputs), &chain);
                }
            }
        }
    }
}

/// The instances of a block (`count`/`for_each`), each with its scope.
fn expand<'a>(body: &Body, env: &'a ModuleEnv) -> Vec<(Key, Scope<'a>)> {
    let base = Scope::new(env);
    let with = |key: Key, index: Option<Value>, each: Option<(Value, Value)>| {
        let mut s = base.clone();
        s.count_index = index;
        s.each = each;
        (key, s)
    };
    if let Some(count) = body.get_attribute("count") {
        return match base.eval(&count.value).as_number() {
            Some(n) if (0.0..=MAX_COUNT).contains(&n) => (0..n as i64)
                .map(|i| with(Key::Index(i), Some(Value::Number(i as f64)), None))
                .collect(),
            _ => vec![with(Key::Unknown, Some(Value::unknown()), None)],
        };
    }
    if let Some(for_each) = body.get_attribute("for_each") {
        let value = base.eval(&for_each.value);
        return match each_pairs(&value) {
            Some(pairs) => pairs
                .into_iter()
                .map(|(k, v)| {
                    let key = k.as_str().map_or(Key::Unknown, Key::Name);
                    with(key, None, Some((k, v)))
                })
                .collect(),
            None => {
                let unknown = Value::Unknown(value.origin().map(str::to_owned));
                vec![with(Key::Unknown, None, Some((unknown.clone(), unknown)))]
            }
        };
    }
    vec![with(Key::Single, None, None)]
}

/// `for_each` pairs of a known map or set (a set's key is its value).
fn each_pairs(value: &Value) -> Option<Vec<(Value, Value)>> {
    match value {
        Value::Obj(o) if o.keys_known() => Some(
            o.entries
                .iter()
                .map(|(k, v)| (Value::String(k.clone()), v.clone()))
                .collect(),
        ),
        Value::List(items) => Some(items.iter().map(|v| (v.clone(), v.clone())).collect()),
        Value::Null => Some(Vec::new()),
        _ => None,
    }
}

/// Evaluates a block body: attributes by name, nested blocks (and `dynamic` blocks, expanded)
/// as lists of objects under the block's name, labels under `#labels`.
fn eval_body(
    body: &Body,
    scope: &Scope,
    file: usize,
    prefix: &str,
    spans: &mut BTreeMap<String, Site>,
) -> Obj {
    let mut obj = Obj::default();
    for structure in body.iter() {
        match structure {
            Structure::Attribute(attr) => {
                let key = attr.key.as_str();
                let site = Site {
                    file,
                    span: attr.span().unwrap_or(0..0),
                };
                spans.entry(format!("{prefix}{key}")).or_insert(site);
                obj.entries.insert(key.to_owned(), scope.eval(&attr.value));
            }
            Structure::Block(block) if block.ident.as_str() == "dynamic" => {
                let Some(name) = block.labels.first().map(|l| l.as_str()) else {
                    continue;
                };
                let Some(content) = block.body.get_blocks("content").next() else {
                    continue;
                };
                let iterator = match block.body.get_attribute("iterator").map(|a| &a.value) {
                    Some(Expression::Variable(v)) => v.as_str().to_owned(),
                    _ => name.to_owned(),
                };
                let for_each = block
                    .body
                    .get_attribute("for_each")
                    .map(|a| scope.eval(&a.value));
                let pairs = for_each
                    .as_ref()
                    .and_then(pairs_of)
                    .unwrap_or_else(|| vec![(Value::unknown(), Value::unknown())]);
                let path = format!("{prefix}{name}");
                let site = Site {
                    file,
                    span: block.span().unwrap_or(0..0),
                };
                spans.entry(path.clone()).or_insert(site);
                for (k, v) in pairs {
                    let it = Obj {
                        entries: [("key".to_owned(), k), ("value".to_owned(), v)].into(),
                        open: false,
                    };
                    let inner = scope.bind(&iterator, Value::Obj(it));
                    let value = eval_body(&content.body, &inner, file, &format!("{path}."), spans);
                    push_block(&mut obj, name, value);
                }
            }
            Structure::Block(block) => {
                let name = block.ident.as_str();
                let path = format!("{prefix}{name}");
                let site = Site {
                    file,
                    span: block.span().unwrap_or(0..0),
                };
                spans.entry(path.clone()).or_insert(site);
                let mut value = eval_body(&block.body, scope, file, &format!("{path}."), spans);
                if !block.labels.is_empty() {
                    let labels = block
                        .labels
                        .iter()
                        .map(|l| Value::String(l.as_str().into()));
                    value
                        .entries
                        .insert("#labels".into(), Value::List(labels.collect()));
                }
                push_block(&mut obj, name, value);
            }
        }
    }
    obj
}

fn push_block(obj: &mut Obj, name: &str, value: Obj) {
    match obj
        .entries
        .entry(name.to_owned())
        .or_insert_with(|| Value::List(Vec::new()))
    {
        Value::List(list) => list.push(Value::Obj(value)),
        other => *other = Value::List(vec![Value::Obj(value)]),
    }
}

pub fn is_tf(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "tf")
}

pub fn is_tfvars(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "tfvars")
}
