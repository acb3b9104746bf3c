//! Archives end to end through `open_bytes`/`open`: what is found, what is
//! reported and skipped, and which limits stop hostile archives.

#[path = "fixtures/archive/build.rs"]
mod build;

use plainsight_artifact::{
    Artifact, ArtifactError, Data, Limits, OpenOptions, UnitKind, open, open_bytes,
};

fn open_mem(name: &str, bytes: Vec<u8>, limits: Limits) -> Result<Artifact, ArtifactError> {
    open_bytes(
        name,
        Data::from_vec(bytes),
        &OpenOptions {
            limits,
            ..OpenOptions::default()
        },
    )
}

fn paths(a: &Artifact) -> Vec<String> {
    let mut v: Vec<String> = a
        .units
        .iter()
        .map(|u| format!("{} › {}", u.chain.join(" › "), u.path))
        .collect();
    v.sort();
    v
}

#[test]
fn npm_style_tgz_yields_js_bins_and_skips_the_rest() {
    let tgz = build::tgz(&[
        (
            "package/bin/agent",
            b"#!/usr/bin/env node\nrequire('../dist/cli.js')\n",
        ),
        ("package/dist/cli.js", b"console.log('hi')\n"),
        ("package/dist/cli.js.map", b"{\"version\":3}"),
        ("package/README.md", b"# agent\n"),
        ("package/launch", b"require('./dist/cli.js')\n"),
        ("package/install.sh", b"#!/bin/sh\necho\n"),
        // package.json after its bin target: the decision waits for it.
        (
            "package/package.json",
            br#"{"name":"agent","bin":{"agent":"bin/agent","l":"./launch"}}"#,
        ),
    ]);
    let a = open_mem("agent-1.0.0.tgz", tgz, Limits::default()).unwrap();
    assert_eq!(
        paths(&a),
        [
            "agent-1.0.0.tgz › package/bin/agent",
            "agent-1.0.0.tgz › package/dist/cli.js",
            "agent-1.0.0.tgz › package/launch"
        ]
    );
    assert!(a.units.iter().all(|u| u.kind == UnitKind::JavaScript));
    let cli = a
        .units
        .iter()
        .find(|u| u.path == "package/dist/cli.js")
        .unwrap();
    assert_eq!(cli.data.bytes(), b"console.log('hi')\n");
}

#[test]
fn traversal_names_are_reported_not_followed() {
    let tgz = build::tgz(&[
        ("package/ok.js", b"1\n"),
        ("../../evil.js", b"2\n"),
        ("/abs/evil.js", b"3\n"),
        ("package/../../up.js", b"4\n"),
    ]);
    let a = open_mem("t.tgz", tgz, Limits::default()).unwrap();
    assert_eq!(paths(&a), ["t.tgz › package/ok.js"]);
    for bad in ["../../evil.js", "/abs/evil.js", "package/../../up.js"] {
        assert!(
            a.notices
                .contains(&format!("t.tgz: tar entry {bad} skipped: path traversal")),
            "{bad}: {:?}",
            a.notices
        );
    }

    let z = build::zip(
        &[("extension/ok.js", b"1\n"), ("../../evil.js", b"2\n")],
        true,
    );
    let a = open_mem("t.zip", z, Limits::default()).unwrap();
    assert_eq!(paths(&a), ["t.zip › extension/ok.js"]);
    assert!(
        a.notices
            .iter()
            .any(|n| n == "t.zip: zip entry ../../evil.js skipped: path traversal"),
        "{:?}",
        a.notices
    );
}

#[test]
fn gzip_bomb_is_stopped_by_the_ratio_limit() {
    let zeros = vec![0u8; 10 << 20];
    let tgz = build::tgz(&[("package/zeros.js", &zeros)]);
    assert!(
        tgz.len() < 64 << 10,
        "fixture is a bomb: {} bytes",
        tgz.len()
    );
    match open_mem("bomb.tgz", tgz, Limits::default()) {
        Err(ArtifactError::Limit {
            input,
            what,
            value,
            limit,
            ..
        }) => {
            assert_eq!(
                (input.as_str(), what, limit),
                ("bomb.tgz", "compression ratio", 200)
            );
            // Stopped while inflating: soon after the ratio was crossed,
            // nowhere near the full 10 MB (which would be ratio ~1000).
            assert!(value > 200 && value < 400, "ratio at stop {value}");
        }
        other => panic!("expected a ratio limit, got {other:?}"),
    }
    // The same content under a generous ratio is read fine.
    let tgz = build::tgz(&[("package/zeros.js", &zeros)]);
    let a = open_mem(
        "bomb.tgz",
        tgz,
        Limits {
            max_ratio: 5000,
            ..Limits::default()
        },
    )
    .unwrap();
    assert_eq!(a.units[0].data.len(), 10 << 20);
}

