use super::collect::LiveArgs;
use super::{ColorChoice, fail, print};
use eksdoctor_analysis::{DiagnoseOptions, LoadOptions, Verdict, render};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, Default, clap::ValueEnum)]
pub enum Format {
    /// A tree from each symptom to its root cause, then the fixes
    #[default]
    Text,
    /// The report of CONTRACT.md §2 (schema eksdoctor.report/v1)
    Json,
    /// Markdown, for a ticket or a pull request
    Markdown,
}

/// Follow the chain from the symptom to the root cause, and print the fix.
///
/// With --bundle, reads a bundle: a directory or .tar.gz of `kubectl get -o json|yaml` and
/// `aws … --output json` output, recognised by content, with controller logs under
/// logs/<namespace>/<pod>/<container>.log. Unknown files are listed and skipped; a malformed
/// file is reported and the rest is still read (unless --strict).
///
/// Without --bundle, collects live from the current kubeconfig context and the AWS credential
/// chain (as `eksdoctor collect` does, read-only) and diagnoses that: the same report as on a
/// bundle.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit codes: 0 healthy, 1 degraded or failing, 2 could not read the input or reach the cluster.\n\nExamples:\n  eksdoctor diagnose --bundle examples/bundles/fargate-dns-down --ingress shop/storefront\n  eksdoctor diagnose --context prod --profile prod-readonly -o markdown"
)]
pub struct DiagnoseArgs {
    /// Bundle directory or .tar.gz to analyse [default: collect live from the cluster]
    #[arg(long, value_name = "PATH")]
    pub bundle: Option<PathBuf>,
    /// Output format
    #[arg(long, short, value_enum, default_value_t)]
    pub output: Format,
    /// Only findings about this namespace, and the chains that explain them
    #[arg(long, short = 'n', value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// Only this Ingress and the chains that explain it
    #[arg(long, value_name = "NAMESPACE/NAME", value_parser = parse_ingress)]
    pub ingress: Option<(String, String)>,
    /// Fail (exit 2) on the first malformed file instead of reading the rest
    #[arg(long)]
    pub strict: bool,
    /// When to use colour in text output
    #[arg(long, value_enum, default_value_t)]
    pub color: ColorChoice,
    #[command(flatten)]
    pub live: LiveArgs,
}

fn parse_ingress(text: &str) -> Result<(String, String), String> {
    match text.split_once('/') {
        Some((ns, name)) if !ns.is_empty() && !name.is_empty() && !name.contains('/') => {
            Ok((ns.to_owned(), name.to_owned()))
        }
        _ => Err(format!("expected NAMESPACE/NAME, got `{text}`")),
    }
}

pub fn run(args: DiagnoseArgs) -> ExitCode {
    let options = LoadOptions {
        strict: args.strict,
    };
    let loaded = match &args.bundle {
        Some(path) => eksdoctor_analysis::load_path(path, options),
        None => match args.live.collect() {
            Ok(collected) => eksdoctor_analysis::load_files(collected.files, options),
            Err(code) => return code,
        },
    };
    let snapshot = match loaded {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    for error in &snapshot.file_errors {
        eprintln!("eksdoctor: warning: skipped malformed file {error}");
    }
    if let Some((ns, name)) = &args.ingress
        && !snapshot
            .ingresses
            .iter()
            .any(|i| i.metadata.namespace() == ns && &i.metadata.name == name)
    {
        return fail(format!("ingress {ns}/{name} is not in the bundle"));
    }
    let options = DiagnoseOptions {
        namespace: args.namespace,
        ingress: args.ingress,
    };
    let report = eksdoctor_analysis::diagnose(&snapshot, &options);
    let text = match args.output {
        Format::Text => render::text(&report, args.color.enabled()),
        Format::Json => render::json(&report),
        Format::Markdown => render::markdown(&report),
    };
    print(&text);
    match report.verdict {
        Verdict::Healthy => ExitCode::SUCCESS,
        Verdict::Degraded | Verdict::Failing => ExitCode::from(1),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_ingress;

    #[test]
    fn ingress_flag_needs_namespace_and_name() {
        assert_eq!(parse_ingress("shop/web"), Ok(("shop".into(), "web".into())));
        assert!(parse_ingress("web").is_err());
        assert!(parse_ingress("shop/").is_err());
        assert!(parse_ingress("a/b/c").is_err());
    }
}
