//! `bench [--scale X]... [--seed S] [--dir DIR] [--eksdoctor PATH] [--regen]`
//!
//! For each scale of the Large size (2,000 nodes, 60,000 pods, 200,000 events, 200 MB of logs):
//! generates the bundle if needed, then measures in one run
//! - `eksdoctor diagnose --bundle DIR --output json`: wall time and peak RSS, with
//!   RAYON_NUM_THREADS=2 and =1 (the two reports must be byte-identical, and hold the planted
//!   chain ING-00 -> IAM-03 -> DNS-01 -> SCH-01 -> FG-02);
//! - the parse baseline: one `jq -c . FILE...` process over all the bundle's JSON files (jq reads
//!   them as one stream of documents), output to /dev/null;
//! - log scanning on one core: `LogFile::scan` over each log, already in memory;
//!
//! and prints one table. Files are read once beforehand so every tool sees a warm page cache.

use eksdoctor_analysis::logs::LogFile;
use eksdoctor_bench::measure::{self, Run};
use eksdoctor_bench::{Spec, generate};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

const USAGE: &str =
    "usage: bench [--scale X]... [--seed S] [--dir DIR] [--eksdoctor PATH] [--jq PATH] [--regen]
  --scale X      multiple of the Large size (default: 1 and 10, the issue's 1x and 10x; --scale 0.1 --scale 1 is a quick run)
  --dir DIR      where bundles are generated (default: <target dir>/bundles)
  --eksdoctor P  the binary to measure (default: next to this one; build it with --release)";

struct Args {
    scales: Vec<f64>,
    seed: u64,
    dir: PathBuf,
    eksdoctor: PathBuf,
    jq: PathBuf,
    regen: bool,
}

fn parse_args() -> Result<Args, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let bin_dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut args = Args {
        scales: Vec::new(),
        seed: 1,
        dir: bin_dir
            .parent()
            .map_or_else(|| PathBuf::from("bundles"), |t| t.join("bundles")),
        eksdoctor: bin_dir.join("eksdoctor"),
        jq: PathBuf::from("jq"),
        regen: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--scale" => args
                .scales
                .push(value()?.parse().map_err(|e| format!("--scale: {e}"))?),
            "--seed" => args.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--dir" => args.dir = PathBuf::from(value()?),
            "--eksdoctor" => args.eksdoctor = PathBuf::from(value()?),
            "--jq" => args.jq = PathBuf::from(value()?),
            "--regen" => args.regen = true,
            _ => return Err(format!("unknown argument `{flag}`")),
        }
    }
    if args.scales.is_empty() {
        args.scales = vec![1.0, 10.0];
    }
    Ok(args)
}

