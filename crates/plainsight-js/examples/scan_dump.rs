//! Prints the findings of `plainsight_js::scan_path` for a file or directory
//! (a development aid until the CLI renders them).
#![allow(clippy::print_stdout)]

fn main() {
    let Some(p) = std::env::args().nth(1) else {
        eprintln!("usage: scan_dump <file.js|dir>");
        std::process::exit(2);
    };
    let t = std::time::Instant::now();
    let out = plainsight_js::scan_path(
        std::path::Path::new(&p),
        &plainsight_js::ScanOptions::default(),
    )
    .unwrap();
    let el = t.elapsed();
    for f in &out.findings {
        println!(
            "{} {} [{} / {}] {}",
            f.location.display_chain(),
            f.rule.code(),
            f.severity,
            f.confidence,
            f.message
        );
        for n in &f.notes {
            println!("    note: {n}");
        }
        if std::env::var_os("SNIPPET").is_some()
            && let Some(s) = &f.snippet
        {
            println!("{s}");
        }
    }
    for e in out.problems() {
        println!("incomplete: {e}");
    }
    println!(
        "{} files, {} findings, {:?}",
        out.files,
        out.findings.len(),
        el
    );
}
