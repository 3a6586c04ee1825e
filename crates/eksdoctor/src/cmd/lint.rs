use super::{ColorChoice, EXIT_ERROR, fail, print};
use eksdoctor_lint::{LintOptions, render};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, Default, clap::ValueEnum)]
pub enum Format {
    /// Each finding with its source lines (file:line:col and a caret), the fix, a summary
    #[default]
    Text,
    /// The lint report of CONTRACT.md §5 (schema eksdoctor.lint/v1)
    Json,
    /// SARIF 2.1.0, for code scanning in CI
    Sarif,
}

/// Check Terraform for what leaves an EKS Ingress without an address, before it ships
///
/// Reads Terraform directories (recursively: each directory's .tf files are one module, local
/// `module` sources are followed with the caller's inputs, *.tfvars are applied), single .tf
/// files, and plan JSON (`terraform show -json plan.out`, recognised by its content). Values
/// only known after apply (data sources, remote state, resource attributes, remote modules)
/// never produce a finding.
///
/// Checks (see `eksdoctor explain TF-01` …):
///   TF-01 subnets without the kubernetes.io/role/elb or internal-elb tag (or wrong key case)
///   TF-02 a role tag value other than "1" or empty (also per count instance)
///   TF-03 CoreDNS not set up for a Fargate-only cluster (profile, add-on computeType)
///   TF-04 CoreDNS patched or restarted with kubectl from local-exec
///   TF-05 private subnets with neither NAT nor sts/ec2/elasticloadbalancing endpoints
///   TF-06 an ALB Ingress on Fargate without target-type ip
///   TF-07 an Ingress with no class and no default IngressClass
///   TF-08 an internet-facing Ingress relying on the default (internal) scheme
///   TF-09 the controller's Helm release without clusterName
///   TF-10 the controller on Fargate without vpcId
///   TF-11 an IRSA trust policy that does not admit the controller's service account
#[derive(Debug, clap::Args)]
#[command(
    verbatim_doc_comment,
    after_help = "Exit codes: 0 no findings, 1 findings, 2 could not lint (a missing path, an unknown rule, a file that could not be read or parsed and no findings elsewhere).\n\nExamples:\n  eksdoctor lint infra/\n  eksdoctor lint infra/ --output sarif > eksdoctor.sarif\n  terraform show -json plan.out > plan.json && eksdoctor lint plan.json --output json"
)]
pub struct LintArgs {
    /// Terraform directories (searched recursively), .tf files, or plan JSON files
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, short, value_enum, default_value_t)]
    pub output: Format,
    /// Run only this rule (repeat for more), e.g. --rule TF-01
    #[arg(long = "rule", value_name = "ID")]
    pub rules: Vec<String>,
    /// When to use colour in text output
    #[arg(long, value_enum, default_value_t)]
    pub color: ColorChoice,
}

pub fn run(args: LintArgs) -> ExitCode {
    let options = LintOptions { select: args.rules };
    let report = match eksdoctor_lint::lint_paths(&args.paths, &options) {
        Ok(report) => report,
        Err(e) => return fail(e),
    };
    print(&match args.output {
        Format::Text => render::text(&report, args.color.enabled()),
        Format::Json => render::json(&report),
        Format::Sarif => render::sarif(&report),
    });
    if !report.findings.is_empty() {
        ExitCode::from(1)
    } else if !report.errors.is_empty() {
        ExitCode::from(EXIT_ERROR)
    } else {
        ExitCode::SUCCESS
    }
}
