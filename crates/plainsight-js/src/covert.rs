//! (Being written.)

use plainsight_core::Finding;

use crate::context::Ctx;

pub fn analyze(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let _ = (ctx, out);
}
