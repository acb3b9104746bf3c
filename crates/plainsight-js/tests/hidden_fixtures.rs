//! Fixture expectations for the hidden analyzer (see `fixtures/hidden/expect_harness.rs`).

#[path = "fixtures/hidden/expect_harness.rs"]
mod harness;

#[test]
fn hidden_fixtures_meet_their_expectations() {
    assert!(harness::check_family("hidden") > 0);
}
