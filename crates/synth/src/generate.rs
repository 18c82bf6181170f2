//! Streams the records of one organisation's dataset from a [`Plan`]: its current staff in serial
//! order, then its former staff (people now employed elsewhere, kept with a left assignment).
//! Nothing is held beyond the person being built, so memory stays flat at any size.

use domain::assignment::{Assignment, AssignmentStatus};
use domain::checks::EmploymentCheck;
use domain::cstf::Competence;
use domain::immunisation::{Immunisation, OhClearance};
use domain::person::Person;

use crate::person::{self, NiSpace};
use crate::plan::Plan;
use crate::records;
use crate::rng::{self, Stream};

/// Everything one organisation holds about one person.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffRecord {
    /// National serial of the person (the same in every organisation that holds them).
    pub serial: u64,
    pub person: Person,
    pub assignments: Vec<Assignment>,
    pub checks: Vec<EmploymentCheck>,
    pub competences: Vec<Competence>,
    pub immunisations: Vec<Immunisation>,
    pub clearance: Option<OhClearance>,
}

impl StaffRecord {
    /// Rows this record becomes in a store (the person and every per-person record).
    pub fn row_count(&self) -> usize {
        1 + self.assignments.len()
            + self.checks.len()
            + self.competences.len()
            + self.immunisations.len()
            + usize::from(self.clearance.is_some())
    }
}

/// The generator over a plan.
#[derive(Debug, Clone)]
pub struct Generator {
    pub plan: Plan,
    ni: NiSpace,
}

impl Generator {
    pub fn new(plan: Plan) -> Generator {
        let ni = NiSpace::new(plan.config.seed);
        Generator { plan, ni }
    }

    /// The records of organisation `index`: current staff, then former staff.
    pub fn records(&self, index: usize) -> impl Iterator<Item = StaffRecord> + '_ {
        self.records_from(index, 0)
    }

    /// The records of organisation `index` from position `start` on (a resumed load skips what
    /// is already stored without generating it).
    pub fn records_from(&self, index: usize, start: u64) -> impl Iterator<Item = StaffRecord> + '_ {
        (start..self.plan.records_in(index)).map(move |k| self.record_at(index, k))
    }

    /// Record number `k` of organisation `index` (current staff first, then former staff).
    pub fn record_at(&self, index: usize, k: u64) -> StaffRecord {
        let org = &self.plan.orgs[index];
        if k < org.staff {
            self.current(org.first_serial + k)
        } else {
            self.former(self.plan.leavers_of(index)[(k - org.staff) as usize])
        }
    }

    /// A person as their current employer holds them.
    pub fn current(&self, serial: u64) -> StaffRecord {
        let today = self.plan.config.today;
        let home = &self.plan.orgs[self.plan.home_of(serial)];
        let earlier = self.plan.earlier_employer(serial).is_some();
        let (id, mut rng) = person::identity(self.plan.config.seed, serial, home.kind, earlier, &self.ni, today);
        let applicant = id.status == AssignmentStatus::Applicant;
        let assignments = person::current_assignments(&id, home.kind, &mut rng, today);
        let checks = records::employment_checks(&id, id.start, applicant, &mut rng, today);
        let competences = records::competences(id.role, &mut rng, today);
        let immunisations = records::immunisations(&id, id.start, &mut rng, today);
        let clearance = if applicant { None } else { records::clearance(id.role, id.start, &mut rng, today) };
        StaffRecord { serial, person: id.person, assignments, checks, competences, immunisations, clearance }
    }

    /// A person as a former employer holds them: the same identity, a left assignment, and the
    /// checks, training and immunisations of that time (what an inter-authority transfer copies).
    pub fn former(&self, serial: u64) -> StaffRecord {
        let today = self.plan.config.today;
        let home = &self.plan.orgs[self.plan.home_of(serial)];
        let (id, _) = person::identity(self.plan.config.seed, serial, home.kind, true, &self.ni, today);
        let mut rng = rng::stream(self.plan.config.seed, Stream::Leaver, serial);
        let assignment = person::earlier_assignment(&id, &mut rng, today);
        let left = assignment.end_date.unwrap_or(assignment.start_date);
        let began = assignment.start_date;
        let checks = records::employment_checks(&id, began, false, &mut rng, left);
        let competences = records::competences(id.role, &mut rng, left);
        let immunisations = records::immunisations(&id, began, &mut rng, left);
        let clearance = records::clearance(id.role, began, &mut rng, left);
        StaffRecord {
            serial,
            person: id.person,
            assignments: vec![assignment],
            checks,
            competences,
            immunisations,
            clearance,
        }
    }
}
