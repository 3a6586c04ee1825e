//! Masks secrets before anything is written: a bundle is meant to be shared.
//!
//! Objects: values of environment variables and ConfigMap keys whose names look sensitive, the
//! argument after a sensitive flag (`--client-secret X`), `key: value` lines with a sensitive
//! key in config files kept in ConfigMaps, and JSON embedded in strings
//! (`kubectl.kubernetes.io/last-applied-configuration`). Everywhere, in objects and logs: AWS
//! access key ids, JWTs, bearer tokens, passwords in URLs (`postgres://user:pw@host`) and
//! `key=value` / `"key":"value"` pairs with a sensitive key.

use std::sync::LazyLock;

use regex::{Captures, Regex};
use serde_json::Value;

pub const MASK: &str = "[REDACTED]";

const SENSITIVE_WORDS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "credential",
    "apikey",
    "api_key",
    "api-key",
    "accesskey",
    "access_key",
    "privatekey",
    "private_key",
    "key",
];

/// Names that hold a path or a reference to a secret, not the secret itself.
const HARMLESS_SUFFIXES: &[&str] = &[
    "file",
    "path",
    "dir",
    "secretname",
    "secret_name",
    "secret-name",
];

fn is_sensitive_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SENSITIVE_WORDS.iter().any(|w| lower.contains(w))
        && !HARMLESS_SUFFIXES.iter().any(|s| lower.ends_with(s))
}

static PATTERNS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    let sensitive_key = r"[A-Za-z0-9_.-]*(?i:password|passwd|secret|token|credential|api[_-]?key|access[_-]?key|private[_-]?key)[A-Za-z0-9_.-]*";
    [
        // JWTs (service account tokens, OIDC id tokens): header.payload.signature.
        (
            r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*".to_owned(),
            MASK,
        ),
        // AWS access key ids (long-term AKIA, temporary ASIA).
        (r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b".to_owned(), MASK),
        // The password of a URL's user info: scheme://user:password@host.
        (
            r"(?P<pre>\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]+:)[^\s@/]+@".to_owned(),
            "${pre}[REDACTED]@",
        ),
        (
            r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}".to_owned(),
            "${1} [REDACTED]",
        ),
        // "password":"x" (JSON, also inside escaped JSON) and password=x (flags, query strings, logfmt).
        (
            format!(r#"(?P<k>"{sensitive_key}\\?"\s*:\s*\\?")(?P<v>[^"\\]+)"#),
            "${k}[REDACTED]",
        ),
        (
            format!(r"(?P<k>\b{sensitive_key}=)(?P<v>[^\s&,;\x22']+)"),
            "${k}[REDACTED]",
        ),
    ]
    .into_iter()
    .map(|(re, rep)| {
        (
            Regex::new(&re).unwrap_or_else(|e| panic!("bad pattern {re}: {e}")),
            rep,
        )
    })
    .collect()
});

/// Masks secrets in free text (a log, a string field).
pub fn text(input: &str) -> String {
    let mut out = std::borrow::Cow::Borrowed(input);
    for (re, rep) in PATTERNS.iter() {
        if let std::borrow::Cow::Owned(s) = re.replace_all(&out, |c: &Captures| {
            // Keep paths: `token_file=/var/run/...` names a file, not a secret.
            if let Some(k) = c.name("k")
                && !is_sensitive_name(k.as_str().trim_end_matches(['=', '"', ':', ' ', '\\']))
            {
                return c[0].to_owned();
            }
            let mut dst = String::new();
            c.expand(rep, &mut dst);
            dst
        }) {
            out = std::borrow::Cow::Owned(s);
        }
    }
    out.into_owned()
}

/// A `key: value` or `key = value` line of a config file (YAML, INI, properties) whose key is
/// sensitive: the value is masked. Only for ConfigMap data, where such files live; in logs the
/// same shape is an error message (`InvalidIdentityToken: No OpenIDConnect provider found`).
static CONFIG_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?m)^(?P<k>[ \t-]*["']?(?P<name>[A-Za-z0-9_.-]+)["']?[ \t]*[:=][ \t]*)(?P<v>[^\s#].*?)[ \t]*\r?$"#)
        .unwrap_or_else(|e| panic!("bad pattern: {e}"))
});

