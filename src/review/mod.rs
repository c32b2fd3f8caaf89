//! Reviewing cuts: what changed between two versions of an EDL (`diff`). Pure: two checked
//! EDLs in, a list of changes out.

pub mod diff;
