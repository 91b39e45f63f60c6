//! Getting an export ready for the places people post: the platforms' shapes and upload rules
//! ([`platform`]) and the check of a finished file against them ([`readiness`]), which looks
//! for black and frozen stretches in the sources ([`stretches`]).

pub mod platform;
pub mod readiness;
mod stretches;
