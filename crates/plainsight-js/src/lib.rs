//! JavaScript analysis (being written).
