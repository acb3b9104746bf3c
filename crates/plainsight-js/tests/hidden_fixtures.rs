//! Fixture expectations for the hidden analyzer (see `fixtures/hidden/expect_harness.rs`).

#[path = "fixtures/hidden/expect_harness.rs"]
mod harness;

#[test]
fn hidden_fixtures_meet_their_expectations() {
    assert!(harness::check_family("hidden") > 0);
}

/// Issue 8, starvation: six calls of a decoder-shaped function that never
/// finishes, ahead of the real base64+XOR host list, used up the file's
/// whole evaluation budget: no finding, no notice.
fn starve_source(dead: bool) -> String {
    let plain = "corp-a.example.com,corp-b.example.net,Europe/Kyiv";
    let xored: Vec<u8> = plain.bytes().map(|b| b ^ 0x5A).collect();
    let enc = plainsight_js::eval::base64_encode(&xored);
    let burners = "burn('x0');burn('x1');burn('x2');burn('x3');burn('x4');burn('x5');";
    let burners = if dead {
        format!("if (0) {{ {burners} }}")
    } else {
        burners.to_string()
    };
    format!(
        "function burn(s) {{ let o = ''; while (true) {{ o = String.fromCharCode(s.charCodeAt(0)); }} return o; }}\n\
         function q(s, k) {{ const b = atob(s); let o = ''; for (let i = 0; i < b.length; i++) o += String.fromCharCode(b.charCodeAt(i) ^ k); return o; }}\n\
         {burners}\n\
         const L = q('{enc}', 90).split(',');\n\
         if (L.includes(host)) x();\n"
    )
}

#[test]
fn runaway_decoders_do_not_starve_the_real_one() {
    for dead in [true, false] {
        let src = starve_source(dead);
        let out = plainsight_js::scan_source(
            "starve.js",
            &[],
            &src,
            &plainsight_js::ScanOptions::default(),
        );
        let list = out
            .findings
            .iter()
            .find(|f| f.rule == plainsight_core::Rule::TargetingList)
            .unwrap_or_else(|| panic!("dead={dead}: no PS202 in {:#?}", out.findings));
        assert_eq!(
            list.decoded.as_deref(),
            Some("corp-a.example.com\ncorp-b.example.net\nEurope/Kyiv")
        );
        // The burners ran out of budget: that is said, not silent.
        let unit = &out.units[0];
        assert_eq!(
            unit.status,
            plainsight_core::AnalysisStatus::Partial,
            "dead={dead}: {unit:?}"
        );
        let r = &unit.reasons[0];
        assert_eq!(r.kind, plainsight_core::IncompleteKind::Budget);
        assert!(
            r.message.starts_with("starve.js:3:")
                && r.message.contains("evaluation budget ran out"),
            "{}",
            r.message
        );
    }
}
