//! Getting an export ready for the places people post: the platforms' shapes and upload rules
//! ([`platform`]) and the check of a finished file against them ([`readiness`]).

pub mod platform;
pub mod readiness;