fn config_file(text: &str) -> String {
    CONFIG_LINE
        .replace_all(text, |c: &Captures| {
            let value = &c["v"];
            // A nested block (`db:` then indented lines) or a reference is not a secret.
            if !is_sensitive_name(&c["name"]) || value.starts_with(['|', '>', '{', '[', '&', '*']) {
                return c[0].to_owned();
            }
            format!("{}{MASK}", &c["k"])
        })
        .into_owned()
}

/// Masks secrets in a Kubernetes object (or list) in place.
pub fn object(value: &mut Value) {
    match value {
        Value::Object(map) => {
            // {"name": "DB_PASSWORD", "value": "..."}: a container env entry.
            let env_name = map.get("name").and_then(Value::as_str).map(str::to_owned);
            if let (Some(name), Some(Value::String(v))) = (env_name, map.get_mut("value"))
                && is_sensitive_name(&name)
            {
                *v = MASK.to_owned();
            }
            // ConfigMap data: {"db_password": "..."}.
            let is_config_map = map.get("kind").and_then(Value::as_str) == Some("ConfigMap");
            for (key, child) in map.iter_mut() {
                if is_config_map && (key == "data" || key == "binaryData") {
                    mask_sensitive_keys(child);
                }
                object(child);
            }
        }
        Value::Array(items) => {
            mask_flag_arguments(items);
            items.iter_mut().for_each(object);
        }
        Value::String(s) => *s = string(s),
        _ => {}
    }
}

fn mask_sensitive_keys(value: &mut Value) {
    if let Value::Object(map) = value {
        for (key, v) in map.iter_mut() {
            if let Value::String(text) = v {
                *text = if is_sensitive_name(key) {
                    MASK.to_owned()
                } else {
                    config_file(text)
                };
            }
        }
    }
}

/// `["--client-secret", "X"]` (args, command): the argument after a sensitive flag.
fn mask_flag_arguments(items: &mut [Value]) {
    for i in 1..items.len() {
        let flag = match &items[i - 1] {
            Value::String(flag) if flag.starts_with('-') && !flag.contains('=') => flag,
            _ => continue,
        };
        if is_sensitive_name(flag.trim_start_matches('-'))
            && let Value::String(arg) = &mut items[i]
            && !arg.starts_with('-')
        {
            *arg = MASK.to_owned();
        }
    }
}

