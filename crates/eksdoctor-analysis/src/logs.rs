//! Container logs: scanned once, streaming, keeping only the lines that can be evidence.
//!
//! A log can be hundreds of megabytes; rules only ever read error-like lines. The scanner reads a
//! file in fixed-size chunks, finds candidate lines with one Aho-Corasick pass (SIMD-accelerated
//! for this handful of needles) and keeps the newest [`KEPT_LINES`] of them, so memory stays
//! bounded whatever the log's size.
//!
//! One error can span several lines: klog's `err=<` blocks and logs pasted from a terminal put
//! the SDK's `caused by:` parts on indented lines of their own. Such continuation lines are kept
//! with the line they continue, so a rule sees the whole error as one message.

use crate::model::Timestamp;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::collections::VecDeque;
use std::io::Read;
use std::sync::OnceLock;

/// How many matching lines a log keeps (the newest ones).
pub const KEPT_LINES: usize = 256;
/// Longest kept line; longer ones are cut (controller errors fit well within this).
pub const MAX_LINE_BYTES: usize = 4096;
const CHUNK: usize = 1 << 20;

/// Words that every log line worth reading as evidence contains, across LBC, CoreDNS and kubelet
/// wordings. Matched case-insensitively.
const NEEDLES: &[&str] = &[
    "error",
    "fail",
    "denied",
    "unable",
    "couldn't",
    "cannot",
    // Network timeouts by their wording, not the bare word: debug model dumps are full of
    // `HealthCheckTimeoutSeconds` and would crowd real errors out of the kept window.
    "i/o timeout",
    "handshake timeout",
    "deadline exceeded",
    "refused",
    "not authorized",
    "no such host",
    "unauthorized",
    "leader lease",
    // The leader's `successfully acquired lease`: without it, `attempting to acquire leader
    // lease` alone is a controller that never reconciles (ING-11).
    "acquired lease",
    "must be specified",
];

/// The needles, searched case-sensitively in a lower-cased copy of each chunk: that lets
/// aho-corasick use its SIMD (Teddy) prefilter, which case-insensitive search of this many
/// needles rules out (measured: 0.6 GB/s case-insensitive, several times that this way).
fn needles() -> &'static AhoCorasick {
    static AC: OnceLock<AhoCorasick> = OnceLock::new();
    AC.get_or_init(|| {
        AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .build(NEEDLES.iter().map(|n| n.to_ascii_lowercase()))
            .expect("static needles build")
    })
}

/// One kept line, with its 1-based line number in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub number: u64,
    pub text: String,
}

/// `logs/<namespace>/<pod>/<container>.log`, reduced to its evidence.
#[derive(Debug, Clone, Default)]
pub struct LogFile {
    /// Path inside the bundle, for evidence references.
    pub path: String,
    pub namespace: String,
    pub pod: String,
    pub container: String,
    /// The newest error-like lines, oldest first.
    pub lines: Vec<LogLine>,
    pub total_lines: u64,
    pub total_bytes: u64,
    /// When the last line was written, if it says (a JSON `ts`, or an RFC 3339 prefix as
    /// `kubectl logs --timestamps` prints it): how recent the capture is.
    pub last_time: Option<Timestamp>,
}

impl LogFile {
    /// Scans a log from a reader, chunk by chunk.
    pub fn scan<R: Read>(
        path: String,
        namespace: String,
        pod: String,
        container: String,
        mut reader: R,
    ) -> std::io::Result<LogFile> {
        let mut scanner = Scanner::default();
        let mut buf = vec![0u8; CHUNK];
        let mut filled = 0;
        loop {
            let n = reader.read(&mut buf[filled..])?;
            if n == 0 {
                break;
            }
            filled += n;
            // Process up to the last newline; carry the partial line to the next read.
            let cut = match memchr::memrchr(b'\n', &buf[..filled]) {
                Some(i) => i + 1,
                None if filled == buf.len() => filled,
                None => continue,
            };
            scanner.feed(&buf[..cut]);
            buf.copy_within(cut..filled, 0);
            filled -= cut;
        }
        if filled > 0 {
            scanner.feed(&buf[..filled]);
        }
        let last_time = line_time(&scanner.last_line);
        Ok(LogFile {
            path,
            namespace,
            pod,
            container,
            lines: scanner.kept.into_iter().collect(),
            total_lines: scanner.lines,
            total_bytes: scanner.bytes,
            last_time,
        })
    }
}

