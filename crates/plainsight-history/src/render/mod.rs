//! Renderers of a [`History`](crate::History): one file per format.
