//! The values the evaluator produces. Anything the linter cannot know is `Unknown`, and rules
//! never turn an unknown into a finding.

use std::collections::BTreeMap;

/// Stands for an unknown part inside an otherwise known string (`"${data.x.y}:sub"`), so that
/// the known parts can still be read. A private-use character: valid inside JSON and YAML strings.
pub const HOLE: char = '\u{E000}';

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Not known before apply. Carries the address of the resource, data source or module it
    /// comes from when there is one (`aws_iam_role.lbc`), so rules can follow references.
    Unknown(Option<String>),
    Null,
    Bool(bool),
    Number(f64),
    /// May contain [`HOLE`]s; such a string is only partly known.
    String(String),
    List(Vec<Value>),
    Obj(Obj),
    /// A string that is the JSON/YAML encoding of this value (`jsonencode(...)`), kept as a
    /// structure so that rules can read its known parts even when other parts are unknown.
    Doc(Box<Value>),
}

/// An object or map. `open` means it may hold keys that are not listed (an unknown key, or a
/// merge with an unknown map), so the absence of a key proves nothing. A key with unknown parts
/// (`"kubernetes.io/cluster/${var.name}"`) is kept with [`HOLE`]s and stands for any key of
/// its shape, and only for those.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Obj {
    pub entries: BTreeMap<String, Value>,
    pub open: bool,
}

pub static UNKNOWN: Value = Value::Unknown(None);

impl Obj {
    /// The value of `key`: `None` when the key is certainly absent.
    pub fn get(&self, key: &str) -> Option<&Value> {
        if let Some(v) = self.entries.get(key) {
            return Some(v);
        }
        let shaped_like = self.partial_keys().any(|k| hole_match(k, key));
        (self.open || shaped_like).then_some(&UNKNOWN)
    }

    /// Every key is listed and fully known, so the entries can be enumerated.
    pub fn keys_known(&self) -> bool {
        !self.open && self.partial_keys().next().is_none()
    }

    fn partial_keys(&self) -> impl Iterator<Item = &str> {
        self.entries
            .keys()
            .filter(|k| k.contains(HOLE))
            .map(String::as_str)
    }

    /// Lays `other` over these entries, as `merge()` does: a key with unknown parts may replace
    /// any key of its shape, an open object any key at all.
    pub fn merge_from(&mut self, other: &Obj) {
        if other.open {
            self.make_open();
        }
        for (k, v) in &other.entries {
            if k.contains(HOLE) {
                self.entries
                    .iter_mut()
                    .filter(|(existing, _)| hole_match(k, existing))
                    .for_each(|(_, e)| *e = Value::unknown());
            }
            self.entries.insert(k.clone(), v.clone());
        }
    }

    /// Anything may be merged in: every key may be present, every value replaced.
    pub fn make_open(&mut self) {
        self.open = true;
        self.entries
            .values_mut()
            .for_each(|v| *v = Value::unknown());
    }
}

