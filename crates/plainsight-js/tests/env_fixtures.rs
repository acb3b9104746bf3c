//! Fixture expectations for the env analyzer (see `fixtures/hidden/expect_harness.rs`).

#[path = "fixtures/hidden/expect_harness.rs"]
mod harness;

#[test]
fn env_fixtures_meet_their_expectations() {
    assert!(harness::check_family("env") > 0);
}
