//! Reads `terraform show -json` plan output. Modules are already expanded there, so every
//! resource is a plain instance; values not known until apply are absent from `planned_values`
//! and become unknown, with the resource they refer to taken from `configuration`.

use crate::model::{Config, Instance, Key, Kind, Site};
use crate::value::{Obj, Value};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::Path;

/// Whether a JSON document is a plan: `format_version` and planned values or changes.
pub fn is_plan(json: &Json) -> bool {
    json.get("format_version").is_some()
        && (json.get("planned_values").is_some() || json.get("resource_changes").is_some())
}

pub fn load(json: &Json, text: &str, file: usize, dir: &Path) -> Config {
    let mut refs = BTreeMap::new();
    if let Some(root) = json.pointer("/configuration/root_module") {
        collect_refs(root, "", &mut refs);
    }
    let mut raw = Vec::new();
    match json.pointer("/planned_values/root_module") {
        Some(root) => collect_planned(root, &mut raw),
        None => {
            for change in json
                .get("resource_changes")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                let deleted = change
                    .pointer("/change/actions")
                    .and_then(Json::as_array)
                    .is_some_and(|a| a.len() == 1 && a[0] == "delete");
                if let (false, Some(after)) = (deleted, change.pointer("/change/after")) {
                    raw.push((change, after));
                }
            }
        }
    }
    let instances = raw
        .into_iter()
        .filter_map(|(resource, values)| instance(resource, values, &refs, text, file, dir))
        .collect();
    Config { instances }
}

fn collect_planned<'a>(module: &'a Json, out: &mut Vec<(&'a Json, &'a Json)>) {
    for r in module
        .get("resources")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(values) = r.get("values") {
            out.push((r, values));
        }
    }
    for child in module
        .get("child_modules")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        collect_planned(child, out);
    }
}

/// For each configured resource (`module.vpc.aws_subnet.public`, no instance keys), the first
/// resource each attribute refers to.
fn collect_refs(module: &Json, prefix: &str, out: &mut BTreeMap<String, BTreeMap<String, String>>) {
    for r in module
        .get("resources")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let Some(address) = r.get("address").and_then(Json::as_str) else {
            continue;
        };
        let Some(exprs) = r.get("expressions").and_then(Json::as_object) else {
            continue;
        };
        let attrs = exprs
            .iter()
            .filter_map(|(attr, e)| {
                let refs = e.get("references")?.as_array()?;
                let target = refs
                    .iter()
                    .filter_map(Json::as_str)
                    .find_map(resource_of_ref)?;
                Some((attr.clone(), target))
            })
            .collect();
        out.insert(format!("{prefix}{address}"), attrs);
    }
    for (name, call) in module
        .get("module_calls")
        .and_then(Json::as_object)
        .into_iter()
        .flatten()
    {
        if let Some(child) = call.get("module") {
            collect_refs(child, &format!("{prefix}module.{name}."), out);
        }
    }
}

/// The resource, data source or module a reference names: `aws_subnet.public[0].id` ->
/// `aws_subnet.public`; `var.`/`local.`/`each.` references name none.
fn resource_of_ref(reference: &str) -> Option<String> {
    let parts: Vec<&str> = reference
        .split('.')
        .map(|p| p.split('[').next().unwrap_or(p))
        .collect();
    match parts.as_slice() {
        [
            "var" | "local" | "each" | "count" | "path" | "self" | "terraform",
            ..,
        ] => None,
        ["data", t, n, ..] => Some(format!("data.{t}.{n}")),
        ["module", m, out, ..] => Some(format!("module.{m}.{out}")),
        ["module", m] => Some(format!("module.{m}")),
        [t, n, ..] => Some(format!("{t}.{n}")),
        _ => None,
    }
}

fn instance(
    resource: &Json,
    values: &Json,
    refs: &BTreeMap<String, BTreeMap<String, String>>,
    text: &str,
    file: usize,
    dir: &Path,
) -> Option<Instance> {
    let address = resource.get("address")?.as_str()?;
    let rtype = resource.get("type")?.as_str()?.to_owned();
    let name = resource.get("name")?.as_str()?.to_owned();
    let kind = match resource.get("mode").and_then(Json::as_str) {
        Some("data") => Kind::Data,
        _ => Kind::Resource,
    };
    let local = match kind {
        Kind::Data => format!("data.{rtype}.{name}"),
        _ => format!("{rtype}.{name}"),
    };
    let module_path = address
        .rfind(&local)
        .map_or("", |i| &address[..i])
        .to_owned();
    let key = match resource.get("index") {
        Some(Json::Number(n)) => n.as_i64().map_or(Key::Unknown, Key::Index),
        Some(Json::String(s)) => Key::Name(s.clone()),
        _ => Key::Single,
    };
    let mut attrs = match Value::from_json(values) {
        Value::Obj(o) => o,
        _ => Obj::default(),
    };
    // absent from planned values = known only after apply
    attrs.open = true;
    let config_addr = format!("{}{local}", strip_keys(&module_path));
    for (attr, target) in refs.get(&config_addr).into_iter().flatten() {
        attrs
            .entries
            .entry(attr.clone())
            .or_insert_with(|| Value::Unknown(Some(format!("{module_path}{target}"))));
    }
    // tags_all includes the provider's default_tags: what AWS will actually see
    if let Some(all) = attrs
        .entries
        .get("tags_all")
        .filter(|v| v.as_obj().is_some())
        .cloned()
    {
        attrs.entries.insert("tags".into(), all);
    }
    let site = Site {
        file,
        span: locate(text, address),
    };
    Some(Instance {
        kind,
        rtype,
        name,
        module_path,
        key,
        attrs,
        site,
        spans: BTreeMap::new(),
        dir: dir.to_path_buf(),
    })
}

/// `module.vpc[0].` -> `module.vpc.` (configuration addresses have no instance keys).
fn strip_keys(path: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The byte range of `"address": "<address>"` in the plan text.
fn locate(text: &str, address: &str) -> std::ops::Range<usize> {
    let quoted = serde_json::to_string(address).unwrap_or_default();
    ["\"address\":", "\"address\": "]
        .iter()
        .find_map(|key| {
            let needle = format!("{key}{quoted}");
            text.find(&needle).map(|i| i..i + needle.len())
        })
        .unwrap_or(0..0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_name_resources() {
        assert_eq!(
            resource_of_ref("aws_subnet.public[0].id").as_deref(),
            Some("aws_subnet.public")
        );
        assert_eq!(
            resource_of_ref("module.irsa.iam_role_arn").as_deref(),
            Some("module.irsa.iam_role_arn")
        );
        assert_eq!(
            resource_of_ref("data.aws_iam_policy_document.t.json").as_deref(),
            Some("data.aws_iam_policy_document.t")
        );
        assert_eq!(resource_of_ref("var.x"), None);
        assert_eq!(
            strip_keys("module.a[0].module.b[\"x\"]."),
            "module.a.module.b."
        );
    }
}
