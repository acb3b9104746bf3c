//! Fixture expectations for the egress analyzer (see `fixtures/hidden/expect_harness.rs`).

#[path = "fixtures/hidden/expect_harness.rs"]
mod harness;

#[test]
fn egress_fixtures_meet_their_expectations() {
    assert!(harness::check_family("egress") > 0);
}
