//! Dev tools for eksdoctor's performance work (not published):
//!
//! - [`generate`]: a large, realistic bundle (kubectl `-o json` Lists, aws CLI outputs,
//!   controller logs) with one failure chain planted in the noise, deterministic by seed;
//! - the `bench` binary, which measures `eksdoctor diagnose` against `jq -c .` on such bundles.

pub mod generator;
pub mod measure;

pub use generator::{ChainNames, GenStats, Spec, generate};
