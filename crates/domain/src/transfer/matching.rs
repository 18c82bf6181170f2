//! Matching an applicant to their earlier NHS record: NI number, date of birth and surname.
//!
//! All three agree → [`MatchClass::Automatic`]; exactly two → [`MatchClass::Partial`], which is
//! never transferred automatically (HR proposes it and a second user approves); fewer → no match.
//! Surnames are compared after [`normalise_surname`]. When several records match automatically the
//! most recent employment wins ([`recency`]); a tie is ambiguous and left to HR.
//!
//! Diacritics are folded by a small table (Latin-1 Supplement and Latin Extended-A, plus dropping
//! combining marks U+0300–U+036F so decomposed input folds the same) rather than a Unicode
//! normalisation crate: this crate stays dependency-light and pure, and those two blocks hold the
//! accented letters of the Latin-script names a UK workforce record carries. Letters outside them
//! are kept (lower-cased), so two names in another script still match when written identically.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::assignment::{Assignment, AssignmentStatus};
use crate::person::NiNumber;

/// Case, spaces, hyphens, apostrophes and other punctuation removed; diacritics folded:
/// `"  O'Brien-Núñez "` → `"obriennunez"`.
pub fn normalise_surname(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if let Some(folded) = fold(c) {
            out.push_str(folded);
        } else if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        }
        // everything else (spaces, hyphens, apostrophes, combining marks) is dropped
    }
    out
}

/// The base letters of an accented Latin letter (lower case), or `None` when `c` is not in the table.
fn fold(c: char) -> Option<&'static str> {
    let cp = c as u32;
    Some(match cp {
        0x41..=0x5A | 0x61..=0x7A | 0x30..=0x39 => return None, // plain ASCII handled by the caller
        0xC0..=0xC5 | 0xE0..=0xE5 => "a",
        0xC6 | 0xE6 => "ae",
        0xC7 | 0xE7 => "c",
        0xC8..=0xCB | 0xE8..=0xEB => "e",
        0xCC..=0xCF | 0xEC..=0xEF => "i",
        0xD0 | 0xF0 => "d",
        0xD1 | 0xF1 => "n",
        0xD2..=0xD6 | 0xD8 | 0xF2..=0xF6 | 0xF8 => "o",
        0xD9..=0xDC | 0xF9..=0xFC => "u",
        0xDD | 0xFD | 0xFF => "y",
        0xDE | 0xFE => "th",
        0xDF => "ss",
        0x100..=0x105 => "a",
        0x106..=0x10D => "c",
        0x10E..=0x111 => "d",
        0x112..=0x11B => "e",
        0x11C..=0x123 => "g",
        0x124..=0x127 => "h",
        0x128..=0x131 => "i",
        0x132..=0x133 => "ij",
        0x134..=0x135 => "j",
        0x136..=0x138 => "k",
        0x139..=0x142 => "l",
        0x143..=0x14B => "n",
        0x14C..=0x151 => "o",
        0x152..=0x153 => "oe",
        0x154..=0x159 => "r",
        0x15A..=0x161 | 0x17F => "s",
        0x162..=0x167 => "t",
        0x168..=0x173 => "u",
        0x174..=0x175 => "w",
        0x176..=0x178 => "y",
        0x179..=0x17E => "z",
        0x300..=0x36F => "", // combining diacritical marks
        _ => return None,
    })
}

/// The three facts matching compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchKey<'a> {
    pub ni_number: Option<&'a NiNumber>,
    pub date_of_birth: NaiveDate,
    pub surname: &'a str,
}

/// One of the three facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchField {
    NiNumber,
    DateOfBirth,
    Surname,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchClass {
    /// NI number, date of birth and surname all agree.
    Automatic,
    /// Exactly two agree: HR may propose it, a second user must approve.
    Partial,
    NoMatch,
}

impl MatchClass {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchClass::Automatic => "automatic",
            MatchClass::Partial => "partial",
            MatchClass::NoMatch => "no_match",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MatchOutcome {
    pub class: MatchClass,
    /// The facts that differ (empty for an automatic match).
    pub differs: Vec<MatchField>,
}

/// Compares two records. A missing NI number on either side never agrees.
pub fn classify(applicant: &MatchKey<'_>, candidate: &MatchKey<'_>) -> MatchOutcome {
    let mut differs = vec![];
    let ni_agrees = matches!((applicant.ni_number, candidate.ni_number), (Some(a), Some(b)) if a == b);
    if !ni_agrees {
        differs.push(MatchField::NiNumber);
    }
    if applicant.date_of_birth != candidate.date_of_birth {
        differs.push(MatchField::DateOfBirth);
    }
    let a = normalise_surname(applicant.surname);
    if a.is_empty() || a != normalise_surname(candidate.surname) {
        differs.push(MatchField::Surname);
    }
    let class = match differs.len() {
        0 => MatchClass::Automatic,
        1 => MatchClass::Partial,
        _ => MatchClass::NoMatch,
    };
    MatchOutcome { class, differs }
}

/// How recent an employment is: an open assignment (no end date, not left) beats an ended one;
/// then the later date (start of an open one, end of an ended one). Compare with `Ord`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
pub struct Recency {
    pub open: bool,
    pub last_date: NaiveDate,
}

/// The most recent employment among a person's assignments (`None` without any).
pub fn recency(assignments: &[Assignment]) -> Option<Recency> {
    assignments
        .iter()
        .map(|a| match (a.status, a.end_date) {
            (AssignmentStatus::Left, end) => Recency { open: false, last_date: end.unwrap_or(a.start_date) },
            (_, Some(end)) => Recency { open: false, last_date: end },
            (_, None) => Recency { open: true, last_date: a.start_date },
        })
        .max()
}

/// A matched record, as the decision sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub class: MatchClass,
    pub recency: Option<Recency>,
}

/// What to do with the candidates found for one applicant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum MatchDecision {
    /// Transfer from this candidate (index into the slice given) without a human.
    Automatic {
        index: usize,
    },
    /// Several automatic matches equally recent, or only partial matches: HR decides (and a
    /// partial match needs a second user's approval).
    NeedsDecision {
        indexes: Vec<usize>,
    },
    NoMatch,
}

/// Automatic matches win over partial ones; among automatic matches the most recent employment
/// wins; a tie for most recent, or partial matches only, go to HR.
pub fn decide(candidates: &[Candidate]) -> MatchDecision {
    let automatic: Vec<usize> =
        candidates.iter().enumerate().filter(|(_, c)| c.class == MatchClass::Automatic).map(|(i, _)| i).collect();
    if let Some(best) = automatic.iter().map(|&i| candidates[i].recency).max() {
        let top: Vec<usize> = automatic.iter().copied().filter(|&i| candidates[i].recency == best).collect();
        return match top.as_slice() {
            [only] => MatchDecision::Automatic { index: *only },
            _ => MatchDecision::NeedsDecision { indexes: top },
        };
    }
    let partial: Vec<usize> =
        candidates.iter().enumerate().filter(|(_, c)| c.class == MatchClass::Partial).map(|(i, _)| i).collect();
    if partial.is_empty() { MatchDecision::NoMatch } else { MatchDecision::NeedsDecision { indexes: partial } }
}