/// A string field: JSON inside it (last-applied-configuration) is redacted as an object,
/// anything else as text.
fn string(s: &str) -> String {
    let trimmed = s.trim_start();
    if (trimmed.starts_with('{') || trimmed.starts_with('['))
        && let Ok(mut inner) = serde_json::from_str::<Value>(s)
    {
        object(&mut inner);
        let mut out = serde_json::to_string(&inner).unwrap_or_default();
        if s.ends_with('\n') {
            out.push('\n');
        }
        return out;
    }
    text(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_tokens_in_text() {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJl";
        let log = format!(
            "key id AKIAIOSFODNN7EXAMPLE, Authorization: Bearer abcdefgh12345678, token {jwt}, \
             --db-password=hunter2 url?X-Amz-Security-Token=FQoGZX&x=1 {{\"client_secret\":\"s3cr3t\"}}"
        );
        let out = text(&log);
        for secret in [
            "AKIAIOSFODNN7EXAMPLE",
            "abcdefgh12345678",
            jwt,
            "hunter2",
            "FQoGZX",
            "s3cr3t",
        ] {
            assert!(!out.contains(secret), "{secret} leaked: {out}");
        }
        assert!(out.contains("Bearer [REDACTED]"), "{out}");
        assert!(out.contains("--db-password=[REDACTED]"), "{out}");
    }

    #[test]
    fn masks_url_passwords_flag_arguments_and_config_files() {
        assert_eq!(
            text(
                "dial postgres://billing:pw-1@db.app:5432/x failed; see https://example.com:443/a@b"
            ),
            "dial postgres://billing:[REDACTED]@db.app:5432/x failed; see https://example.com:443/a@b"
        );
        let mut pod = json!({"kind": "Pod", "spec": {"containers": [{
            "args": ["--client-secret", "s1", "--listen", ":80", "--token-file", "/t", "--api-key", "--v=2"],
            "command": ["app", "--password", "s2"]
        }]}});
        object(&mut pod);
        assert_eq!(
            pod["spec"]["containers"][0]["args"],
            json!([
                "--client-secret",
                MASK,
                "--listen",
                ":80",
                "--token-file",
                "/t",
                "--api-key",
                "--v=2"
            ])
        );
        assert_eq!(
            pod["spec"]["containers"][0]["command"],
            json!(["app", "--password", MASK])
        );

        let mut cm = json!({"kind": "ConfigMap", "data": {
            "app.yaml": "db:\n  host: db\n  password: \"p w\"\n  tokenFile: /var/t\n  secrets:\n    - a\n",
            "app.ini": "[db]\napi_key = k1\nuser=app\n",
            "Corefile": ".:53 {\n    errors\n    forward . /etc/resolv.conf\n}\n"
        }});
        object(&mut cm);
        assert_eq!(
            cm["data"]["app.yaml"],
            "db:\n  host: db\n  password: [REDACTED]\n  tokenFile: /var/t\n  secrets:\n    - a\n"
        );
        assert_eq!(
            cm["data"]["app.ini"],
            "[db]\napi_key = [REDACTED]\nuser=app\n"
        );
        assert_eq!(
            cm["data"]["Corefile"],
            ".:53 {\n    errors\n    forward . /etc/resolv.conf\n}\n"
        );
    }

    #[test]
    fn keeps_evidence_text() {
        // Stable tokens the rules match on must survive.
        let line = r#"{"level":"error","msg":"Reconciler error","error":"WebIdentityErr: failed to retrieve credentials caused by: InvalidIdentityToken: No OpenIDConnect provider found, AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/eks.amazonaws.com/serviceaccount/token"}"#;
        assert_eq!(text(line), line);
        assert_eq!(
            text("role arn:aws:iam::123456789012:role/AROAEXAMPLEID lb"),
            "role arn:aws:iam::123456789012:role/AROAEXAMPLEID lb"
        );
    }

    #[test]
    fn masks_env_configmap_and_embedded_json() {
        let mut pod = json!({
            "kind": "Pod",
            "metadata": {"annotations": {
                "kubectl.kubernetes.io/last-applied-configuration":
                    "{\"spec\":{\"containers\":[{\"env\":[{\"name\":\"DB_PASSWORD\",\"value\":\"hunter2\"}]}]}}\n"
            }},
            "spec": {"containers": [{"env": [
                {"name": "DB_PASSWORD", "value": "hunter2"},
                {"name": "AWS_WEB_IDENTITY_TOKEN_FILE", "value": "/var/run/secrets/token"},
                {"name": "AWS_REGION", "value": "us-west-2"},
                {"name": "API_KEY", "valueFrom": {"secretKeyRef": {"name": "k", "key": "api"}}}
            ]}]}
        });
        object(&mut pod);
        let s = pod.to_string();
        assert!(!s.contains("hunter2"), "{s}");
        assert!(s.contains("/var/run/secrets/token"), "{s}");
        assert!(s.contains("us-west-2"), "{s}");
        assert!(s.contains("secretKeyRef"), "{s}");

        let mut cm =
            json!({"kind": "ConfigMap", "data": {"db_password": "pw", "Corefile": ".:53 {}"}});
        object(&mut cm);
        assert_eq!(cm["data"]["db_password"], MASK);
        assert_eq!(cm["data"]["Corefile"], ".:53 {}");
    }
}
