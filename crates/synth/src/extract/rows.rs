//! Row ⇄ domain value, per file. Parsing collects every problem of a row (not just the first) as
//! (column, reason) pairs, then runs the domain's own `validate` and maps its JSON field paths
//! back to the column they came from. Formatting is the inverse and round-trips.

use chrono::NaiveDate;
use domain::FieldError;
use domain::assignment::{Assignment, AssignmentStatus, Band, StaffGroup};
use domain::checks::{CheckDetails, CheckKind, CheckOutcome, EmploymentCheck};
use domain::cstf::{Competence, CompetenceRef, CompetenceSource, format_esr_name, parse_esr_name};
use domain::immunisation::{
    Antigen, Dose, EppClearance, Immunisation, ImmunisationStatus, OhClearance, Serology, SerologyResult, SerologyTest,
};
use domain::person::{
    Address, NiNumber, Person, Postcode, ProfessionalRegistration, Register, RegistrationStatus, SmartcardUuid,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::columns::{self as col, NI};

/// The kinds of file in an extract, in load order (people first: the rest refer to them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExtractKind {
    People,
    Assignments,
    Checks,
    Competences,
    Immunisations,
    Clearances,
}

/// A parsed, validated row.
#[derive(Debug, Clone, PartialEq)]
pub enum ExtractValue {
    Person(Person),
    Assignment(Assignment),
    Check(EmploymentCheck),
    Competence(Competence),
    Immunisation(Immunisation),
    Clearance(OhClearance),
}

impl ExtractKind {
    pub const ALL: [ExtractKind; 6] = [
        ExtractKind::People,
        ExtractKind::Assignments,
        ExtractKind::Checks,
        ExtractKind::Competences,
        ExtractKind::Immunisations,
        ExtractKind::Clearances,
    ];

    pub fn file_name(self) -> &'static str {
        match self {
            ExtractKind::People => "people.csv",
            ExtractKind::Assignments => "assignments.csv",
            ExtractKind::Checks => "checks.csv",
            ExtractKind::Competences => "competences.csv",
            ExtractKind::Immunisations => "immunisations.csv",
            ExtractKind::Clearances => "clearances.csv",
        }
    }

    /// Every column, in the order the writer emits them.
    pub fn columns(self) -> &'static [&'static str] {
        use col::*;
        match self {
            ExtractKind::People => &[
                NI,
                people::DOB,
                people::FIRST,
                people::LAST,
                people::ADDRESS1,
                people::ADDRESS2,
                people::TOWN,
                people::POSTCODE,
                people::EMAIL,
                people::PHONE,
                people::SMARTCARD,
                people::REGISTER,
                people::REG_NUMBER,
                people::REG_STATUS,
                people::REG_EXPIRY,
            ],
            ExtractKind::Assignments => &[
                NI,
                assignments::ROLE,
                assignments::STAFF_GROUP,
                assignments::GRADE,
                assignments::START,
                assignments::END,
                assignments::STATUS,
            ],
            ExtractKind::Checks => &[
                NI,
                checks::TYPE,
                checks::OUTCOME,
                checks::COMPLETED,
                checks::CHECKED_BY,
                checks::EVIDENCE,
                checks::EXPIRES,
                checks::NOTES,
                checks::DETAILS,
            ],
            ExtractKind::Competences => &[
                NI,
                competences::NAME,
                competences::ACHIEVED,
                competences::EXPIRY,
                competences::SOURCE,
                competences::PROVIDER,
            ],
            ExtractKind::Immunisations => &[
                NI,
                immunisations::ANTIGEN,
                immunisations::STATUS,
                immunisations::DOSES,
                immunisations::SEROLOGY,
                immunisations::HISTORY,
                immunisations::BCG,
                immunisations::RECORDED_BY,
                immunisations::NOTES,
            ],
            ExtractKind::Clearances => &[
                NI,
                clearances::EPP,
                clearances::CLEARED_ON,
                clearances::CLEARED_BY,
                clearances::RESTRICTIONS,
                clearances::REVIEW_ON,
            ],
        }
    }

    /// Columns a file must have (others may be absent and are then empty).
    pub fn required_columns(self) -> &'static [&'static str] {
        use col::*;
        match self {
            ExtractKind::People => &[NI, people::DOB, people::FIRST, people::LAST],
            ExtractKind::Assignments => &[
                NI,
                assignments::ROLE,
                assignments::STAFF_GROUP,
                assignments::GRADE,
                assignments::START,
                assignments::STATUS,
            ],
            ExtractKind::Checks => &[NI, checks::TYPE, checks::OUTCOME, checks::CHECKED_BY, checks::DETAILS],
            ExtractKind::Competences => &[NI, competences::NAME, competences::ACHIEVED],
            ExtractKind::Immunisations => &[NI, immunisations::ANTIGEN, immunisations::STATUS],
            ExtractKind::Clearances => &[NI, clearances::EPP, clearances::CLEARED_ON, clearances::CLEARED_BY],
        }
    }
}

