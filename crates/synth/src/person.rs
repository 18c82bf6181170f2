//! One synthetic person: identity (name, date of birth, NI number, address, registration,
//! smartcard), career dates, and the assignments an organisation holds for them.
//!
//! A person is a pure function of (seed, national serial): the same identity appears in the
//! current employer's dataset and, for about 5 %, in an earlier employer's dataset as a leaver.
//! NI numbers are a bijection of the serial, so they are unique nationally without any lookup.

use chrono::{Datelike, Days, Months, NaiveDate};
use domain::assignment::{Assignment, AssignmentStatus, Band};
use domain::org::OrgKind;
use domain::person::{
    Address, NiNumber, Person, Postcode, ProfessionalRegistration, Register, RegistrationStatus, SmartcardUuid,
};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::names::{FAMILY_NAMES, GIVEN_NAMES, STREETS, TOWNS};
use crate::rng::{self, Stream, chance, one_of};
use crate::roles::{self, Role};

const FIRST: &[u8] = b"ABCEGHJKLMNOPRSTWXYZ";
const SECOND: &[u8] = b"ABCEGHJKLMNPRSTWXYZ";
const UNALLOCATED: &[&[u8; 2]] = &[b"BG", b"GB", b"KN", b"NK", b"NT", b"TN", b"ZZ"];
/// A multiplier coprime with the NI space (2^6 · 5^6 · 373), so serial → number is a bijection.
const NI_STRIDE: u64 = 48_271;

/// Every two-letter prefix ever allocated.
fn prefixes() -> Vec<[u8; 2]> {
    let mut out = Vec::with_capacity(FIRST.len() * SECOND.len());
    for a in FIRST {
        for b in SECOND {
            let p = [*a, *b];
            if !UNALLOCATED.iter().any(|u| **u == p) {
                out.push(p);
            }
        }
    }
    out
}

/// Maps national serials to distinct, valid NI numbers (seed-dependent).
#[derive(Debug, Clone)]
pub struct NiSpace {
    prefixes: Vec<[u8; 2]>,
    offset: u64,
}

impl NiSpace {
    pub fn new(seed: u64) -> NiSpace {
        let prefixes = prefixes();
        let size = prefixes.len() as u64 * 1_000_000;
        NiSpace { prefixes, offset: rng::mix(seed) % size }
    }

    fn size(&self) -> u64 {
        self.prefixes.len() as u64 * 1_000_000
    }

    /// The NI number of a national serial; distinct serials (below the space size) give distinct
    /// numbers.
    pub fn of(&self, serial: u64) -> NiNumber {
        let x = (serial.wrapping_mul(NI_STRIDE) % self.size() + self.offset) % self.size();
        let p = self.prefixes[(x / 1_000_000) as usize];
        let suffix = b"ABCD"[(rng::mix(serial) % 4) as usize] as char;
        let text = format!("{}{}{:06}{suffix}", p[0] as char, p[1] as char, x % 1_000_000);
        NiNumber::parse(&text).expect("generated NI numbers are valid")
    }
}

/// Who a person is and when their working life happened; shared by every organisation's record.
#[derive(Debug, Clone)]
pub struct Identity {
    pub serial: u64,
    pub person: Person,
    pub role: &'static Role,
    /// When they started working (the earliest date any employer has for them).
    pub career_start: NaiveDate,
    /// Start of the current assignment (in the future for applicants).
    pub start: NaiveDate,
    pub status: AssignmentStatus,
}

pub(crate) fn days(n: i64) -> Days {
    Days::new(n.unsigned_abs())
}

pub(crate) fn minus(date: NaiveDate, n: i64) -> NaiveDate {
    if n >= 0 { date - days(n) } else { date + days(n) }
}

pub(crate) fn plus(date: NaiveDate, n: i64) -> NaiveDate {
    minus(date, -n)
}

fn years_before(date: NaiveDate, years: u32) -> NaiveDate {
    date.checked_sub_months(Months::new(12 * years)).unwrap_or(date)
}

