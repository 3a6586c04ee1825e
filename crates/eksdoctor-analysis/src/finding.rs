//! What a rule reports, and the keys the causal engine links findings by.

use eksdoctor_rule::{RuleMeta, Severity};
use serde::Serialize;

/// The object a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Subject {
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
}

impl Subject {
    pub fn new(kind: &str, namespace: Option<&str>, name: &str) -> Subject {
        Subject {
            kind: kind.to_owned(),
            namespace: namespace.filter(|n| !n.is_empty()).map(str::to_owned),
            name: name.to_owned(),
        }
    }
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = self.kind.to_ascii_lowercase();
        match &self.namespace {
            Some(ns) => write!(f, "{kind}/{ns}/{}", self.name),
            None => write!(f, "{kind}/{}", self.name),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EvidenceSource {
    Events,
    Object,
    Log,
    Aws,
}

/// One piece of evidence: where it is in the bundle and what it says.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Evidence {
    pub source: EvidenceSource,
    #[serde(rename = "ref")]
    pub reference: String,
    pub excerpt: String,
}

impl Evidence {
    pub fn new(
        source: EvidenceSource,
        reference: impl Into<String>,
        excerpt: impl Into<String>,
    ) -> Evidence {
        let mut excerpt: String = excerpt.into();
        // Keep excerpts readable: one controller error can be kilobytes long.
        if excerpt.len() > 600 {
            let mut cut = 600;
            while !excerpt.is_char_boundary(cut) {
                cut -= 1;
            }
            excerpt.truncate(cut);
            excerpt.push('…');
        }
        Evidence {
            source,
            reference: reference.into(),
            excerpt,
        }
    }
}

/// The change that resolves a finding.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub summary: String,
    pub commands: Vec<String>,
    /// The Terraform change, when the fix belongs in infrastructure code.
    pub terraform: Option<String>,
}

/// What a finding is about or depends on, for the causal engine: an effect lists what it
/// needs (`needs`); a cause lists what it breaks (`breaks`); the engine links each effect to the
/// findings that break something it needs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    /// The address of this Ingress (namespace, name).
    IngressAddress(String, String),
    /// The ALB controller reconciling at all (credentials, AWS API access, running pods).
    AlbReconcile,
    /// A workload having running, ready pods (kind, namespace, name).
    WorkloadUp(String, String, String),
    /// The pods of a workload being placed on a node (namespace, workload name).
    Placement(String, String),
    /// Cluster DNS answering.
    ClusterDns,
    /// Pods reaching an AWS service API (`sts`, `ec2`, `elasticloadbalancing`).
    AwsApi(String),
}

/// One finding, as a rule reports it.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    pub subject: Subject,
    pub message: String,
    pub evidence: Vec<Evidence>,
    pub fix: Fix,
    pub needs: Vec<Key>,
    pub breaks: Vec<Key>,
    /// Derived from configuration, not yet surfaced in any event or log: a blocker that will
    /// appear once what currently fails is fixed.
    pub latent: bool,
    /// A user-visible symptom (an address that never came), never itself a root cause.
    pub symptom: bool,
    /// The severity to use when no other finding explains this one (a young Ingress without
    /// an address is `info` unless something is failing).
    pub severity_if_unexplained: Option<Severity>,
    /// Evidence to show when no other finding explains this one: what the controller said
    /// about an Ingress when no rule knows that error, so the user still sees it.
    pub evidence_if_unexplained: Vec<Evidence>,
    /// Dropped when another finding explains it: a reassurance such as "still provisioning,
    /// nothing has failed" that a known cause contradicts.
    pub unless_explained: bool,
}

impl Finding {
    pub fn new(rule: &'static RuleMeta, subject: Subject, message: impl Into<String>) -> Finding {
        Finding {
            rule,
            severity: rule.default_severity,
            subject,
            message: message.into(),
            evidence: Vec::new(),
            fix: Fix::default(),
            needs: Vec::new(),
            breaks: Vec::new(),
            latent: false,
            symptom: false,
            severity_if_unexplained: None,
            evidence_if_unexplained: Vec::new(),
            unless_explained: false,
        }
    }
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
    /// Adds evidence unless the same excerpt is already there (a controller repeats its error
    /// on every retry; one copy says it).
    pub fn evidence(mut self, evidence: Evidence) -> Self {
        self.add_evidence(evidence);
        self
    }
    pub fn add_evidence(&mut self, evidence: Evidence) {
        if !self.evidence.iter().any(|e| e.excerpt == evidence.excerpt) {
            self.evidence.push(evidence);
        }
    }
    pub fn evidence_all(self, evidence: impl IntoIterator<Item = Evidence>) -> Self {
        evidence.into_iter().fold(self, Finding::evidence)
    }
    pub fn fix(
        mut self,
        summary: impl Into<String>,
        commands: Vec<String>,
        terraform: Option<String>,
    ) -> Self {
        self.fix = Fix {
            summary: summary.into(),
            commands,
            terraform,
        };
        self
    }
    pub fn needs(mut self, key: Key) -> Self {
        self.needs.push(key);
        self
    }
    pub fn needs_all(mut self, keys: impl IntoIterator<Item = Key>) -> Self {
        self.needs.extend(keys);
        self
    }
    pub fn breaks(mut self, key: Key) -> Self {
        self.breaks.push(key);
        self
    }
    pub fn breaks_all(mut self, keys: impl IntoIterator<Item = Key>) -> Self {
        self.breaks.extend(keys);
        self
    }
    pub fn symptom(mut self) -> Self {
        self.symptom = true;
        self
    }
    pub fn severity_if_unexplained(mut self, severity: Severity) -> Self {
        self.severity_if_unexplained = Some(severity);
        self
    }
    pub fn evidence_if_unexplained(mut self, evidence: Evidence) -> Self {
        self.evidence_if_unexplained.push(evidence);
        self
    }
    pub fn unless_explained(mut self) -> Self {
        self.unless_explained = true;
        self
    }
    pub fn latent(mut self) -> Self {
        self.latent = true;
        self
    }
}