#[test]
fn zip_bomb_and_totals() {
    let zeros = vec![0u8; 10 << 20];
    let z = build::zip(&[("a.js", &zeros)], true);
    let e = open_mem("bomb.vsix", z, Limits::default()).unwrap_err();
    assert!(
        matches!(
            e,
            ArtifactError::Limit {
                what: "compression ratio",
                ..
            }
        ),
        "{e}"
    );
    assert!(
        e.to_string()
            .starts_with("bomb.vsix: compression ratio limit exceeded at entry a.js"),
        "{e}"
    );

    // Stored (no compression): the total limit still bounds what is read.
    let big = vec![b'a'; 3 << 20];
    let z = build::zip(&[("a.js", &big), ("b.js", &big)], false);
    let e = open_mem(
        "big.zip",
        z,
        Limits {
            max_total_uncompressed: 4 << 20,
            ..Limits::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            ArtifactError::Limit {
                what: "total uncompressed size",
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("entry b.js"), "{e}");
}

#[test]
fn entry_count_limit() {
    let names: Vec<String> = (0..50).map(|i| format!("package/f{i}.js")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"1\n"[..])).collect();
    let limits = Limits {
        max_entries: 10,
        ..Limits::default()
    };
    let e = open_mem("many.tgz", build::tgz(&entries), limits.clone()).unwrap_err();
    assert!(
        matches!(
            e,
            ArtifactError::Limit {
                what: "entry count",
                value: 11,
                limit: 10,
                ..
            }
        ),
        "{e}"
    );
    let e = open_mem("many.zip", build::zip(&entries, true), limits).unwrap_err();
    assert!(
        matches!(
            e,
            ArtifactError::Limit {
                what: "entry count",
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn single_files_over_the_size_limit_are_skipped_with_a_notice() {
    let big = vec![b'x'; 4096];
    let tgz = build::tgz(&[("package/big.js", &big), ("package/small.js", b"1\n")]);
    let a = open_mem(
        "s.tgz",
        tgz,
        Limits {
            max_file_size: 1024,
            ..Limits::default()
        },
    )
    .unwrap();
    assert_eq!(paths(&a), ["s.tgz › package/small.js"]);
    assert!(
        a.notices
            .iter()
            .any(|n| n.contains("package/big.js skipped: 4096 bytes is over the file size limit")),
        "{:?}",
        a.notices
    );
}

#[test]
fn vsix_is_a_zip_found_by_magic() {
    let z = build::zip(
        &[
            ("extension.vsixmanifest", b"<xml/>"),
            (
                "extension/package.json",
                br#"{"name":"ext","main":"./out/main.js","bin":"./server"}"#,
            ),
            ("extension/out/main.js", b"exports.activate = () => {}\n"),
            ("extension/server", b"process.stdin.pipe(process.stdout)\n"),
            ("extension/out/main.js.map", b"{}"),
        ],
        true,
    );
    let a = open_mem("publisher.ext-1.0.0.vsix", z, Limits::default()).unwrap();
    assert_eq!(
        paths(&a),
        [
            "publisher.ext-1.0.0.vsix › extension/out/main.js",
            "publisher.ext-1.0.0.vsix › extension/server"
        ]
    );
}

#[test]
fn nested_archives_extend_the_chain_up_to_depth_three() {
    let l3 = build::tgz(&[("package/deep.js", b"3\n")]);
    let l2 = build::zip(&[("inner/x.js", b"2\n"), ("inner/l3.tgz", &l3)], true);
    let l1 = build::tgz(&[("package/a.js", b"1\n"), ("package/vendor/l2.zip", &l2)]);
    let a = open_mem("outer.tgz", l1.clone(), Limits::default()).unwrap();
    assert_eq!(
        paths(&a),
        [
            "outer.tgz › package/a.js",
            "outer.tgz › package/vendor/l2.zip › inner/l3.tgz › package/deep.js",
            "outer.tgz › package/vendor/l2.zip › inner/x.js",
        ]
    );
    // One more level is reported, not opened.
    let l0 = build::tgz(&[("package/outer.tgz", &l1)]);
    let a = open_mem("top.tgz", l0, Limits::default()).unwrap();
    assert!(
        !paths(&a).iter().any(|p| p.contains("deep.js")),
        "{:?}",
        paths(&a)
    );
    assert!(
        a.notices
            .iter()
            .any(|n| n.ends_with("inner/l3.tgz: archive skipped: nested deeper than 3 archives")),
        "{:?}",
        a.notices
    );
}

#[test]
fn nested_archives_share_the_outer_budget() {
    let inner = build::tar(&[("package/a.js", &vec![b'a'; 600 << 10])]);
    let outer = build::tar(&[("x/inner1.tar", &inner), ("x/inner2.tar", &inner)]);
    // Each inner tar alone fits in 2 MB, but read twice (outer + inner) it does not.
    let e = open_mem(
        "o.tar",
        outer,
        Limits {
            max_total_uncompressed: 2 << 20,
            ..Limits::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(e, ArtifactError::Limit { what: "total uncompressed size", ref input, .. } if input.starts_with("o.tar")),
        "{e}"
    );
}

#[test]
fn errors_two_archives_deep_name_the_whole_chain() {
    // Issue 8: the shared budget named the outermost archive and the innermost
    // entry, leaving out the archive in between.
    let inner = build::zip(
        &[("a.js", b"1\n"), ("b.js", b"2\n"), ("c.js", b"3\n")],
        true,
    );
    let outer = build::tgz(&[("package/inner.zip", &inner)]);
    let e = open_mem(
        "outer.tgz",
        outer,
        Limits {
            max_entries: 3,
            ..Limits::default()
        },
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.starts_with(
            "outer.tgz › package/inner.zip: entry count limit exceeded at zip entry #2"
        ),
        "{msg}"
    );
    // Total size tripped inside the inner archive.
    let inner = build::zip(&[("big.js", &vec![b'a'; 300 << 10])], true);
    let outer = build::tgz(&[("package/inner.zip", &inner)]);
    let e = open_mem(
        "outer.tgz",
        outer,
        Limits {
            max_total_uncompressed: 200 << 10,
            ..Limits::default()
        },
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.starts_with(
            "outer.tgz › package/inner.zip: total uncompressed size limit exceeded at entry big.js"
        ),
        "{msg}"
    );
}

#[test]
fn corrupt_and_truncated_archives_name_input_and_place() {
    let tgz = build::tgz(&[
        ("package/a.js", &vec![b'a'; 100_000]),
        ("package/b.js", b"2\n"),
    ]);
    let truncated = tgz[..tgz.len() / 2].to_vec();
    let e = open_mem("cut.tgz", truncated, Limits::default()).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, ArtifactError::Malformed { .. }), "{msg}");
    assert!(
        msg.starts_with("cut.tgz: malformed") && msg.contains("offset"),
        "{msg}"
    );

    // No end of central directory.
    let z = build::zip(&[("a.js", b"1\n")], true);
    let e = open_mem("cut.zip", z[..z.len() - 30].to_vec(), Limits::default()).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("cut.zip: malformed zip at central directory"),
        "{e}"
    );
    // Entry data damaged: the CRC check names the entry.
    let mut z = build::zip(&[("a.js", b"console.log(1)\n")], false);
    let at = z.windows(7).position(|w| w == b"console").unwrap();
    z[at] = b'C';
    let e = open_mem("bad.zip", z, Limits::default()).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("bad.zip: malformed zip at entry a.js (offset 0)"),
        "{e}"
    );
}

#[test]
fn gzipped_single_file_and_kind_by_magic_not_name() {
    let a = open_mem("cli.js.gz", build::gzip(b"let a = 1;\n"), Limits::default()).unwrap();
    assert_eq!(paths(&a), ["cli.js.gz › cli.js"]);

    // A tgz saved under a misleading name is still opened as one.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("payload.dat");
    std::fs::write(&p, build::tgz(&[("package/a.js", b"1\n")])).unwrap();
    let a = open(p.to_str().unwrap(), &OpenOptions::default()).unwrap();
    assert_eq!(a.units.len(), 1);
    assert_eq!(a.units[0].chain, [p.to_str().unwrap()]);
    assert_eq!(a.units[0].path, "package/a.js");
}

/// Stable-toolchain stand-in for the fuzz target: thousands of truncated and
/// bit-flipped variants of nested archives must give units or an error,
/// never a panic, and never more than the limits allow.
#[test]
fn mutated_archives_never_panic() {
    let inner = build::tgz(&[
        ("package/x.js", b"let x = 1;\n"),
        ("package/bin/x", b"#!/usr/bin/env node\n"),
    ]);
    let seeds = [
        build::tgz(&[
            ("package/package.json", br#"{"bin":"bin/x"}"#),
            ("package/a.js", &[b'a'; 3000]),
            ("package/in.tgz", &inner),
        ]),
        build::zip(
            &[
                ("extension/a.js", &[b'b'; 3000][..]),
                ("extension/in.tgz", &inner),
            ],
            true,
        ),
        build::tar(&[("package/a.js", &[b'c'; 3000][..]), ("../evil", b"1")]),
    ];
    let limits = Limits {
        max_total_uncompressed: 1 << 20,
        max_entries: 64,
        max_ratio: 50,
        max_file_size: 256 << 10,
    };
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut ok, mut err) = (0, 0);
    for i in 0..3000 {
        let mut b = seeds[i % seeds.len()].clone();
        match next() % 3 {
            0 => b.truncate((next() as usize) % b.len()),
            1 => {
                for _ in 0..=(next() % 8) {
                    let at = (next() as usize) % b.len();
                    b[at] ^= 1 << (next() % 8);
                }
            }
            _ => {
                let at = (next() as usize) % b.len();
                b[at] = next() as u8;
            }
        }
        // Every fourth run with a file size limit around the sniffing head.
        let limits = if i % 4 == 0 {
            Limits {
                max_file_size: 100 + next() % 600,
                ..limits.clone()
            }
        } else {
            limits.clone()
        };
        match open_mem("m.bin", b, limits.clone()) {
            Ok(a) => {
                ok += 1;
                // Units out of an archive are bounded by the limits.
                for u in a.units.iter().filter(|u| !u.chain.is_empty()) {
                    assert!(u.data.len() as u64 <= 3 * limits.max_file_size);
                    if u.kind == UnitKind::JavaScript {
                        assert!(std::str::from_utf8(u.data.bytes()).is_ok());
                    }
                }
            }
            Err(e) => {
                err += 1;
                assert!(
                    e.to_string().starts_with("m.bin"),
                    "errors name the input: {e}"
                );
            }
        }
    }
    // Both paths were exercised.
    assert!(ok > 100 && err > 100, "ok {ok}, err {err}");
}

#[test]
fn tiny_file_size_limits_do_not_underflow() {
    let limits = Limits {
        max_file_size: 300,
        ..Limits::default()
    };
    let a = open_mem(
        "t.tgz",
        build::tgz(&[("package/a.js", &[b'a'; 600])]),
        limits.clone(),
    )
    .unwrap();
    assert!(a.units.is_empty());
    let a = open_mem("a.js.gz", build::gzip(&[b'a'; 600]), limits.clone()).unwrap();
    assert!(
        a.units.is_empty() && a.notices[0].contains("larger than the file size limit"),
        "{:?}",
        a.notices
    );
    let a = open_mem(
        "a.zip",
        build::zip(&[("a.js", &[b'a'; 600][..])], true),
        limits,
    )
    .unwrap();
    assert!(a.units.is_empty());
}

/// A stored zip whose central directory lists `n` entries that all point at
/// the same local file (the overlapping-files zip bomb).
fn overlapping_zip(n: u16, data: &[u8]) -> Vec<u8> {
    let crc = {
        let mut c = 0xFFFF_FFFFu32;
        for &b in data {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    (c >> 1) ^ 0xEDB8_8320
                } else {
                    c >> 1
                };
            }
        }
        !c
    };
    let name = b"kernel.js";
    let len = u32::try_from(data.len()).unwrap();
    let mut z = Vec::new();
    z.extend_from_slice(b"PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00");
    z.extend_from_slice(&crc.to_le_bytes());
    z.extend_from_slice(&len.to_le_bytes());
    z.extend_from_slice(&len.to_le_bytes());
    z.extend_from_slice(&(name.len() as u16).to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    z.extend_from_slice(name);
    z.extend_from_slice(data);
    let cd_start = u32::try_from(z.len()).unwrap();
    for i in 0..n {
        let entry = format!("e{i:05}.js");
        z.extend_from_slice(b"PK\x01\x02\x14\x00\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00");
        z.extend_from_slice(&crc.to_le_bytes());
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(entry.len() as u16).to_le_bytes());
        z.extend_from_slice(&[0; 12]);
        z.extend_from_slice(&0u32.to_le_bytes());
        z.extend_from_slice(entry.as_bytes());
    }
    let cd_len = u32::try_from(z.len()).unwrap() - cd_start;
    z.extend_from_slice(b"PK\x05\x06\x00\x00\x00\x00");
    z.extend_from_slice(&n.to_le_bytes());
    z.extend_from_slice(&n.to_le_bytes());
    z.extend_from_slice(&cd_len.to_le_bytes());
    z.extend_from_slice(&cd_start.to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    z
}

/// Issue 8: a stored zip with overlapping entries reached 2.2 GB before a
/// limit tripped. It is refused before anything is inflated.
#[test]
fn overlapping_zip_entries_are_refused() {
    let kernel = vec![b'a'; 1 << 20];
    let zip = overlapping_zip(2000, &kernel);
    let e = plainsight_artifact::open_bytes(
        "bomb.zip",
        plainsight_artifact::Data::from_vec(zip),
        &OpenOptions::default(),
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.starts_with("bomb.zip: malformed zip at entries #0 and #1"),
        "{msg}"
    );
    assert!(msg.contains("overlap"), "{msg}");
}