/// Problems found in one row: (column, reason).
pub(crate) type Problems = Vec<(String, String)>;

/// The cells of one CSV row, found by column name ("" when the file lacks the column).
#[derive(Clone, Copy)]
pub(crate) struct RowView<'a> {
    pub record: &'a csv::StringRecord,
    pub positions: &'a [(&'static str, Option<usize>)],
}

impl<'a> RowView<'a> {
    fn get(&self, column: &str) -> &'a str {
        self.positions
            .iter()
            .find(|(c, _)| *c == column)
            .and_then(|(_, i)| i.and_then(|i| self.record.get(i)))
            .unwrap_or("")
    }
}

/// Collects problems while parsing the cells of one row.
pub(crate) struct Cells<'a> {
    row: RowView<'a>,
    problems: Problems,
}

impl<'a> Cells<'a> {
    fn text(&self, column: &str) -> &'a str {
        self.row.get(column).trim()
    }

    fn opt(&self, column: &str) -> Option<String> {
        let t = self.text(column);
        (!t.is_empty()).then(|| t.to_owned())
    }

    fn bad(&mut self, column: &str, reason: impl Into<String>) {
        self.problems.push((column.to_owned(), reason.into()));
    }

    fn required(&mut self, column: &str) -> Option<&'a str> {
        let t = self.text(column);
        if t.is_empty() {
            self.bad(column, "is required");
            None
        } else {
            Some(t)
        }
    }

    fn parsed<T>(&mut self, column: &str, f: impl FnOnce(&str) -> Result<T, FieldError>) -> Option<T> {
        let t = self.required(column)?;
        f(t).map_err(|e| self.bad(column, e.problem)).ok()
    }

    fn date(&mut self, column: &str) -> Option<NaiveDate> {
        let t = self.required(column)?;
        parse_date(t).map_err(|r| self.bad(column, r)).ok()
    }

    fn opt_date(&mut self, column: &str) -> Option<Option<NaiveDate>> {
        match self.text(column) {
            "" => Some(None),
            t => parse_date(t).map(Some).map_err(|r| self.bad(column, r)).ok(),
        }
    }

    fn enumeration<T: DeserializeOwned>(&mut self, column: &str, what: &str) -> Option<T> {
        let t = self.required(column)?;
        parse_enum(t).ok_or_else(|| self.bad(column, format!("{t:?} is not a {what}"))).ok()
    }

    fn flag(&mut self, column: &str) -> bool {
        match self.text(column).to_ascii_lowercase().as_str() {
            "" | "n" | "no" | "false" | "0" => false,
            "y" | "yes" | "true" | "1" => true,
            other => {
                let other = other.to_owned();
                self.bad(column, format!("{other:?} is not Y or N"));
                false
            }
        }
    }
}

/// ISO `2025-03-31`, or ESR's `31/03/2025`.
pub(crate) fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y"))
        .map_err(|_| format!("{text:?} is not a date (YYYY-MM-DD or DD/MM/YYYY)"))
}

/// An enum by its snake_case name, accepting spaces, hyphens and any case (`Clear with
/// conditions`, `e-learning`).
fn parse_enum<T: DeserializeOwned>(text: &str) -> Option<T> {
    let key: String =
        text.trim().chars().map(|c| if c == ' ' || c == '-' { '_' } else { c.to_ascii_lowercase() }).collect();
    serde_json::from_value(serde_json::Value::String(key)).ok()
}

