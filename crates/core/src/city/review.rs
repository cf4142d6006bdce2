//! Review records of the housing bureau: who reviewed a non-operating site, on what day, what they
//! found and what they decided. A record is attached to the site's history; the gateway persists
//! it (`POST /api/v1/sites/{site}/reviews`), or the city file keeps it when no gateway is used.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What the reviewer decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The site stays stopped (维持停工).
    KeepStopped,
    /// Resumption is approved (同意复工).
    ApproveResumption,
    /// Rectification is ordered before anything else (责令整改).
    OrderRectification,
}

impl Decision {
    /// Every decision, in the order the UI offers them.
    pub const ALL: [Decision; 3] = [Decision::KeepStopped, Decision::ApproveResumption, Decision::OrderRectification];

    /// The name used on the command line and in files.
    pub fn name(self) -> &'static str {
        match self {
            Decision::KeepStopped => "keep_stopped",
            Decision::ApproveResumption => "approve_resumption",
            Decision::OrderRectification => "order_rectification",
        }
    }

    /// Parses [`Decision::name`].
    pub fn parse(s: &str) -> Option<Decision> {
        Decision::ALL.into_iter().find(|d| d.name() == s)
    }
}

/// One review of one site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// The site reviewed.
    pub site: String,
    /// Who reviewed it (a named person: an anonymous review is refused).
    pub reviewer: String,
    /// The day of the review.
    pub date: NaiveDate,
    /// What was found, one line each.
    #[serde(default)]
    pub findings: Vec<String>,
    /// The decision.
    pub decision: Decision,
    /// Free notes.
    #[serde(default)]
    pub note: String,
}

/// Why a review record is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    /// No reviewer named.
    #[error("review of {site}: the reviewer must be named")]
    NoReviewer {
        /// The site.
        site: String,
    },
    /// No site named.
    #[error("review: the site must be named")]
    NoSite,
    /// A finding line is empty.
    #[error("review of {site}: finding {index} is empty")]
    EmptyFinding {
        /// The site.
        site: String,
        /// 1-based index of the empty line.
        index: usize,
    },
}

impl Review {
    /// Checks what a record must carry before it is stored.
    pub fn validate(&self) -> Result<(), ReviewError> {
        if self.site.trim().is_empty() {
            return Err(ReviewError::NoSite);
        }
        if self.reviewer.trim().is_empty() {
            return Err(ReviewError::NoReviewer { site: self.site.clone() });
        }
        if let Some(i) = self.findings.iter().position(|f| f.trim().is_empty()) {
            return Err(ReviewError::EmptyFinding { site: self.site.clone(), index: i + 1 });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review() -> Review {
        Review {
            site: "NT-001".into(),
            reviewer: "王工".into(),
            date: NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
            findings: vec!["TC1 回转制动未松开".into()],
            decision: Decision::KeepStopped,
            note: String::new(),
        }
    }

    #[test]
    fn decisions_round_trip_by_name_and_json() {
        for d in Decision::ALL {
            assert_eq!(Decision::parse(d.name()), Some(d));
            assert_eq!(serde_json::to_string(&d).unwrap(), format!("\"{}\"", d.name()));
        }
        assert_eq!(Decision::parse("approve"), None);
    }

    #[test]
    fn a_review_needs_a_site_a_reviewer_and_no_empty_finding() {
        assert_eq!(review().validate(), Ok(()));
        let r = Review { reviewer: "  ".into(), ..review() };
        assert_eq!(r.validate(), Err(ReviewError::NoReviewer { site: "NT-001".into() }));
        let r = Review { site: "".into(), ..review() };
        assert_eq!(r.validate(), Err(ReviewError::NoSite));
        let r = Review { findings: vec!["a".into(), " ".into()], ..review() };
        assert_eq!(r.validate(), Err(ReviewError::EmptyFinding { site: "NT-001".into(), index: 2 }));
    }

    #[test]
    fn json_refuses_unknown_fields() {
        let j = r#"{"site":"A","reviewer":"B","date":"2026-12-02","decision":"keep_stopped","oops":1}"#;
        assert!(serde_json::from_str::<Review>(j).unwrap_err().to_string().contains("oops"));
    }
}