struct Row {
    scale: f64,
    spec: Spec,
    json_bytes: u64,
    log_bytes: u64,
    diag2: Run,
    diag1: Run,
    jq: Run,
    scan_bytes: u64,
    scan_time: Duration,
    identical: bool,
    chain: bool,
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bench: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if !args.eksdoctor.is_file() {
        eprintln!(
            "bench: {} not found: build it first with `cargo build --release -p eksdoctor` (same CARGO_TARGET_DIR), or pass --eksdoctor",
            args.eksdoctor.display()
        );
        return ExitCode::from(2);
    }
    let mut rows = Vec::new();
    for &scale in &args.scales {
        match bench_scale(&args, scale) {
            Ok(row) => rows.push(row),
            Err(e) => {
                eprintln!("bench: scale {scale}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    print_table(&rows);
    if rows.iter().all(|r| r.identical && r.chain) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn bench_scale(args: &Args, scale: f64) -> Result<Row, String> {
    let spec = Spec::large(scale, args.seed);
    let dir = args.dir.join(format!("large-x{scale}-seed{}", args.seed));
    let marker = dir.join(".generated");
    if args.regen || !marker.is_file() {
        let _ = std::fs::remove_dir_all(&dir);
        eprintln!("bench: generating {} ({spec:?})", dir.display());
        let start = Instant::now();
        generate(&spec, &dir).map_err(|e| format!("generate: {e}"))?;
        std::fs::write(&marker, format!("{spec:?}\n")).map_err(|e| e.to_string())?;
        eprintln!("bench: generated in {:.1}s", start.elapsed().as_secs_f64());
    }
    let (json_files, log_files) = bundle_files(&dir).map_err(|e| e.to_string())?;
    let size = |files: &[PathBuf]| -> u64 {
        files
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .map(|m| m.len())
            .sum()
    };
    let (json_bytes, log_bytes) = (size(&json_files), size(&log_files));
    // Warm the page cache for every tool alike.
    for f in json_files.iter().chain(&log_files) {
        let _ = std::fs::read(f);
    }

    let diagnose = |threads: &str| {
        eprintln!("bench: eksdoctor diagnose (RAYON_NUM_THREADS={threads})");
        measure::run(
            &args.eksdoctor,
            &[
                OsStr::new("diagnose"),
                OsStr::new("--bundle"),
                dir.as_os_str(),
                OsStr::new("--output"),
                OsStr::new("json"),
            ],
            &[("RAYON_NUM_THREADS", threads)],
            true,
        )
        .map_err(|e| format!("eksdoctor: {e}"))
    };
    let diag2 = diagnose("2")?;
    let diag1 = diagnose("1")?;
    if diag2.exit_code != Some(1) {
        return Err(format!(
            "eksdoctor diagnose exited with {:?}, expected 1 (problems found)",
            diag2.exit_code
        ));
    }
    let identical = diag1.stdout == diag2.stdout;
    let chain = measure::has_planted_chain(&diag2.stdout)?;
    if !chain {
        eprintln!(
            "bench: the planted chain was NOT found; chains: {:?}",
            measure::chain_rules(&diag2.stdout)
        );
    }

    eprintln!("bench: jq -c . over {} JSON files", json_files.len());
    let mut jq_args: Vec<&OsStr> = vec![OsStr::new("-c"), OsStr::new(".")];
    jq_args.extend(json_files.iter().map(|p| p.as_os_str()));
    let jq = measure::run(&args.jq, &jq_args, &[], false).map_err(|e| format!("jq: {e}"))?;
    if jq.exit_code != Some(0) {
        return Err(format!("jq exited with {:?}", jq.exit_code));
    }

    eprintln!("bench: log scan on one core over {} logs", log_files.len());
    let mut scan_time = Duration::ZERO;
    let mut scan_bytes = 0;
    for f in &log_files {
        let data = std::fs::read(f).map_err(|e| e.to_string())?;
        let start = Instant::now();
        let log = LogFile::scan(
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            data.as_slice(),
        )
        .map_err(|e| e.to_string())?;
        scan_time += start.elapsed();
        scan_bytes += log.total_bytes;
        std::hint::black_box(log);
    }

    Ok(Row {
        scale,
        spec,
        json_bytes,
        log_bytes,
        diag2,
        diag1,
        jq,
        scan_bytes,
        scan_time,
        identical,
        chain,
    })
}

/// The bundle's JSON documents (what jq gets) and its logs, in path order.
fn bundle_files(dir: &Path) -> std::io::Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                walk(&path, out)?;
            } else {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut all = Vec::new();
    walk(dir, &mut all)?;
    all.sort();
    let logs_root = dir.join("logs");
    let (logs, rest): (Vec<_>, Vec<_>) = all.into_iter().partition(|p| p.starts_with(&logs_root));
    let json = rest
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    Ok((json, logs))
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn print_table(rows: &[Row]) {
    println!();
    println!(
        "| scale | nodes / pods / events | JSON MB | logs MB | diagnose wall (2 thr) | diagnose wall (1 thr) | diagnose peak RSS | RSS / JSON | diagnose MB/s (JSON+logs) | jq -c . wall | jq peak RSS | jq MB/s (JSON) | diagnose / jq | log scan 1 core | same bytes 1 vs 2 thr | planted chain |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        let d = r.diag2.wall.as_secs_f64();
        println!(
            "| {}x | {} / {} / {} | {:.0} | {:.0} | {:.2} s | {:.2} s | {:.0} MB | {:.2} | {:.0} | {:.2} s | {:.0} MB | {:.0} | {:.3} | {:.2} GB/s | {} | {} |",
            r.scale,
            r.spec.nodes,
            r.spec.pods,
            r.spec.events,
            mb(r.json_bytes),
            mb(r.log_bytes),
            d,
            r.diag1.wall.as_secs_f64(),
            mb(r.diag2.max_rss),
            r.diag2.max_rss as f64 / r.json_bytes as f64,
            mb(r.json_bytes + r.log_bytes) / d,
            r.jq.wall.as_secs_f64(),
            mb(r.jq.max_rss),
            mb(r.json_bytes) / r.jq.wall.as_secs_f64(),
            d / r.jq.wall.as_secs_f64(),
            r.scan_bytes as f64 / 1e9 / r.scan_time.as_secs_f64(),
            if r.identical { "yes" } else { "NO" },
            if r.chain { "found" } else { "MISSING" },
        );
    }
    for pair in rows.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        println!(
            "\nscaling {}x -> {}x: input x{:.2} (JSON+logs), diagnose time x{:.2}, peak RSS x{:.2}",
            a.scale,
            b.scale,
            (b.json_bytes + b.log_bytes) as f64 / (a.json_bytes + a.log_bytes) as f64,
            b.diag2.wall.as_secs_f64() / a.diag2.wall.as_secs_f64(),
            b.diag2.max_rss as f64 / a.diag2.max_rss as f64,
        );
    }
}
