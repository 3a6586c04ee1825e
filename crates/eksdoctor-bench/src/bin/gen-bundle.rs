//! `gen-bundle --nodes N --pods P --events E --log-mb M --seed S --out DIR`: writes a large,
//! realistic bundle with one planted failure chain (see `eksdoctor_bench::generator`).

use eksdoctor_bench::{Spec, generate};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str =
    "usage: gen-bundle [--nodes N] [--pods P] [--events E] [--log-mb M] [--seed S] --out DIR
defaults: the Large size (2000 nodes, 60000 pods, 200000 events, 200 MB of logs), seed 1";

fn main() -> ExitCode {
    let mut spec = Spec::large(1.0, 1);
    let mut out: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        let parsed: Result<(), String> = (|| {
            let number = |v: String| v.parse::<usize>().map_err(|e| format!("{flag}: {e}"));
            match flag.as_str() {
                "--nodes" => spec.nodes = number(value()?)?,
                "--pods" => spec.pods = number(value()?)?,
                "--events" => spec.events = number(value()?)?,
                "--log-mb" => spec.log_mb = number(value()?)?,
                "--seed" => spec.seed = number(value()?)? as u64,
                "--out" => out = Some(PathBuf::from(value()?)),
                "-h" | "--help" => return Err(String::new()),
                other => return Err(format!("unknown argument `{other}`")),
            }
            Ok(())
        })();
        if let Err(e) = parsed {
            if !e.is_empty() {
                eprintln!("gen-bundle: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    }
    let Some(out) = out else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    if spec.nodes == 0 || spec.pods == 0 {
        eprintln!("gen-bundle: --nodes and --pods must be at least 1");
        return ExitCode::from(2);
    }
    let start = std::time::Instant::now();
    match generate(&spec, &out) {
        Ok(stats) => {
            println!(
                "wrote {} in {:.1}s: {} JSON files ({:.1} MB), {} logs ({:.1} MB)",
                out.display(),
                start.elapsed().as_secs_f64(),
                stats.json_files.len(),
                stats.json_bytes as f64 / 1e6,
                stats.log_files.len(),
                stats.log_bytes as f64 / 1e6
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen-bundle: {}: {e}", out.display());
            ExitCode::from(2)
        }
    }
}