/// The snake_case name of an enum value.
pub(crate) fn enum_text<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn date_text(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

/// Maps a domain field path to the column it came from, for a file kind.
fn column_of(kind: ExtractKind, field: &str) -> &'static str {
    use col::*;
    let starts = |p: &str| field == p || field.starts_with(&format!("{p}.")) || field.starts_with(&format!("{p}["));
    match kind {
        ExtractKind::People => match () {
            _ if starts("given_name") => people::FIRST,
            _ if starts("family_name") => people::LAST,
            _ if starts("date_of_birth") => people::DOB,
            _ if starts("email") => people::EMAIL,
            _ if starts("phone") => people::PHONE,
            _ if field.starts_with("address.lines[1]") => people::ADDRESS2,
            _ if starts("address.town") => people::TOWN,
            _ if starts("address.postcode") => people::POSTCODE,
            _ if starts("address") => people::ADDRESS1,
            _ if starts("registrations") => people::REG_NUMBER,
            _ if starts("smartcard_uuid") => people::SMARTCARD,
            _ => NI,
        },
        ExtractKind::Assignments => match () {
            _ if starts("role") => assignments::ROLE,
            _ if starts("end_date") => assignments::END,
            _ if starts("start_date") => assignments::START,
            _ if starts("band") => assignments::GRADE,
            _ => assignments::STATUS,
        },
        ExtractKind::Checks => match () {
            _ if starts("completed_on") => checks::COMPLETED,
            _ if starts("checked_by") => checks::CHECKED_BY,
            _ if starts("evidence_ref") => checks::EVIDENCE,
            _ if starts("expires_on") => checks::EXPIRES,
            _ if starts("notes") => checks::NOTES,
            _ => checks::DETAILS,
        },
        ExtractKind::Competences => match () {
            _ if starts("completed_on") => competences::ACHIEVED,
            _ if starts("provider") => competences::PROVIDER,
            _ => competences::NAME,
        },
        ExtractKind::Immunisations => match () {
            _ if starts("doses") => immunisations::DOSES,
            _ if starts("serology") => immunisations::SEROLOGY,
            _ if starts("history_of_disease") => immunisations::HISTORY,
            _ if starts("bcg_scar") => immunisations::BCG,
            _ if starts("recorded_by") => immunisations::RECORDED_BY,
            _ if starts("notes") => immunisations::NOTES,
            _ => immunisations::STATUS,
        },
        ExtractKind::Clearances => match () {
            _ if starts("cleared_by") => clearances::CLEARED_BY,
            _ if starts("restrictions") => clearances::RESTRICTIONS,
            _ if starts("review_on") => clearances::REVIEW_ON,
            _ => clearances::CLEARED_ON,
        },
    }
}

/// Adds the domain validation's errors to `problems`, each under its column.
fn domain_errors(kind: ExtractKind, result: Result<(), domain::ValidationErrors>, problems: &mut Problems) {
    if let Err(errors) = result {
        for e in errors {
            let column = column_of(kind, &e.field);
            problems.push((column.to_owned(), format!("{}: {}", e.field, e.problem)));
        }
    }
}

/// Parses one row of a file of `kind`.
pub(crate) fn parse_row(
    kind: ExtractKind,
    row: RowView<'_>,
    today: NaiveDate,
) -> Result<(NiNumber, ExtractValue), Problems> {
    let mut c = Cells { row, problems: Vec::new() };
    let ni = c.parsed(NI, NiNumber::parse);
    let value = match kind {
        ExtractKind::People => person(&mut c, ni.clone(), today).map(ExtractValue::Person),
        ExtractKind::Assignments => assignment(&mut c).map(ExtractValue::Assignment),
        ExtractKind::Checks => check(&mut c, today).map(ExtractValue::Check),
        ExtractKind::Competences => competence(&mut c, today).map(ExtractValue::Competence),
        ExtractKind::Immunisations => immunisation(&mut c, today).map(ExtractValue::Immunisation),
        ExtractKind::Clearances => clearance(&mut c, today).map(ExtractValue::Clearance),
    };
    match (ni, value) {
        (Some(ni), Some(value)) if c.problems.is_empty() => Ok((ni, value)),
        _ => {
            if c.problems.is_empty() {
                c.problems.push((NI.to_owned(), "row could not be read".to_owned()));
            }
            Err(c.problems)
        }
    }
}

