//! Helm values as `helm_release` (and modules wrapping it) receive them: `set` blocks or the
//! provider v3 `set = [{...}]` list, `set_sensitive`, and `values` documents (`yamlencode`,
//! `file()`, heredocs). Later `values` override earlier ones and `set` overrides `values`.

use crate::value::{Obj, Value};

/// What a lookup found.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// Set, to this value (which may itself be unknown).
    Set(Value),
    /// Certainly not set.
    Absent,
    /// Cannot tell: an unknown document or a `set` whose name is unknown.
    Unknown,
}

#[derive(Debug, Clone)]
pub struct HelmValues {
    /// `(path, value)` from `set`-like entries; a `None` path is a name not known.
    sets: Vec<(Option<Vec<String>>, Value)>,
    /// Decoded `values` documents in order; `None` when the list itself is unknown.
    docs: Option<Vec<Value>>,
}

impl HelmValues {
    /// Reads the values of a `helm_release`-shaped object (`set`, `set_sensitive`, `values`).
    pub fn of(attrs: &Obj) -> HelmValues {
        let mut sets = Vec::new();
        // `set_values` is the blueprints v4 add-ons' name for `set`
        for key in ["set", "set_sensitive", "set_list", "set_values"] {
            match attrs.get(key) {
                None | Some(Value::Null) => {}
                Some(Value::List(items)) => {
                    for item in items {
                        let name = item.get("name").and_then(Value::as_str);
                        let value = item.get("value").cloned().unwrap_or(Value::Null);
                        sets.push((name.map(|n| split_path(&n)), value));
                    }
                }
                Some(_) => sets.push((None, Value::unknown())),
            }
        }
        let docs = match attrs.get("values") {
            None | Some(Value::Null) => Some(Vec::new()),
            Some(Value::List(items)) => Some(items.iter().map(Value::decode).collect()),
            Some(_) => None,
        };
        HelmValues { sets, docs }
    }

    /// Values that cannot be read at all.
    pub fn unknown() -> HelmValues {
        HelmValues {
            sets: vec![(None, Value::unknown())],
            docs: None,
        }
    }

    /// The value at a path of keys (`["serviceAccount", "name"]`).
    pub fn lookup(&self, path: &[&str]) -> Found {
        let wanted = |p: &Option<Vec<String>>| p.as_deref().is_some_and(|p| p == path);
        if let Some((_, v)) = self.sets.iter().rev().find(|(p, _)| wanted(p)) {
            return Found::Set(v.clone());
        }
        if self.sets.iter().any(|(p, _)| p.is_none()) {
            return Found::Unknown;
        }
        let Some(docs) = &self.docs else {
            return Found::Unknown;
        };
        for doc in docs.iter().rev() {
            match walk(doc, path) {
                Found::Absent => {}
                found => return found,
            }
        }
        Found::Absent
    }

    /// A value as a known string, when it is set to one.
    pub fn string(&self, path: &[&str]) -> Option<String> {
        match self.lookup(path) {
            Found::Set(v) => v.as_str(),
            _ => None,
        }
    }
}

/// Follows `path` in one document: a key present is set (even to an unknown value), a key
/// missing from a closed object is absent, anything else cannot be told.
fn walk(doc: &Value, path: &[&str]) -> Found {
    let mut at = doc;
    for key in path {
        match at {
            Value::Obj(o) => match (o.entries.get(*key), o.get(key)) {
                (Some(v), _) => at = v,
                (None, Some(_)) => return Found::Unknown,
                (None, None) => return Found::Absent,
            },
            Value::Null => return Found::Absent,
            _ => return Found::Unknown,
        }
    }
    Found::Set(at.clone())
}

/// Splits a Helm `--set` name on unescaped dots: `a.b\.c` is `["a", "b.c"]`.
fn split_path(name: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = name.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let (Some(next), Some(part)) = (chars.next(), parts.last_mut()) {
                    part.push(next);
                }
            }
            '.' => parts.push(String::new()),
            c => {
                if let Some(part) = parts.last_mut() {
                    part.push(c);
                }
            }
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::decode_str;

    fn obj(pairs: Vec<(&str, Value)>) -> Obj {
        Obj {
            entries: pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            open: false,
        }
    }

    fn set(name: &str, value: &str) -> Value {
        Value::Obj(obj(vec![
            ("name", Value::String(name.into())),
            ("value", Value::String(value.into())),
        ]))
    }

    #[test]
    fn set_overrides_values_and_escaped_dots_split_right() {
        let doc = Value::String("clusterName: a\nserviceAccount:\n  name: x\n".into());
        let attrs = obj(vec![
            ("values", Value::List(vec![doc])),
            (
                "set",
                Value::List(vec![
                    set(
                        "serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn",
                        "arn",
                    ),
                    set("clusterName", "b"),
                ]),
            ),
        ]);
        let v = HelmValues::of(&attrs);
        assert_eq!(v.string(&["clusterName"]).as_deref(), Some("b"));
        assert_eq!(v.string(&["serviceAccount", "name"]).as_deref(), Some("x"));
        assert_eq!(
            v.string(&[
                "serviceAccount",
                "annotations",
                "eks.amazonaws.com/role-arn"
            ])
            .as_deref(),
            Some("arn")
        );
        assert_eq!(v.lookup(&["vpcId"]), Found::Absent);
    }

    #[test]
    fn unknown_documents_and_names_prove_nothing() {
        let attrs = obj(vec![("values", Value::List(vec![Value::unknown()]))]);
        assert_eq!(
            HelmValues::of(&attrs).lookup(&["clusterName"]),
            Found::Unknown
        );
        let unknown_name = Value::Obj(obj(vec![
            ("name", Value::unknown()),
            ("value", Value::unknown()),
        ]));
        let attrs = obj(vec![("set", Value::List(vec![unknown_name]))]);
        assert_eq!(
            HelmValues::of(&attrs).lookup(&["clusterName"]),
            Found::Unknown
        );
        let doc = decode_str("clusterName: x").unwrap();
        let attrs = obj(vec![(
            "values",
            Value::List(vec![Value::Doc(Box::new(doc))]),
        )]);
        assert_eq!(
            HelmValues::of(&attrs).string(&["clusterName"]).as_deref(),
            Some("x")
        );
    }
}
