//! Template filters. `markup` is the only way markup gets into a page: it
//! accepts [`Markup`] values alone (built by escaping functions), so a raw
//! agent string cannot be passed to it by mistake — that would not compile.
//! Templates never use `|safe` (a test checks).

// askama's `filter_fn` marks the code it generates `#[inline(always)]`.
#![allow(clippy::inline_always)]

use crate::markup::Markup;

/// What `markup` accepts: `Markup` and references to it.
pub trait AsMarkup {
    fn markup_str(&self) -> &str;
}

impl AsMarkup for Markup {
    fn markup_str(&self) -> &str {
        self.as_str()
    }
}

impl<T: AsMarkup + ?Sized> AsMarkup for &T {
    fn markup_str(&self) -> &str {
        (**self).markup_str()
    }
}

#[askama::filter_fn]
pub fn markup<T: AsMarkup>(
    m: T,
    _: &dyn askama::Values,
) -> askama::Result<askama::filters::Safe<String>> {
    Ok(askama::filters::Safe(m.markup_str().to_owned()))
}