fn person(c: &mut Cells<'_>, ni: Option<NiNumber>, today: NaiveDate) -> Option<Person> {
    use col::people::*;
    let dob = c.date(DOB);
    let given = c.required(FIRST).map(str::to_owned);
    let family = c.required(LAST).map(str::to_owned);
    let any_address = [ADDRESS1, ADDRESS2, TOWN, POSTCODE].iter().any(|col| c.opt(col).is_some());
    let address = if any_address {
        let postcode = c.parsed(POSTCODE, Postcode::parse);
        let line1 = c.required(ADDRESS1).map(str::to_owned);
        let town = c.required(TOWN).map(str::to_owned);
        match (postcode, line1, town) {
            (Some(postcode), Some(line1), Some(town)) => {
                let mut lines = vec![line1];
                lines.extend(c.opt(ADDRESS2));
                Some(Address { lines, town, postcode })
            }
            _ => None,
        }
    } else {
        None
    };
    let smartcard = match c.opt(SMARTCARD) {
        None => None,
        Some(_) => Some(c.parsed(SMARTCARD, SmartcardUuid::parse)?),
    };
    let registrations = match c.opt(REGISTER) {
        None => vec![],
        Some(register_text) => {
            let register = Register::ALL.into_iter().find(|r| {
                r.label().eq_ignore_ascii_case(&register_text) || enum_text(r).eq_ignore_ascii_case(&register_text)
            });
            let Some(register) = register else {
                c.bad(REGISTER, format!("{register_text:?} is not a register (GMC, NMC, HCPC, GPhC, GDC, GOC, SWE)"));
                return None;
            };
            let status: RegistrationStatus = c.enumeration(REG_STATUS, "registration status")?;
            let expiry = c.opt_date(REG_EXPIRY)?;
            let number = c.required(REG_NUMBER)?;
            match ProfessionalRegistration::new(register, number, status, expiry) {
                Ok(r) => vec![r],
                Err(e) => {
                    c.bad(REG_NUMBER, e.problem);
                    return None;
                }
            }
        }
    };
    let person = Person {
        given_name: given?,
        family_name: family?,
        date_of_birth: dob?,
        ni_number: ni,
        address: if any_address { Some(address?) } else { None },
        email: c.opt(EMAIL),
        phone: c.opt(PHONE),
        registrations,
        smartcard_uuid: smartcard,
    };
    // Warnings (e.g. under 16) do not reject a row.
    domain_errors(ExtractKind::People, person.validate(today).map(|_| ()), &mut c.problems);
    Some(person)
}

fn assignment(c: &mut Cells<'_>) -> Option<Assignment> {
    use col::assignments::*;
    let role = c.required(ROLE).map(str::to_owned);
    let group = c.parsed(STAFF_GROUP, StaffGroup::parse);
    let band = c.parsed(GRADE, Band::parse);
    let start = c.date(START);
    let end = c.opt_date(END);
    let status = c.required(STATUS).and_then(|s| {
        let status = match s.to_ascii_lowercase().as_str() {
            "active" | "active assignment" => Some(AssignmentStatus::Active),
            "applicant" | "offer accepted" => Some(AssignmentStatus::Applicant),
            "left" | "terminated" | "terminate assignment" => Some(AssignmentStatus::Left),
            _ => None,
        };
        if status.is_none() {
            c.bad(STATUS, format!("{s:?} is not Applicant, Active or Left"));
        }
        status
    });
    let a = Assignment {
        role: role?,
        staff_group: group?,
        band: band?,
        start_date: start?,
        end_date: end?,
        status: status?,
    };
    domain_errors(ExtractKind::Assignments, a.validate(), &mut c.problems);
    Some(a)
}

fn check(c: &mut Cells<'_>, today: NaiveDate) -> Option<EmploymentCheck> {
    use col::checks::*;
    let kind: Option<CheckKind> = c.required(TYPE).and_then(|t| {
        let found = CheckKind::ALL
            .into_iter()
            .find(|k| k.key().eq_ignore_ascii_case(t) || k.label().eq_ignore_ascii_case(t))
            .or_else(|| parse_enum(t));
        if found.is_none() {
            c.bad(TYPE, format!("{t:?} is not one of the six employment checks"));
        }
        found
    });
    let outcome: Option<CheckOutcome> = c.enumeration(OUTCOME, "check outcome");
    let completed = c.opt_date(COMPLETED);
    let expires = c.opt_date(EXPIRES);
    let details = match (kind, c.required(DETAILS)) {
        (Some(kind), Some(json)) => match serde_json::from_str::<serde_json::Value>(json) {
            Ok(serde_json::Value::Object(mut map)) => {
                map.insert("kind".into(), serde_json::Value::String(kind.key().into()));
                serde_json::from_value::<CheckDetails>(serde_json::Value::Object(map))
                    .map_err(|e| c.bad(DETAILS, e.to_string()))
                    .ok()
            }
            _ => {
                c.bad(DETAILS, "must be a JSON object of the check's details");
                None
            }
        },
        _ => None,
    };
    let check = EmploymentCheck {
        details: details?,
        outcome: outcome?,
        completed_on: completed?,
        checked_by: c.required(CHECKED_BY)?.to_owned(),
        evidence_ref: c.opt(EVIDENCE),
        expires_on: expires?,
        notes: c.opt(NOTES),
    };
    domain_errors(ExtractKind::Checks, check.validate(today), &mut c.problems);
    Some(check)
}