/// Generates the identity of serial `serial`, and the person's own random stream for the rest of
/// the current employer's records.
pub fn identity(
    seed: u64,
    serial: u64,
    kind: OrgKind,
    has_earlier_employment: bool,
    ni: &NiSpace,
    today: NaiveDate,
) -> (Identity, ChaCha8Rng) {
    let mut rng = rng::stream(seed, Stream::Person, serial);
    let given = *one_of(&mut rng, GIVEN_NAMES);
    let family = *one_of(&mut rng, FAMILY_NAMES);
    // Working ages, most between 25 and 60.
    let age = 18 + (rng.gen_range(0..25u32) + rng.gen_range(0..25u32)).min(48);
    let dob = minus(years_before(today, age), rng.gen_range(1..365));
    let role = roles::pick(kind, &mut rng);
    let (town, outward) = *one_of(&mut rng, TOWNS);
    let inward: String = format!(
        "{}{}{}",
        rng.gen_range(0..10u8),
        *one_of(&mut rng, b"ABDEFGHJLNPQRSTUWXYZ") as char,
        *one_of(&mut rng, b"ABDEFGHJLNPQRSTUWXYZ") as char
    );
    let address = Address {
        lines: vec![format!("{} {}", rng.gen_range(1..240), one_of(&mut rng, STREETS))],
        town: town.to_owned(),
        postcode: Postcode::parse(&format!("{outward} {inward}")).expect("valid postcode shape"),
    };
    let email = format!(
        "{}.{}{}@nhs.net",
        given.to_ascii_lowercase(),
        family.to_ascii_lowercase().replace('\'', ""),
        serial % 1000
    );
    let phone = format!("07700 900{:03}", rng.gen_range(0..1000));
    let smartcard = chance(&mut rng, if role.clinical { 80.0 } else { 45.0 }).then(|| {
        SmartcardUuid::parse(&format!("{:012}", 100_000_000_000 + serial * 7 % 899_999_999_999)).expect("12 digits")
    });
    let registrations = role
        .register
        .map(|(register, prefix)| vec![registration(&mut rng, register, prefix, today)])
        .unwrap_or_default();

    let career_start = plus(dob, 365 * 18 + rng.gen_range(0..365 * 8)).min(minus(today, 60));
    // Tenure is skewed short: half the workforce joined in the last ~5 years.
    let tenure = (rng.gen_range(0.0f64..1.0).powf(2.0) * 365.0 * 20.0) as i64;
    let earliest = if has_earlier_employment { plus(career_start, 400) } else { career_start };
    let mut start = minus(today, tenure).max(earliest).min(today);
    let mut status = AssignmentStatus::Active;
    if chance(&mut rng, 1.0) {
        status = AssignmentStatus::Applicant;
        start = plus(today, rng.gen_range(14..70));
    }
    let person = Person {
        given_name: given.to_owned(),
        family_name: family.to_owned(),
        date_of_birth: dob,
        ni_number: Some(ni.of(serial)),
        address: Some(address),
        email: Some(email),
        phone: Some(phone),
        registrations,
        smartcard_uuid: smartcard,
    };
    let identity = Identity { serial, person, role, career_start, start, status };
    (identity, rng)
}

fn registration(rng: &mut ChaCha8Rng, register: Register, prefix: &str, today: NaiveDate) -> ProfessionalRegistration {
    let letter = |rng: &mut ChaCha8Rng| (b'A' + rng.gen_range(0..26u8)) as char;
    let number = match register {
        Register::Gmc => format!("{}", rng.gen_range(2_000_000..7_999_999)),
        Register::Gphc => format!("20{:05}", rng.gen_range(0..100_000)),
        Register::Nmc => {
            let (a, b) = (letter(rng), letter(rng));
            format!("{:02}{a}{:04}{b}", rng.gen_range(70..99), rng.gen_range(0..10_000))
        }
        Register::Hcpc => format!("{prefix}{:05}", rng.gen_range(10_000..99_999)),
        Register::Gdc => format!("{}", rng.gen_range(50_000..299_999)),
        Register::Goc => format!("01-{:05}", rng.gen_range(10_000..99_999)),
        Register::Swe => format!("SW{}", rng.gen_range(10_000..200_000)),
    };
    let (status, expires) = if chance(rng, 1.5) {
        (RegistrationStatus::Lapsed, minus(today, rng.gen_range(1..200)))
    } else {
        (RegistrationStatus::Registered, plus(today, rng.gen_range(10..365)))
    };
    ProfessionalRegistration::new(register, &number, status, Some(expires))
        .expect("generated registration numbers are valid")
}

/// The current assignment, and with probability 2 % a second concurrent one (a bank role).
pub fn current_assignments(
    identity: &Identity,
    kind: OrgKind,
    rng: &mut ChaCha8Rng,
    today: NaiveDate,
) -> Vec<Assignment> {
    let role = identity.role;
    let mut out = vec![Assignment {
        role: role.code.to_owned(),
        staff_group: role.staff_group,
        band: Band::parse(role.band).expect("role bands parse"),
        start_date: identity.start,
        end_date: None,
        status: identity.status,
    }];
    if identity.status == AssignmentStatus::Active && chance(rng, 2.0) {
        let mut second = roles::pick(kind, rng);
        if second.code == role.code {
            second = roles::by_code("HCA").expect("HCA role");
        }
        let span = (today - identity.start).num_days().max(0);
        out.push(Assignment {
            role: second.code.to_owned(),
            staff_group: second.staff_group,
            band: Band::parse(second.band).expect("role bands parse"),
            start_date: plus(identity.start, rng.gen_range(0..=span)),
            end_date: None,
            status: AssignmentStatus::Active,
        });
    }
    out
}

/// The assignment an earlier employer holds: from the start of the career to shortly before the
/// current job began (or today, for an applicant whose new job starts in the future).
pub fn earlier_assignment(identity: &Identity, rng: &mut ChaCha8Rng, today: NaiveDate) -> Assignment {
    let role = identity.role;
    let start = identity.career_start;
    let end = minus(identity.start, rng.gen_range(1..60)).min(today).max(start);
    Assignment {
        role: role.code.to_owned(),
        staff_group: role.staff_group,
        band: Band::parse(role.band).expect("role bands parse"),
        start_date: start,
        end_date: Some(end),
        status: AssignmentStatus::Left,
    }
}

/// 1 September of the flu season `today` falls in.
pub(crate) fn season_start(today: NaiveDate) -> NaiveDate {
    let year = if today.month() >= 9 { today.year() } else { today.year() - 1 };
    NaiveDate::from_ymd_opt(year, 9, 1).expect("valid date")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ni_numbers_are_distinct_and_valid_for_many_serials() {
        let space = NiSpace::new(9);
        let mut seen = std::collections::HashSet::new();
        for serial in 0..200_000 {
            assert!(seen.insert(space.of(serial).as_str().to_owned()[..8].to_owned()), "{serial}");
        }
    }
}
