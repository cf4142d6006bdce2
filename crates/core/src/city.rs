//! The city a housing bureau watches: its registry of sites, each site's status by the stoppage
//! rules, the non-operating sites ranked by risk, city-wide pollution alerts, the bureau's review
//! records and the monthly housing–environment consultation report.

pub mod review;

pub use review::{Decision, Review, ReviewError};