fn competence(c: &mut Cells<'_>, today: NaiveDate) -> Option<Competence> {
    use col::competences::*;
    let reference = c
        .required(NAME)
        .and_then(|name| parse_esr_name(name).map(|e| e.competence).map_err(|e| c.bad(NAME, e.problem)).ok());
    let achieved = c.date(ACHIEVED);
    let source = match c.opt(SOURCE) {
        None => Some(CompetenceSource::Imported),
        Some(_) => c.enumeration(SOURCE, "competence source (e_learning, face_to_face, assessment, imported)"),
    };
    let competence =
        Competence { competence: reference?, completed_on: achieved?, source: source?, provider: c.opt(PROVIDER) };
    domain_errors(ExtractKind::Competences, competence.validate(today), &mut c.problems);
    Some(competence)
}

fn immunisation(c: &mut Cells<'_>, today: NaiveDate) -> Option<Immunisation> {
    use col::immunisations::*;
    let antigen: Option<Antigen> = c.required(ANTIGEN).and_then(|t| {
        let found = Antigen::ALL
            .into_iter()
            .find(|a| a.key().eq_ignore_ascii_case(t) || a.label().eq_ignore_ascii_case(t))
            .or_else(|| parse_enum(t));
        if found.is_none() {
            c.bad(ANTIGEN, format!("{t:?} is not an antigen"));
        }
        found
    });
    let status: Option<ImmunisationStatus> = c.enumeration(STATUS, "immunisation status");
    let mut doses = Vec::new();
    for part in c.text(DOSES).split(';').map(str::trim).filter(|p| !p.is_empty()) {
        match parse_date(part) {
            Ok(d) => doses.push(Dose { given_on: d, product: None, batch: None }),
            Err(r) => c.bad(DOSES, r),
        }
    }
    let mut serology = Vec::new();
    for part in c.text(SEROLOGY).split(';').map(str::trim).filter(|p| !p.is_empty()) {
        match parse_serology(part) {
            Ok(s) => serology.push(s),
            Err(r) => c.bad(SEROLOGY, r),
        }
    }
    let record = Immunisation {
        antigen: antigen?,
        status: status?,
        doses,
        serology,
        history_of_disease: c.flag(HISTORY),
        bcg_scar: c.flag(BCG),
        recorded_by: c.opt(RECORDED_BY),
        notes: c.opt(NOTES),
        passport: None,
    };
    domain_errors(ExtractKind::Immunisations, record.validate(today), &mut c.problems);
    Some(record)
}

/// `test:result:date[:level]`, e.g. `anti_hbs:positive:2024-03-01:120`.
fn parse_serology(text: &str) -> Result<Serology, String> {
    let parts: Vec<&str> = text.split(':').collect();
    let shape = || format!("{text:?} is not test:result:date[:level] (e.g. anti_hbs:positive:2024-03-01:120)");
    if !(3..=4).contains(&parts.len()) {
        return Err(shape());
    }
    let test: SerologyTest = parse_enum(parts[0]).ok_or_else(shape)?;
    let result: SerologyResult = parse_enum(parts[1]).ok_or_else(shape)?;
    let taken_on = parse_date(parts[2])?;
    let level_miu_ml = match parts.get(3) {
        None => None,
        Some(l) => Some(l.parse::<f64>().map_err(|_| shape())?),
    };
    Ok(Serology { test, taken_on, result, level_miu_ml })
}

fn clearance(c: &mut Cells<'_>, today: NaiveDate) -> Option<OhClearance> {
    use col::clearances::*;
    let epp: Option<EppClearance> = c.enumeration(EPP, "EPP clearance (cleared, not_cleared, not_applicable)");
    let cleared_on = c.date(CLEARED_ON);
    let review_on = c.opt_date(REVIEW_ON);
    let record = OhClearance {
        epp: epp?,
        cleared_on: cleared_on?,
        cleared_by: c.required(CLEARED_BY)?.to_owned(),
        restrictions: c.opt(RESTRICTIONS),
        review_on: review_on?,
    };
    domain_errors(ExtractKind::Clearances, record.validate(today), &mut c.problems);
    Some(record)
}

