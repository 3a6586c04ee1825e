//! eksdoctor's analysis: read a bundle of kubectl/aws CLI output, run the diagnose rules, link
//! their findings from the user-visible symptom to the root cause, and render the report.
//!
//! No network I/O happens here: collection lives in `eksdoctor-collect`. The same snapshot
//! always gives the same report, byte for byte.

pub mod bundle;
pub mod context;
pub mod engine;
pub mod finding;
pub mod fixes;
pub mod logs;
pub mod model;
pub mod render;
pub mod report;
pub mod rules;
pub mod scheduling;
pub mod snapshot;
pub mod subnets;

pub use bundle::{BundleFile, BundleMeta, LoadError, LoadOptions, load_files, load_path};
pub use engine::{DiagnoseOptions, diagnose};
pub use report::{Report, Verdict};
pub use snapshot::Snapshot;
