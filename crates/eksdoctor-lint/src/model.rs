//! What rules look at: every resource, data source, module call and provider instance of one
//! configuration, evaluated, with where it was written. Built from HCL or from plan JSON.

use crate::value::{Obj, Value};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;

/// A file the linter read, kept for locations and the source lines shown in text output.
#[derive(Debug)]
pub struct SourceFile {
    /// Relative to the PATH given on the command line, `/`-separated.
    pub rel: String,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(rel: String, text: String) -> SourceFile {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceFile {
            rel,
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let col = self
            .text
            .get(start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        (line, col)
    }

    /// The text of a 1-based line, without its line break.
    pub fn line(&self, line: usize) -> &str {
        let Some(&start) = self.line_starts.get(line.wrapping_sub(1)) else {
            return "";
        };
        let end = self.line_starts.get(line).map_or(self.text.len(), |&e| e);
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }
}

/// A place in a source file: index into the file list and a byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub file: usize,
    pub span: Range<usize>,
}

impl Site {
    /// Orders sites by file and position.
    pub fn key(&self) -> (usize, usize, usize) {
        (self.file, self.span.start, self.span.end)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Resource,
    Data,
    Module,
    Provider,
}

/// Which instance of a block: `count` index, `for_each` key, or an instance whose key is not
/// known (count/for_each over an unknown collection: evaluated once with unknown index/key).
#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    Single,
    Index(i64),
    Name(String),
    Unknown,
}

#[derive(Debug, Clone)]
pub struct Instance {
    pub kind: Kind,
    /// Resource/data type (`aws_subnet`); the provider name for providers; `module` for calls.
    pub rtype: String,
    pub name: String,
    /// Address prefix of the module instance this block lives in (`module.net[0].`).
    pub module_path: String,
    pub key: Key,
    /// Attributes, and nested blocks as lists of objects under the block's name.
    pub attrs: Obj,
    /// Where the block is written.
    pub site: Site,
    /// Where attributes are written, by dotted path (`tags`, `metadata.annotations`).
    pub spans: BTreeMap<String, Site>,
    /// Directory of the module the block belongs to (to read files it names).
    pub dir: PathBuf,
}

impl Instance {
    /// Address of the block without instance key: `module.vpc.aws_subnet.public`.
    pub fn block_addr(&self) -> String {
        let local = match self.kind {
            Kind::Resource => format!("{}.{}", self.rtype, self.name),
            Kind::Data => format!("data.{}.{}", self.rtype, self.name),
            Kind::Module => format!("module.{}", self.name),
            Kind::Provider => format!("provider.{}", self.rtype),
        };
        format!("{}{local}", self.module_path)
    }

    /// Full instance address: `aws_subnet.public[1]`, `module.vpc["a"]`.
    pub fn address(&self) -> String {
        let key = match &self.key {
            Key::Single | Key::Unknown => String::new(),
            Key::Index(i) => format!("[{i}]"),
            Key::Name(n) => format!("[{n:?}]"),
        };
        format!("{}{key}", self.block_addr())
    }

    /// The address as code in its own module refers to it: `aws_eks_cluster.main[0]`.
    pub fn local_address(&self) -> String {
        let address = self.address();
        address
            .strip_prefix(&self.module_path)
            .unwrap_or(&address)
            .to_owned()
    }

    pub fn is(&self, kind: Kind, rtype: &str) -> bool {
        self.kind == kind && self.rtype == rtype
    }

    pub fn get(&self, attr: &str) -> Option<&Value> {
        self.attrs.get(attr)
    }

    /// Where an attribute is written, or the block when the attribute is not.
    pub fn site_of(&self, path: &str) -> Site {
        self.spans
            .get(path)
            .cloned()
            .unwrap_or_else(|| self.site.clone())
    }

    /// Whether this instance is the target of an unknown value that came from `origin`.
    /// A module's origin may name one of its outputs: `module.irsa.iam_role_arn`.
    pub fn is_origin_of(&self, value: &Value) -> bool {
        let addr = self.block_addr();
        value.origin().is_some_and(|o| {
            o == addr
                || (self.kind == Kind::Module
                    && o.strip_prefix(&addr).is_some_and(|r| r.starts_with('.')))
        })
    }

    /// The module source of a module call.
    pub fn source(&self) -> Option<String> {
        (self.kind == Kind::Module)
            .then(|| self.get("source").and_then(Value::as_str))
            .flatten()
    }
}

/// One configuration: a tree of HCL modules found under one PATH, or one plan file.
#[derive(Debug, Default)]
pub struct Config {
    pub instances: Vec<Instance>,
}

impl Config {
    pub fn of<'a>(&'a self, kind: Kind, rtype: &'a str) -> impl Iterator<Item = &'a Instance> + 'a {
        self.instances.iter().filter(move |i| i.is(kind, rtype))
    }

    pub fn resources<'a>(&'a self, rtype: &'a str) -> impl Iterator<Item = &'a Instance> + 'a {
        self.of(Kind::Resource, rtype)
    }

    pub fn module_calls(&self) -> impl Iterator<Item = &Instance> {
        self.instances.iter().filter(|i| i.kind == Kind::Module)
    }

    /// Instances whose block address is where an unknown value came from.
    pub fn origin_of(&self, value: &Value) -> Vec<&Instance> {
        self.instances
            .iter()
            .filter(|i| i.is_origin_of(value))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_characters() {
        let f = SourceFile::new("a.tf".into(), "ab\nc\u{e9}d\n".into());
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        assert_eq!(f.line_col(6), (2, 3));
        assert_eq!(f.line(2), "c\u{e9}d");
        assert_eq!(f.line(9), "");
    }
}
