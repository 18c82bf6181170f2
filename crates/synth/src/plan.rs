//! The national plan: which organisations exist, how many staff each employs, which national
//! serial numbers are theirs, and who once worked somewhere else.
//!
//! Sizes are skewed as in the NHS: a few acute trusts of 15–25 thousand staff, a long tail of
//! mid-sized trusts, and many small organisations (GP practices, hospices, ICBs). Making a plan is
//! cheap (one hash per person for the earlier-employment decision), so any organisation's records
//! can be generated on their own, in any order. This module must not build records.

use domain::org::{OdsCode, OrgKind};
use rand::Rng;

use crate::names::{REGIONS, SAINTS, TOWNS};
use crate::rng::{self, Stream};

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateConfig {
    pub seed: u64,
    /// People in the country (each has one current employer; earlier employments add records).
    pub people: u64,
    pub organisations: usize,
    /// The day the extract is "taken": every date is relative to it and none is after it.
    pub today: chrono::NaiveDate,
}

/// One organisation of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgPlan {
    pub index: usize,
    pub ods_code: OdsCode,
    pub name: String,
    pub kind: OrgKind,
    /// Current staff (national serials `first_serial .. first_serial + staff`).
    pub staff: u64,
    pub first_serial: u64,
}

/// Share of organisations of each kind (per mille), roughly England's mix of ESR users and the
/// non-NHS organisations that join staff-sharing arrangements. The first organisation is always an
/// acute trust so that even a tiny plan has a large employer.
const KIND_MIX: &[(OrgKind, u32)] = &[
    (OrgKind::AcuteTrust, 440),
    (OrgKind::MentalHealthTrust, 140),
    (OrgKind::CommunityTrust, 70),
    (OrgKind::AmbulanceTrust, 40),
    (OrgKind::SpecialistTrust, 50),
    (OrgKind::Icb, 120),
    (OrgKind::GpPractice, 50),
    (OrgKind::Hospice, 50),
    (OrgKind::LocalAuthority, 20),
    (OrgKind::IndependentProvider, 20),
];

/// Median staff by kind (log-normal spread around it).
fn median_staff(kind: OrgKind) -> f64 {
    match kind {
        OrgKind::AcuteTrust => 8500.0,
        OrgKind::MentalHealthTrust => 3500.0,
        OrgKind::CommunityTrust => 2500.0,
        OrgKind::AmbulanceTrust => 3500.0,
        OrgKind::SpecialistTrust => 2000.0,
        OrgKind::Icb => 350.0,
        OrgKind::GpPractice => 35.0,
        OrgKind::Hospice => 150.0,
        OrgKind::LocalAuthority => 300.0,
        OrgKind::IndependentProvider => 200.0,
        OrgKind::Other => 100.0,
    }
}

/// Largest size a "normal" organisation reaches before scaling; the largest trusts are set apart.
const ORDINARY_MAX: f64 = 14_000.0;
/// The share of organisations that are very large acute trusts (at least one).
const LARGE_PER_MILLE: usize = 20;
/// Percentage of people with an earlier employment record in another organisation.
pub const EARLIER_EMPLOYMENT_PERCENT: u64 = 5;

/// The national plan.
#[derive(Debug, Clone)]
pub struct Plan {
    pub config: GenerateConfig,
    pub orgs: Vec<OrgPlan>,
    /// For each organisation, the national serials of people who used to work there.
    leavers: Vec<Vec<u64>>,
}

impl Plan {
    pub fn new(config: GenerateConfig) -> Plan {
        assert!(config.organisations > 0, "at least one organisation");
        let kinds = allocate_kinds(config.organisations);
        let mut rng = rng::stream(config.seed, Stream::Organisations, 0);
        let large = (config.organisations * LARGE_PER_MILLE).div_ceil(1000).max(1);
        let mut weights = Vec::with_capacity(kinds.len());
        let mut large_seen = 0;
        for kind in &kinds {
            let is_large = *kind == OrgKind::AcuteTrust && large_seen < large;
            let w = if is_large {
                large_seen += 1;
                rng.gen_range(15_000.0..25_000.0)
            } else {
                (median_staff(*kind) * (0.55 * rng::normal(&mut rng)).exp()).min(ORDINARY_MAX)
            };
            weights.push((w, is_large));
        }
        let sizes = scale_sizes(&weights, config.people);
        let codes = ods_codes(&kinds, &mut rng);
        let mut first = 0;
        let orgs: Vec<OrgPlan> = kinds
            .iter()
            .zip(sizes)
            .zip(codes)
            .enumerate()
            .map(|(index, ((kind, staff), ods_code))| {
                let name = org_name(*kind, index, &mut rng);
                let org = OrgPlan { index, ods_code, name, kind: *kind, staff, first_serial: first };
                first += staff;
                org
            })
            .collect();
        let mut plan = Plan { leavers: vec![Vec::new(); orgs.len()], config, orgs };
        plan.place_leavers();
        plan
    }

    fn place_leavers(&mut self) {
        if self.orgs.len() < 2 {
            return;
        }
        for serial in 0..self.config.people {
            if let Some(org) = self.earlier_employer(serial) {
                self.leavers[org].push(serial);
            }
        }
    }