impl Value {
    pub fn unknown() -> Value {
        Value::Unknown(None)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown(_))
    }

    /// The address this unknown value comes from, if any.
    pub fn origin(&self) -> Option<&str> {
        match self {
            Value::Unknown(origin) => origin.as_deref(),
            _ => None,
        }
    }

    /// The value as a fully known string, with Terraform's conversions (`1` is `"1"`).
    pub fn as_str(&self) -> Option<String> {
        self.as_partial_str().filter(|s| !s.contains(HOLE))
    }

    /// The value as a string in which unknown parts are [`HOLE`]s.
    pub fn as_partial_str(&self) -> Option<String> {
        match self {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(fmt_number(*n)),
            Value::Bool(b) => Some(b.to_string()),
            Value::Doc(inner) => inner.to_json().map(|j| j.to_string()),
            _ => None,
        }
    }

    /// `true`/`false`, also from the strings Terraform converts (`"true"`).
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s == "true" => Some(true),
            Value::String(s) if s == "false" => Some(false),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn as_obj(&self) -> Option<&Obj> {
        match self {
            Value::Obj(o) => Some(o),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// Member `key` of an object: `None` when certainly absent, unknown when it may exist.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Obj(o) => o.get(key),
            Value::Null => None,
            _ => Some(&UNKNOWN),
        }
    }

    /// Follows a path of object keys (see [`Value::get`]).
    pub fn path(&self, keys: &[&str]) -> Option<&Value> {
        keys.iter().try_fold(self, |v, k| v.get(k))
    }

    /// The first element when the value is a list of blocks (`metadata { ... }`), or the value
    /// itself when it is an object (plan JSON, `kubernetes_manifest`).
    pub fn first_block(&self) -> Option<&Value> {
        match self {
            Value::List(l) => l.first(),
            Value::Null => None,
            other => Some(other),
        }
    }

    /// Elements of a list or the values of an object; `None` when not known.
    pub fn elements(&self) -> Option<Vec<&Value>> {
        match self {
            Value::List(l) => Some(l.iter().collect()),
            Value::Obj(o) if o.keys_known() => Some(o.entries.values().collect()),
            Value::Null => Some(Vec::new()),
            _ => None,
        }
    }

    /// Whether the value, with everything inside it, is known.
    pub fn is_known(&self) -> bool {
        match self {
            Value::Unknown(_) => false,
            Value::String(s) => !s.contains(HOLE),
            Value::List(l) => l.iter().all(Value::is_known),
            Value::Obj(o) => o.keys_known() && o.entries.values().all(Value::is_known),
            Value::Doc(inner) => inner.is_known(),
            Value::Null | Value::Bool(_) | Value::Number(_) => true,
        }
    }

    /// The JSON form of a fully known value.
    pub fn to_json(&self) -> Option<serde_json::Value> {
        if !self.is_known() {
            return None;
        }
        Some(match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::Number::from_f64(*n)
                .map(|n| {
                    // keep integers integral: `1`, not `1.0`
                    n.as_f64()
                        .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
                        .map_or(serde_json::Value::Number(n), |f| (f as i64).into())
                })
                .unwrap_or(serde_json::Value::Null),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::List(l) => {
                serde_json::Value::Array(l.iter().filter_map(Value::to_json).collect())
            }
            Value::Obj(o) => serde_json::Value::Object(
                o.entries
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.to_json()?)))
                    .collect(),
            ),
            Value::Doc(inner) => serde_json::Value::String(inner.to_json()?.to_string()),
            Value::Unknown(_) => return None,
        })
    }

    pub fn from_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => n.as_f64().map_or(Value::unknown(), Value::Number),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(a) => Value::List(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => Value::Obj(Obj {
                entries: o
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
                open: false,
            }),
        }
    }

    fn from_yaml(yaml: &serde_norway::Value) -> Value {
        use serde_norway::Value as Y;
        match yaml {
            Y::Null => Value::Null,
            Y::Bool(b) => Value::Bool(*b),
            Y::Number(n) => n.as_f64().map_or(Value::unknown(), Value::Number),
            Y::String(s) => Value::String(s.clone()),
            Y::Sequence(s) => Value::List(s.iter().map(Value::from_yaml).collect()),
            Y::Mapping(m) => {
                let mut obj = Obj::default();
                for (k, v) in m {
                    match Value::from_yaml(k).as_partial_str() {
                        Some(key) => {
                            obj.entries.insert(key, Value::from_yaml(v));
                        }
                        None => obj.open = true,
                    }
                }
                Value::Obj(obj)
            }
            Y::Tagged(t) => Value::from_yaml(&t.value),
        }
    }

    /// Reads an encoded document: the structure of a `Doc`, or a JSON/YAML string parsed.
    /// A string with unknown parts is parsed too; the unknown parts stay holes.
    pub fn decode(&self) -> Value {
        match self {
            Value::Doc(inner) => (**inner).clone(),
            Value::String(s) => decode_str(s).unwrap_or_else(Value::unknown),
            Value::Unknown(o) => Value::Unknown(o.clone()),
            _ => Value::unknown(),
        }
    }
}

/// Parses a JSON or YAML document (one; the first of a multi-document stream).
pub fn decode_str(text: &str) -> Option<Value> {
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(text) {
        return Some(Value::from_json(&json));
    }
    parse_yaml_docs(text).into_iter().next()
}

