//! Calendar arithmetic shared by expiry rules (competences, recheck policies).
//!
//! Pure functions of their arguments; "today" is always passed in by the caller.

use chrono::{Datelike, NaiveDate};

/// `date` + `months`, clamped to the month's end (31 January + 1 month = 28 or 29 February);
/// the same answer as `NaiveDate::checked_add_months`, computed directly because compliance asks
/// it for every competence of every person.
pub fn add_months(date: NaiveDate, months: u32) -> Option<NaiveDate> {
    let total = i64::from(date.year()) * 12 + i64::from(date.month0()) + i64::from(months);
    let year = i32::try_from(total.div_euclid(12)).ok()?;
    let month = u32::try_from(total.rem_euclid(12)).ok()? + 1;
    NaiveDate::from_ymd_opt(year, month, date.day().min(days_in_month(year, month)))
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}