#[derive(Default)]
struct Scanner {
    kept: VecDeque<LogLine>,
    lines: u64,
    bytes: u64,
    /// The chunk being fed, lower-cased (ASCII only, so offsets are the same as in the chunk).
    lower: Vec<u8>,
    /// The newest kept line ended its chunk: the next chunk may open with its continuation.
    continues: bool,
    /// The last non-empty line seen, for the log's timestamp.
    last_line: Vec<u8>,
}

impl Scanner {
    /// Feeds whole lines (the slice ends at a newline, or at the end of the file).
    fn feed(&mut self, data: &[u8]) {
        let mut lower = std::mem::take(&mut self.lower);
        lower.clear();
        lower.extend(data.iter().map(u8::to_ascii_lowercase));
        let mut pos = 0;
        if std::mem::take(&mut self.continues) {
            pos = self.append_continuations(data, 0);
        }
        let mut counted_to = 0;
        let mut line_no = self.lines;
        while pos < data.len()
            && let Some(m) = needles().find(&lower[pos..])
        {
            let at = pos + m.start();
            let start = memchr::memrchr(b'\n', &data[..at]).map_or(0, |i| i + 1);
            let end = memchr::memchr(b'\n', &data[at..]).map_or(data.len(), |i| at + i);
            line_no += memchr::memchr_iter(b'\n', &data[counted_to..start]).count() as u64;
            counted_to = start;
            self.keep(line_no + 1, &data[start..end]);
            pos = self.append_continuations(data, end);
        }
        self.lines += memchr::memchr_iter(b'\n', data).count() as u64;
        if data.last().is_some_and(|b| *b != b'\n') {
            self.lines += 1;
        }
        self.bytes += data.len() as u64;
        self.lower = lower;
        self.remember_last_line(data);
    }

    /// Appends the continuation lines that follow `end` (the end of the newest kept line) to
    /// it; returns where scanning resumes.
    fn append_continuations(&mut self, data: &[u8], mut end: usize) -> usize {
        loop {
            let start = if end < data.len() && data[end] == b'\n' {
                end + 1
            } else {
                end
            };
            if start >= data.len() {
                self.continues = true;
                return data.len();
            }
            let next_end = memchr::memchr(b'\n', &data[start..]).map_or(data.len(), |i| start + i);
            let Some(line) = continuation(&data[start..next_end]) else {
                return start;
            };
            if let Some(kept) = self.kept.back_mut() {
                let room = MAX_LINE_BYTES.saturating_sub(kept.text.len() + 1);
                let part = String::from_utf8_lossy(&line[..line.len().min(room)]);
                if !part.is_empty() {
                    kept.text.push('\n');
                    kept.text.push_str(part.trim_start());
                }
            }
            end = next_end;
        }
    }

    fn remember_last_line(&mut self, data: &[u8]) {
        let data = data.trim_ascii_end();
        let start = memchr::memrchr(b'\n', data).map_or(0, |i| i + 1);
        let line = &data[start..];
        if !line.is_empty() {
            self.last_line.clear();
            self.last_line
                .extend_from_slice(&line[..line.len().min(MAX_LINE_BYTES)]);
        }
    }