/// All documents of a YAML stream; documents that do not parse are left out.
pub fn parse_yaml_docs(text: &str) -> Vec<Value> {
    use serde::Deserialize;
    serde_norway::Deserializer::from_str(text)
        .filter_map(|doc| serde_norway::Value::deserialize(doc).ok())
        .filter(|v| !v.is_null())
        .map(|v| Value::from_yaml(&v))
        .collect()
}

/// Formats a number as Terraform prints it: `1`, not `1.0`.
pub fn fmt_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// Glob match with `*` and `?`, as in Fargate profile selectors and IAM `StringLike`.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    wildcard_match(pattern, text, |c| c == '*', |c| c == '?')
}

/// Whether a string with unknown parts ([`HOLE`]s) may turn out to be `text`.
fn hole_match(pattern: &str, text: &str) -> bool {
    wildcard_match(pattern, text, |c| c == HOLE, |_| false)
}

fn wildcard_match(pattern: &str, text: &str, any: fn(char) -> bool, one: fn(char) -> bool) -> bool {
    fn go(p: &[char], t: &[char], any: fn(char) -> bool, one: fn(char) -> bool) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some(&c), _) if any(c) => {
                go(&p[1..], t, any, one) || (!t.is_empty() && go(p, &t[1..], any, one))
            }
            (Some(&c), Some(_)) if one(c) => go(&p[1..], &t[1..], any, one),
            (Some(a), Some(b)) if a == b => go(&p[1..], &t[1..], any, one),
            _ => false,
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    go(&p, &t, any, one)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_like_terraform() {
        assert_eq!(Value::Number(1.0).as_str().as_deref(), Some("1"));
        assert_eq!(Value::Number(1.5).as_str().as_deref(), Some("1.5"));
    }

    #[test]
    fn holes_make_strings_partial() {
        let v = Value::String(format!("{HOLE}:sub"));
        assert_eq!(v.as_str(), None);
        assert!(v.as_partial_str().unwrap().ends_with(":sub"));
    }

    #[test]
    fn open_objects_do_not_prove_absence() {
        let open = Value::Obj(Obj {
            entries: BTreeMap::new(),
            open: true,
        });
        assert!(open.get("a").unwrap().is_unknown());
        assert!(Value::Obj(Obj::default()).get("a").is_none());
    }

    #[test]
    fn keys_with_unknown_parts_stand_only_for_keys_of_their_shape() {
        let mut tags = Obj::default();
        tags.entries.insert(
            format!("kubernetes.io/cluster/{HOLE}"),
            Value::String("shared".into()),
        );
        assert!(tags.get("kubernetes.io/role/elb").is_none());
        assert!(tags.get("kubernetes.io/cluster/blue").unwrap().is_unknown());
        assert!(!tags.keys_known());
        let mut base = Obj::default();
        base.entries.insert(
            "kubernetes.io/cluster/blue".into(),
            Value::String("owned".into()),
        );
        base.entries
            .insert("kubernetes.io/role/elb".into(), Value::String("1".into()));
        base.merge_from(&tags);
        assert!(base.entries["kubernetes.io/cluster/blue"].is_unknown());
        assert_eq!(
            base.entries["kubernetes.io/role/elb"].as_str().as_deref(),
            Some("1")
        );
    }

    #[test]
    fn globs() {
        assert!(glob_match("kube-*", "kube-system"));
        assert!(glob_match("kube-syste?", "kube-system"));
        assert!(!glob_match("app-*", "kube-system"));
    }

    #[test]
    fn decodes_json_and_yaml() {
        let v = decode_str("clusterName: demo\nserviceAccount:\n  name: lbc\n").unwrap();
        assert_eq!(
            v.path(&["serviceAccount", "name"])
                .and_then(Value::as_str)
                .as_deref(),
            Some("lbc")
        );
        let j = decode_str(r#"{"computeType":"Fargate"}"#).unwrap();
        assert_eq!(
            j.get("computeType").and_then(Value::as_str).as_deref(),
            Some("Fargate")
        );
    }
}
