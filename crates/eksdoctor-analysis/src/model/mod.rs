//! Typed evidence: the fields eksdoctor reads, with the names kubectl and the aws CLI print.
//!
//! Only what the rules read is deserialized; serde skips the rest without allocating, which keeps
//! a 60,000-pod bundle small in memory. Every field is optional or defaulted: a field that an API
//! version does not know is absent, never an error.

pub mod aws;
pub mod k8s;
mod time;

pub use time::Timestamp;