    fn keep(&mut self, number: u64, line: &[u8]) {
        let line = trim_cr(line);
        let line = &line[..line.len().min(MAX_LINE_BYTES)];
        if self.kept.len() == KEPT_LINES {
            self.kept.pop_front();
        }
        self.kept.push_back(LogLine {
            number,
            text: String::from_utf8_lossy(line).into_owned(),
        });
    }
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Splits off what `kubectl logs` puts before a line: the `[pod/<pod>/<container>] ` of
/// `--prefix`, then the RFC 3339 stamp of `--timestamps` (space- or tab-separated, as log
/// exports write it). Returns the stamp and the line's own text.
fn split_stamp(line: &[u8]) -> (Option<Timestamp>, &[u8]) {
    let line = match line.strip_prefix(b"[pod/") {
        Some(rest) => memchr::memmem::find(rest, b"] ").map_or(line, |i| &rest[i + 2..]),
        None => line,
    };
    let end = memchr::memchr2(b' ', b'\t', line).unwrap_or(line.len());
    let looks_stamped = end >= 20 && line[..4].iter().all(u8::is_ascii_digit) && line[4] == b'-';
    match std::str::from_utf8(&line[..end])
        .ok()
        .and_then(Timestamp::parse)
    {
        Some(stamp) if looks_stamped => (Some(stamp), line.get(end + 1..).unwrap_or_default()),
        _ => (None, line),
    }
}

fn unstamped(line: &[u8]) -> &[u8] {
    split_stamp(line).1
}

/// The continuation of the line before, without its stamp: an indented line (klog's `err=<`
/// block, a pasted multi-line error) or one of the SDK's `caused by:` parts.
fn continuation(line: &[u8]) -> Option<&[u8]> {
    let line = unstamped(trim_cr(line));
    let indented =
        matches!(line.first(), Some(b' ' | b'\t')) && !line.iter().all(u8::is_ascii_whitespace);
    (indented || line.starts_with(b"caused by:")).then_some(line)
}

/// The time a log line was written: a leading RFC 3339 stamp (`kubectl logs --timestamps`), or
/// the `ts`/`time`/`timestamp` field of a JSON line (RFC 3339 text or Unix seconds).
pub fn line_time(line: &[u8]) -> Option<Timestamp> {
    let (stamp, body) = split_stamp(line.trim_ascii_start());
    if stamp.is_some() {
        return stamp;
    }
    let text = std::str::from_utf8(body).ok()?;
    if text.starts_with('{') {
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        let ts = ["ts", "time", "timestamp"]
            .iter()
            .find_map(|k| value.get(*k))?;
        return match ts {
            serde_json::Value::String(t) => Timestamp::parse(t),
            serde_json::Value::Number(n) => n.as_f64().map(|s| Timestamp(s as i64)),
            _ => None,
        };
    }
    Timestamp::parse(text.split_ascii_whitespace().next()?)
}

/// What a kept log line says, read once: its readable text, the object it is about, and
/// whether it reports a problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// For a controller-runtime JSON line, `msg: error` unescaped; otherwise the line itself.
    pub text: String,
    /// The (namespace, name) a controller-runtime line names: `"object":{"name","namespace"}`,
    /// or the flat `"namespace"`/`"name"` fields of older builds.
    pub object: Option<(String, String)>,
    /// Logged at error or warning level (JSON `level`, klog's `E`/`W`/`F` prefix); a line
    /// without a level counts as one, since it was kept for its error wording.
    pub problem: bool,
}

impl Entry {
    pub fn read(line: &str) -> Entry {
        // `kubectl logs --timestamps` puts its stamp before the controller's JSON.
        let body = std::str::from_utf8(unstamped(line.as_bytes())).unwrap_or(line);
        let json = body
            .trim_start()
            .starts_with('{')
            .then(|| serde_json::from_str::<serde_json::Value>(body).ok())
            .flatten()
            .filter(serde_json::Value::is_object);
        match json {
            Some(fields) => Entry::from_json(body, &fields),
            None => Entry {
                text: line.to_owned(),
                object: klog_object(line),
                problem: !klog_info(body),
            },
        }
    }

