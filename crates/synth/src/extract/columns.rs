//! Column names, as they appear in the header row of each file. ESR-style names where ESR has
//! the field; ours otherwise.

pub const NI: &str = "National Insurance Number";

pub mod people {
    pub const DOB: &str = "Date of Birth";
    pub const FIRST: &str = "First Name";
    pub const LAST: &str = "Last Name";
    pub const ADDRESS1: &str = "Address Line 1";
    pub const ADDRESS2: &str = "Address Line 2";
    pub const TOWN: &str = "Town";
    pub const POSTCODE: &str = "Postcode";
    pub const EMAIL: &str = "Email";
    pub const PHONE: &str = "Phone";
    pub const SMARTCARD: &str = "Smartcard UUID";
    pub const REGISTER: &str = "Register";
    pub const REG_NUMBER: &str = "Registration Number";
    pub const REG_STATUS: &str = "Registration Status";
    pub const REG_EXPIRY: &str = "Registration Expiry";
}

pub mod assignments {
    pub const ROLE: &str = "Position Code";
    pub const STAFF_GROUP: &str = "Staff Group";
    pub const GRADE: &str = "Grade";
    pub const START: &str = "Assignment Start Date";
    pub const END: &str = "Assignment End Date";
    pub const STATUS: &str = "Assignment Status";
}

pub mod checks {
    pub const TYPE: &str = "Check Type";
    pub const OUTCOME: &str = "Outcome";
    pub const COMPLETED: &str = "Completed On";
    pub const CHECKED_BY: &str = "Checked By";
    pub const EVIDENCE: &str = "Evidence Reference";
    pub const EXPIRES: &str = "Expires On";
    pub const NOTES: &str = "Notes";
    pub const DETAILS: &str = "Details";
}

pub mod competences {
    pub const NAME: &str = "Competence Name";
    pub const ACHIEVED: &str = "Achievement Date";
    pub const EXPIRY: &str = "Expiry Date";
    pub const SOURCE: &str = "Source";
    pub const PROVIDER: &str = "Provider";
}

pub mod immunisations {
    pub const ANTIGEN: &str = "Antigen";
    pub const STATUS: &str = "Status";
    pub const DOSES: &str = "Doses";
    pub const SEROLOGY: &str = "Serology";
    pub const HISTORY: &str = "History of Disease";
    pub const BCG: &str = "BCG Scar";
    pub const RECORDED_BY: &str = "Recorded By";
    pub const NOTES: &str = "Notes";
}

pub mod clearances {
    pub const EPP: &str = "EPP Clearance";
    pub const CLEARED_ON: &str = "Cleared On";
    pub const CLEARED_BY: &str = "Cleared By";
    pub const RESTRICTIONS: &str = "Restrictions";
    pub const REVIEW_ON: &str = "Review On";
}
