//! eksdoctor: why is my app on Amazon EKS not reachable?
//!
//! The binary only parses arguments, dispatches, and maps outcomes to exit codes (0: nothing
//! wrong, 1: problems found, 2: could not do the job). The work lives in the library crates.

mod cmd;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// A bundle becomes millions of small strings (names, labels, event texts): mimalloc allocates
/// and frees them faster, with less memory per allocation, than the system allocator (measured
/// with `crates/eksdoctor-bench`: about a third off the Large bundle's diagnose time).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(
    name = "eksdoctor",
    version,
    about = "Find out why an app on Amazon EKS is not reachable, and what to change",
    long_about = "eksdoctor follows the chain from the symptom (an Ingress without an address) to \
the root cause (CoreDNS unschedulable on Fargate, controller credentials, subnet tags, …), \
deterministically and offline, and prints the exact fix: kubectl and aws commands and the \
Terraform change.\n\nExit codes: 0 nothing wrong, 1 problems found, 2 eksdoctor could not do its job.",
    after_help = "Examples:\n  eksdoctor diagnose --bundle examples/bundles/fargate-dns-down\n  eksdoctor diagnose --bundle bundle.tar.gz --output json\n  eksdoctor rules\n  eksdoctor explain FG-02"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Diagnose(cmd::diagnose::DiagnoseArgs),
    Rules(cmd::rules::RulesArgs),
    Explain(cmd::rules::ExplainArgs),
    Lint(cmd::lint::LintArgs),
    Collect(cmd::collect::CollectArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Diagnose(args) => cmd::diagnose::run(args),
        Command::Rules(args) => cmd::rules::list(args),
        Command::Explain(args) => cmd::rules::explain(args),
        Command::Lint(args) => cmd::lint::run(args),
        Command::Collect(args) => cmd::collect::run(args),
    }
}
