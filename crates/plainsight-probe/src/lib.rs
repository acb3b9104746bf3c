//! `plainsight probe`: run the real agent in a sealed sandbox under an
//! environment matrix against a mock provider, and find every imperceptible
//! difference in what it sends.

pub mod capture;
pub mod dns;
pub mod record;
pub mod sandbox;
pub mod spec;
pub mod tls;
pub mod run;
pub mod diff;
pub mod matrix;
pub mod profile;
pub mod experiment;
pub mod guide;
pub mod findings;
pub mod har;
