//! Environment sources (PS3xx). (Being written.)

use oxc_ast::ast::Expression;
use oxc_span::Span;
use plainsight_core::Finding;

use crate::context::Ctx;

/// What kind of environment a read observes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EnvCategory {
    /// API base URL, proxy configuration.
    Endpoint,
    /// Time zone, UTC offset, locale.
    TimeZone,
    /// Host name, user name, network interfaces, MAC.
    Identity,
    /// Platform, architecture, OS release.
    Platform,
    /// Any other environment variable or ambient value.
    Other,
}

/// One read of the environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvRead {
    pub category: EnvCategory,
    /// Readable description, e.g. `process.env.ANTHROPIC_BASE_URL`.
    pub what: String,
    pub span: Span,
}

/// Is `expr` itself a read of the environment (no data flow: the covert-channel
/// slicer calls this on every expression it reaches)?
pub fn env_read(ctx: &Ctx<'_>, expr: &Expression<'_>) -> Option<EnvRead> {
    let _ = (ctx, expr);
    None
}

/// PS301–PS305.
pub fn analyze(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let _ = (ctx, out);
}
