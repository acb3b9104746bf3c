//! `plainsight probe`: run the real agent in a sealed sandbox under an
//! environment matrix against a mock provider, and find every imperceptible
//! difference in what it sends.

pub mod capture;
pub mod diff;
pub mod dns;
pub mod experiment;
pub mod findings;
pub mod guide;
pub mod har;
pub mod matrix;
pub mod profile;
pub mod record;
pub mod run;
pub mod sandbox;
pub mod spec;
pub mod tls;
pub mod view;