    fn from_json(line: &str, fields: &serde_json::Value) -> Entry {
        fn text<'v>(v: &'v serde_json::Value, k: &str) -> Option<&'v str> {
            v.get(k).and_then(|x| x.as_str())
        }
        let msg = text(fields, "msg").unwrap_or("");
        let err = text(fields, "error").unwrap_or("");
        let readable = match (msg.is_empty(), err.is_empty()) {
            (false, false) => format!("{msg}: {err}"),
            (false, true) => msg.to_owned(),
            (true, false) => err.to_owned(),
            (true, true) => line.to_owned(),
        };
        let object = fields.get("object");
        let name = object
            .and_then(|o| text(o, "name"))
            .or_else(|| text(fields, "name"));
        let namespace = object
            .and_then(|o| text(o, "namespace"))
            .or_else(|| text(fields, "namespace"))
            .unwrap_or_default();
        let level = text(fields, "level")
            .unwrap_or("error")
            .to_ascii_lowercase();
        Entry {
            text: readable,
            object: name.map(|n| (namespace.to_owned(), n.to_owned())),
            problem: !matches!(level.as_str(), "info" | "debug" | "trace"),
        }
    }
}

/// The object of a klog structured line: `object={"name":"web","namespace":"shop"}`, or the
/// legacy v1 controller's `"request"={"Namespace":"shop","Name":"web"}`.
fn klog_object(line: &str) -> Option<(String, String)> {
    let (rest, namespace, name) = if let Some((_, rest)) = line.split_once("object={") {
        (rest, "namespace", "name")
    } else {
        (line.split_once("\"request\"={")?.1, "Namespace", "Name")
    };
    let json = &line[line.len() - rest.len() - 1..];
    let value = serde_json::Deserializer::from_str(json)
        .into_iter::<serde_json::Value>()
        .next()?
        .ok()?;
    let field = |k: &str| value.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    Some((field(namespace).unwrap_or_default(), field(name)?))
}

