#!/bin/sh
# Regenerates crates/plainsight-text/src/quote_lookalikes.rs: the apostrophe and
# double-quote look-alike sets of the text engine, i.e. every code point whose
# UTS #39 skeleton (Unicode Security Mechanisms, confusables.txt, in the version
# compiled into the `unicode-security` crate pinned in Cargo.lock) is `'` or
# `''` (the skeleton of `"`). The unit test
# `chars::tests::quote_lookalike_tables_match_uts39` fails when they drift.
# Usage: scripts/gen-quote-lookalikes.sh
set -eu
root=$(dirname "$0")/..
out=$root/crates/plainsight-text/src/quote_lookalikes.rs
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
cargo run --quiet --manifest-path "$root/Cargo.toml" -p plainsight-text --example gen_quote_lookalikes > "$tmp"
rustfmt --edition 2024 "$tmp"
mv "$tmp" "$out"
trap - EXIT
echo "wrote $out ($(grep -c "^    '" "$out") code points)"