    /// The organisation a person worked for before their current one, if any.
    pub fn earlier_employer(&self, serial: u64) -> Option<usize> {
        if self.orgs.len() < 2 {
            return None;
        }
        let h = rng::hash(self.config.seed, Stream::EarlierEmployment, serial);
        if h % 100 >= EARLIER_EMPLOYMENT_PERCENT {
            return None;
        }
        // Weighted by size: people move between big employers more often than small ones.
        let home = self.home_of(serial);
        let pick = self.home_of((h >> 8) % self.config.people);
        Some(if pick == home { (pick + 1) % self.orgs.len() } else { pick })
    }

    /// The current employer of a national serial.
    pub fn home_of(&self, serial: u64) -> usize {
        self.orgs.partition_point(|o| o.first_serial + o.staff <= serial).min(self.orgs.len() - 1)
    }

    /// Serials of the people who used to work for organisation `index`.
    pub fn leavers_of(&self, index: usize) -> &[u64] {
        &self.leavers[index]
    }

    /// People records organisation `index` holds: current staff plus former staff.
    pub fn records_in(&self, index: usize) -> u64 {
        self.orgs[index].staff + self.leavers[index].len() as u64
    }

    /// The organisation with the most current staff.
    pub fn largest(&self) -> &OrgPlan {
        self.orgs.iter().max_by_key(|o| (o.staff, usize::MAX - o.index)).expect("at least one")
    }
}

/// Kinds for `n` organisations by largest remainder over [`KIND_MIX`], the first always acute.
fn allocate_kinds(n: usize) -> Vec<OrgKind> {
    let total: u32 = KIND_MIX.iter().map(|(_, w)| w).sum();
    let mut counts: Vec<(OrgKind, usize, u64)> = KIND_MIX
        .iter()
        .map(|(k, w)| {
            let exact = n as u64 * u64::from(*w);
            (*k, (exact / u64::from(total)) as usize, exact % u64::from(total))
        })
        .collect();
    let assigned: usize = counts.iter().map(|c| c.1).sum();
    let mut by_remainder: Vec<usize> = (0..counts.len()).collect();
    by_remainder.sort_by_key(|i| std::cmp::Reverse(counts[*i].2));
    for i in by_remainder.into_iter().cycle().take(n.saturating_sub(assigned)) {
        counts[i].1 += 1;
    }
    if counts[0].1 == 0 {
        counts[0].1 = 1;
        if let Some(c) = counts.iter_mut().skip(1).filter(|c| c.1 > 0).max_by_key(|c| c.1) {
            c.1 -= 1;
        }
    }
    // Interleave kinds so that any prefix of the list is a mix, starting with an acute trust.
    let mut kinds = Vec::with_capacity(n);
    while kinds.len() < n {
        for c in &mut counts {
            if c.1 > 0 {
                kinds.push(c.0);
                c.1 -= 1;
            }
        }
    }
    kinds
}

/// Turns weights into whole staff numbers summing to `people`. Large trusts keep their absolute
/// size when the country is big enough, so the national run has 15–25 thousand-staff trusts.
fn scale_sizes(weights: &[(f64, bool)], people: u64) -> Vec<u64> {
    let large: f64 = weights.iter().filter(|w| w.1).map(|w| w.0).sum();
    let other: f64 = weights.iter().filter(|w| !w.1).map(|w| w.0).sum();
    let target = people as f64;
    let exact: Vec<f64> = if target > large + other && other > 0.0 {
        let f = (target - large) / other;
        let mut x: Vec<f64> = weights.iter().map(|(w, l)| if *l { *w } else { w * f }).collect();
        // Scaling up must not lift an ordinary organisation into the very-large band: cap and
        // spread the excess over the others (a few rounds of water-filling).
        for _ in 0..20 {
            let mut excess = 0.0;
            let mut room = 0.0;
            for (i, (_, l)) in weights.iter().enumerate() {
                if !*l && x[i] > ORDINARY_MAX {
                    excess += x[i] - ORDINARY_MAX;
                    x[i] = ORDINARY_MAX;
                } else if !*l && x[i] < ORDINARY_MAX {
                    room += x[i];
                }
            }
            if excess < 0.5 || room <= 0.0 {
                break;
            }
            for (i, (_, l)) in weights.iter().enumerate() {
                if !*l && x[i] < ORDINARY_MAX {
                    x[i] += excess * x[i] / room;
                }
            }
        }
        x
    } else {
        let f = target / (large + other);
        weights.iter().map(|(w, _)| w * f).collect()
    };
    let mut sizes: Vec<u64> = exact.iter().map(|x| x.floor() as u64).collect();
    let mut short = people - sizes.iter().sum::<u64>().min(people);
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by(|a, b| {
        let fa = exact[*a] - exact[*a].floor();
        let fb = exact[*b] - exact[*b].floor();
        fb.total_cmp(&fa)
    });
    for i in order.iter().cycle() {
        if short == 0 {
            break;
        }
        sizes[*i] += 1;
        short -= 1;
    }
    sizes
}