/// A klog line (without its `kubectl logs` stamp) at info level: `I0501 10:20:17.123456 ...`.
fn klog_info(body: &str) -> bool {
    body.split_ascii_whitespace().next().is_some_and(|w| {
        w.len() == 5 && w.starts_with('I') && w[1..].bytes().all(|b| b.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &str) -> LogFile {
        LogFile::scan(
            "l".into(),
            "ns".into(),
            "p".into(),
            "c".into(),
            text.as_bytes(),
        )
        .unwrap()
    }

    #[test]
    fn keeps_only_error_like_lines_with_numbers() {
        let log = scan(
            "started\nall good\n{\"level\":\"error\",\"msg\":\"Reconciler error\"}\nok\nE0101 dial tcp: i/o timeout",
        );
        assert_eq!(log.total_lines, 5);
        let numbers: Vec<u64> = log.lines.iter().map(|l| l.number).collect();
        assert_eq!(numbers, vec![3, 5]);
        assert!(log.lines[1].text.ends_with("i/o timeout"));
    }

    #[test]
    fn configuration_dumps_do_not_crowd_out_errors() {
        let dump =
            r#"{"level":"debug","msg":"built model","model":"{\"HealthCheckTimeoutSeconds\":5}"}"#;
        let text = format!(
            "{}\ndial tcp 10.0.0.1:443: i/o timeout\n",
            vec![dump; KEPT_LINES + 5].join("\n")
        );
        let log = scan(&text);
        assert_eq!(log.lines.len(), 1, "{:?}", log.lines.first());
        assert!(log.lines[0].text.ends_with("i/o timeout"));
    }

    #[test]
    fn keeps_the_newest_lines_only() {
        let text: String = (0..KEPT_LINES + 10)
            .map(|i| format!("error {i}\n"))
            .collect();
        let log = scan(&text);
        assert_eq!(log.lines.len(), KEPT_LINES);
        assert_eq!(log.lines[0].text, "error 10");
        assert_eq!(log.lines.last().unwrap().number, (KEPT_LINES + 10) as u64);
    }

    #[test]
    fn lines_across_chunk_boundaries_are_whole() {
        let filler = "x".repeat(CHUNK - 3);
        let text = format!("{filler}\nsomething failed here\n");
        let log = scan(&text);
        assert_eq!(log.lines.len(), 1);
        assert_eq!(log.lines[0].text, "something failed here");
        assert_eq!(log.lines[0].number, 2);
    }

    #[test]
    fn continuation_lines_stay_with_their_error() {
        let text = "I0501 10:20:16.000001 1 controller.go:1] \"Starting workers\"\nE0501 10:20:17.123456 1 controller.go:326] \"Reconciler error\" err=<\n\tWebIdentityErr: failed to retrieve credentials\n\tcaused by: RequestError: send request failed\n\tcaused by: Post \"https://sts.us-east-2.amazonaws.com/\": dial tcp: lookup sts.us-east-2.amazonaws.com on 10.100.0.10:53: read: connection refused\n >\nI0501 10:20:18.000000 1 controller.go:1] \"error-free line\"\n";
        let log = scan(text);
        assert_eq!(log.lines.len(), 2, "{:?}", log.lines);
        let error = &log.lines[0];
        assert_eq!(error.number, 2);
        assert!(error.text.starts_with("E0501"));
        assert!(error.text.contains("\nWebIdentityErr: failed"));
        assert!(
            error
                .text
                .contains("lookup sts.us-east-2.amazonaws.com on 10.100.0.10:53")
        );
        assert_eq!(log.lines[1].number, 7);

        let stamped = scan(
            "2026-06-11T08:03:16.4Z E0611 1 c.go:1] \"Reconciler error\" err=<\n2026-06-11T08:03:16.4Z \tcaused by: Post \"https://sts.x\": i/o timeout\n2026-06-11T08:03:17.1Z I0611 ok\n",
        );
        assert_eq!(stamped.lines.len(), 1, "{:?}", stamped.lines);
        assert!(
            stamped.lines[0]
                .text
                .ends_with("\ncaused by: Post \"https://sts.x\": i/o timeout")
        );
    }

    #[test]
    fn continuations_across_chunk_boundaries_are_kept() {
        let filler = "x".repeat(CHUNK - 40);
        let text = format!(
            "{filler}\nWebIdentityErr: failed to retrieve\ncaused by: Post \"https://sts.eu-west-1.amazonaws.com/\": dial tcp: i/o timeout\n"
        );
        let log = scan(&text);
        assert_eq!(log.lines.len(), 1, "{:?}", log.lines);
        assert!(log.lines[0].text.ends_with("dial tcp: i/o timeout"));
        assert_eq!(log.total_lines, 3);
    }

    #[test]
    fn the_last_line_dates_the_log() {
        let json = scan("{\"level\":\"info\",\"ts\":\"2025-05-01T10:20:17Z\",\"msg\":\"a\"}\n\n");
        assert_eq!(json.last_time, Timestamp::parse("2025-05-01T10:20:17Z"));
        let epoch = scan("{\"level\":\"error\",\"ts\":1746094817.5,\"msg\":\"a\"}");
        assert_eq!(epoch.last_time, Timestamp::parse("2025-05-01T10:20:17Z"));
        let stamped = scan("2025-05-01T10:20:17.123456789Z E0501 failed\n");
        assert_eq!(stamped.last_time, Timestamp::parse("2025-05-01T10:20:17Z"));
        assert_eq!(scan("E0501 10:20:17.1 failed\n").last_time, None);
    }

    #[test]
    fn entries_unescape_controller_runtime_json() {
        let line = r#"{"level":"error","msg":"Reconciler error","error":"WebIdentityErr: failed\ncaused by: x"}"#;
        let entry = Entry::read(line);
        assert_eq!(
            entry.text,
            "Reconciler error: WebIdentityErr: failed\ncaused by: x"
        );
        assert!(entry.problem);
        assert_eq!(Entry::read("plain").text, "plain");
    }

    #[test]
    fn entries_name_their_object_in_new_and_old_layouts() {
        let new = r#"{"msg":"Reconciler error","object":{"name":"web","namespace":"shop"}}"#;
        assert_eq!(Entry::read(new).object, Some(("shop".into(), "web".into())));
        let group =
            r#"{"msg":"Reconciler error","object":{"name":"edge"},"namespace":"","name":"edge"}"#;
        assert_eq!(Entry::read(group).object, Some(("".into(), "edge".into())));
        assert_eq!(Entry::read("plain text").object, None);
        let klog = "E0501 1 controller.go:326] \"Reconciler error\" err=<\n >\n controller=\"ingress\" object={\"name\":\"web\",\"namespace\":\"shop\"} namespace=\"shop\"";
        assert_eq!(
            Entry::read(klog).object,
            Some(("shop".into(), "web".into()))
        );
        let v1 = r#"E0918 05:03:12.927639       1 controller.go:217] kubebuilder/controller "msg"="Reconciler error" "error"="failed to find existing LoadBalancer"  "controller"="alb-ingress-controller" "request"={"Namespace":"shop","Name":"web"}"#;
        assert_eq!(Entry::read(v1).object, Some(("shop".into(), "web".into())));
    }

    #[test]
    fn kubectl_prefixes_and_tab_separated_stamps_are_not_the_line() {
        let prefixed = r#"[pod/aws-load-balancer-controller-7c9d5b8f6-q4w2e/aws-load-balancer-controller] {"level":"info","msg":"successfully acquired lease kube-system/aws-load-balancer-controller-leader"}"#;
        let entry = Entry::read(prefixed);
        assert!(entry.text.starts_with("successfully acquired lease"));
        assert!(!entry.problem);
        let tabbed = "2026-05-21T11:06:29.709Z\tI0521 11:06:29.709728       1 leaderelection.go:297] failed to renew lease";
        assert!(!Entry::read(tabbed).problem);
        assert_eq!(
            line_time(tabbed.as_bytes()),
            Timestamp::parse("2026-05-21T11:06:29Z")
        );
        let both =
            "[pod/p/c] 2026-05-21T11:06:29Z {\"level\":\"error\",\"msg\":\"Reconciler error\"}";
        assert_eq!(Entry::read(both).text, "Reconciler error");
        assert_eq!(
            line_time(both.as_bytes()),
            Timestamp::parse("2026-05-21T11:06:29Z")
        );
    }

    #[test]
    fn stamped_json_lines_are_read_as_json() {
        let line = r#"2022-11-29T18:21:40-05:00 {"level":"info","logger":"controller.targetGroupBinding","msg":"acquired lease","name":"k8s-web-web-0a1b2c3d4e","namespace":"web"}"#;
        let entry = Entry::read(line);
        assert_eq!(entry.text, "acquired lease");
        assert!(!entry.problem);
        assert_eq!(
            entry.object,
            Some(("web".into(), "k8s-web-web-0a1b2c3d4e".into()))
        );
    }

    #[test]
    fn info_lines_are_not_problems() {
        let lease =
            r#"{"level":"info","msg":"attempting to acquire leader lease kube-system/x..."}"#;
        assert!(!Entry::read(lease).problem);
        assert!(Entry::read(r#"{"level":"warn","msg":"unable to x"}"#).problem);
        assert!(
            !Entry::read(
                "I0501 10:20:17.1 1 leaderelection.go:1] attempting to acquire leader lease"
            )
            .problem
        );
        assert!(!Entry::read("2025-05-01T10:20:17Z I0501 10:20:17.1 1 x.go:1] unable").problem);
        assert!(Entry::read("E0501 10:20:17.1 1 x.go:1] \"Reconciler error\"").problem);
        assert!(Entry::read("dial tcp: i/o timeout").problem);
    }
}