/// The cells of a row, in [`ExtractKind::columns`] order.
pub(crate) fn format_row(ni: &NiNumber, value: &ExtractValue) -> Vec<String> {
    let ni = ni.as_str().to_owned();
    let o = |s: &Option<String>| s.clone().unwrap_or_default();
    match value {
        ExtractValue::Person(p) => {
            let a = p.address.as_ref();
            let reg = p.registrations.first();
            vec![
                ni,
                date_text(Some(p.date_of_birth)),
                p.given_name.clone(),
                p.family_name.clone(),
                a.and_then(|a| a.lines.first().cloned()).unwrap_or_default(),
                a.and_then(|a| a.lines.get(1).cloned()).unwrap_or_default(),
                a.map(|a| a.town.clone()).unwrap_or_default(),
                a.map(|a| a.postcode.as_str().to_owned()).unwrap_or_default(),
                o(&p.email),
                o(&p.phone),
                p.smartcard_uuid.as_ref().map(|s| s.as_str().to_owned()).unwrap_or_default(),
                reg.map(|r| r.register.label().to_owned()).unwrap_or_default(),
                reg.map(|r| r.number.as_str().to_owned()).unwrap_or_default(),
                reg.map(|r| enum_text(&r.status)).unwrap_or_default(),
                date_text(reg.and_then(|r| r.expires_on)),
            ]
        }
        ExtractValue::Assignment(a) => vec![
            ni,
            a.role.clone(),
            a.staff_group.esr_name().to_owned(),
            a.band.to_string(),
            date_text(Some(a.start_date)),
            date_text(a.end_date),
            match a.status {
                AssignmentStatus::Applicant => "Applicant",
                AssignmentStatus::Active => "Active",
                AssignmentStatus::Left => "Left",
            }
            .to_owned(),
        ],
        ExtractValue::Check(ch) => {
            let mut details = serde_json::to_value(&ch.details).unwrap_or_default();
            if let Some(map) = details.as_object_mut() {
                map.shift_remove("kind");
                map.retain(|_, v| !v.is_null());
            }
            vec![
                ni,
                ch.kind().key().to_owned(),
                enum_text(&ch.outcome),
                date_text(ch.completed_on),
                ch.checked_by.clone(),
                o(&ch.evidence_ref),
                date_text(ch.expires_on),
                o(&ch.notes),
                details.to_string(),
            ]
        }
        ExtractValue::Competence(cp) => {
            let name = match &cp.competence {
                CompetenceRef::Cstf { subject, level } => {
                    let months = domain::cstf::national_entry(*subject, *level).map_or(36, |e| e.refresher_months);
                    format_esr_name(*subject, *level, months).unwrap_or_default()
                }
                CompetenceRef::Local { code, .. } => code.clone(),
            };
            vec![
                ni,
                name,
                date_text(Some(cp.completed_on)),
                date_text(cp.expires_on()),
                enum_text(&cp.source),
                o(&cp.provider),
            ]
        }
        ExtractValue::Immunisation(im) => vec![
            ni,
            im.antigen.key().to_owned(),
            enum_text(&im.status),
            im.doses.iter().map(|d| date_text(Some(d.given_on))).collect::<Vec<_>>().join(";"),
            im.serology
                .iter()
                .map(|s| {
                    let level = s.level_miu_ml.map(|l| format!(":{l}")).unwrap_or_default();
                    format!("{}:{}:{}{level}", enum_text(&s.test), enum_text(&s.result), date_text(Some(s.taken_on)))
                })
                .collect::<Vec<_>>()
                .join(";"),
            if im.history_of_disease { "Y" } else { "N" }.to_owned(),
            if im.bcg_scar { "Y" } else { "N" }.to_owned(),
            o(&im.recorded_by),
            o(&im.notes),
        ],
        ExtractValue::Clearance(cl) => vec![
            ni,
            enum_text(&cl.epp),
            date_text(Some(cl.cleared_on)),
            cl.cleared_by.clone(),
            o(&cl.restrictions),
            date_text(cl.review_on),
        ],
    }
}