const ALNUM: &[u8] = b"ABCDEFGHJKLMNPQRTVWXY0123456789";

/// ODS-shaped codes, unique within the plan: trusts `R` + 2, ICBs `Q` + 2, GP practices a letter
/// and five digits, hospices and charities `8` + 4, independent providers `N` + 4, local
/// authorities `L` + 4 (the last three shapes are unconfirmed, and pass the domain's rule).
fn ods_codes(kinds: &[OrgKind], rng: &mut impl Rng) -> Vec<OdsCode> {
    let mut seen = std::collections::HashSet::new();
    kinds
        .iter()
        .map(|kind| {
            loop {
                let mut c =
                    |n: usize| -> String { (0..n).map(|_| ALNUM[rng.gen_range(0..ALNUM.len())] as char).collect() };
                let code = match kind {
                    OrgKind::Icb => format!("Q{}", c(2)),
                    OrgKind::GpPractice => {
                        format!("{}{:05}", (b'A' + rng.gen_range(0..16u8)) as char, rng.gen_range(81_000..99_999))
                    }
                    OrgKind::Hospice => format!("8{}", c(4)),
                    OrgKind::IndependentProvider => format!("N{}", c(4)),
                    OrgKind::LocalAuthority | OrgKind::Other => format!("L{}", c(4)),
                    _ => format!("R{}", c(2)),
                };
                if seen.insert(code.clone()) {
                    break OdsCode::parse(&code).expect("generated ODS codes are valid");
                }
            }
        })
        .collect()
}

fn org_name(kind: OrgKind, index: usize, rng: &mut impl Rng) -> String {
    let town = TOWNS[(index * 7 + rng.gen_range(0..TOWNS.len())) % TOWNS.len()].0;
    let region = REGIONS[rng.gen_range(0..REGIONS.len())];
    let saint = SAINTS[rng.gen_range(0..SAINTS.len())];
    match kind {
        OrgKind::AcuteTrust => format!("{town} Teaching Hospitals NHS Foundation Trust"),
        OrgKind::MentalHealthTrust => format!("{region} Partnership NHS Foundation Trust"),
        OrgKind::CommunityTrust => format!("{region} Community Health NHS Trust"),
        OrgKind::AmbulanceTrust => format!("{region} Ambulance Service NHS Trust"),
        OrgKind::SpecialistTrust => format!("{town} Specialist Hospital NHS Foundation Trust"),
        OrgKind::Icb => format!("NHS {region} Integrated Care Board"),
        OrgKind::GpPractice => format!("{town} Road Surgery"),
        OrgKind::Hospice => format!("{saint} Hospice {town}"),
        OrgKind::LocalAuthority => format!("{town} Council"),
        OrgKind::IndependentProvider | OrgKind::Other => format!("{town} Care Partners Ltd"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(people: u64, organisations: usize) -> GenerateConfig {
        GenerateConfig {
            seed: 42,
            people,
            organisations,
            today: chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
        }
    }

    #[test]
    fn national_plan_has_a_few_very_large_trusts_and_many_small_organisations() {
        let plan = Plan::new(config(1_500_000, 250));
        assert_eq!(plan.orgs.iter().map(|o| o.staff).sum::<u64>(), 1_500_000);
        let large = plan.orgs.iter().filter(|o| o.staff >= 15_000).count();
        assert!((3..=10).contains(&large), "{large} large trusts");
        assert!(plan.largest().staff <= 25_000, "{}", plan.largest().staff);
        let small = plan.orgs.iter().filter(|o| o.staff < 1000).count();
        assert!(small >= 60, "{small} small organisations");
        let codes: std::collections::HashSet<_> = plan.orgs.iter().map(|o| &o.ods_code).collect();
        assert_eq!(codes.len(), 250, "ODS codes are unique");
    }

    #[test]
    fn about_five_percent_have_an_earlier_employer_elsewhere() {
        let plan = Plan::new(config(100_000, 20));
        let leavers: usize = (0..20).map(|i| plan.leavers_of(i).len()).sum();
        assert!((4_000..6_000).contains(&leavers), "{leavers}");
        for (i, org) in plan.orgs.iter().enumerate() {
            for s in plan.leavers_of(i) {
                assert_ne!(plan.home_of(*s), i, "a leaver's earlier employer is another org");
                assert!(*s < org.first_serial || *s >= org.first_serial + org.staff);
            }
        }
    }

    #[test]
    fn serials_map_back_to_their_home_organisation() {
        let plan = Plan::new(config(1000, 7));
        for org in &plan.orgs {
            for s in org.first_serial..org.first_serial + org.staff {
                assert_eq!(plan.home_of(s), org.index);
            }
        }
    }

    #[test]
    fn tiny_plans_still_start_with_an_acute_trust() {
        for n in 1..12 {
            let plan = Plan::new(config(50, n));
            assert_eq!(plan.orgs[0].kind, OrgKind::AcuteTrust);
            assert_eq!(plan.orgs.len(), n);
            assert_eq!(plan.orgs.iter().map(|o| o.staff).sum::<u64>(), 50);
        }
    }
}
