//! The CSV format: what the writer writes the reader reads back unchanged, and bad rows are
//! named by file, line, column and reason while the good rows still come through.

use chrono::NaiveDate;
use synth::extract::{ExtractKind, ExtractValue, ExtractWriter, Parsed, RowError, read_rows};
use synth::{GenerateConfig, Generator, Plan};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

fn read(kind: ExtractKind, text: &str) -> (Vec<Parsed>, Vec<RowError>) {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for row in read_rows(kind, kind.file_name(), text.as_bytes(), today()).unwrap() {
        match row {
            Ok(p) => good.push(p),
            Err(e) => bad.extend(e),
        }
    }
    (good, bad)
}

#[test]
fn written_extract_reads_back_to_the_same_values() {
    let g = Generator::new(Plan::new(GenerateConfig { seed: 1, people: 400, organisations: 3, today: today() }));
    let records: Vec<_> = g.records(0).collect();
    let mut w = ExtractWriter::new(|_| Ok(Vec::new())).unwrap();
    for r in &records {
        w.write_staff(r).unwrap();
    }
    let files = w.finish().unwrap();
    let mut values: Vec<(String, ExtractValue)> = Vec::new();
    for (kind, bytes) in &files {
        let (good, bad) = read(*kind, std::str::from_utf8(bytes).unwrap());
        assert!(bad.is_empty(), "{kind:?}: {:?}", &bad[..bad.len().min(3)]);
        values.extend(good.into_iter().map(|p| (p.ni.to_string(), p.value)));
    }
    let mut expected = Vec::new();
    for r in &records {
        let ni = r.person.ni_number.clone().unwrap().to_string();
        expected.push((ni.clone(), ExtractValue::Person(r.person.clone())));
        expected.extend(r.assignments.iter().map(|a| (ni.clone(), ExtractValue::Assignment(a.clone()))));
        expected.extend(r.checks.iter().map(|a| (ni.clone(), ExtractValue::Check(a.clone()))));
        expected.extend(r.competences.iter().map(|a| (ni.clone(), ExtractValue::Competence(a.clone()))));
        expected.extend(r.immunisations.iter().map(|a| (ni.clone(), ExtractValue::Immunisation(a.clone()))));
        expected.extend(r.clearance.iter().map(|a| (ni.clone(), ExtractValue::Clearance(a.clone()))));
    }
    assert_eq!(values.len(), expected.len());
    for e in &expected {
        assert!(values.contains(e), "missing after round trip: {e:?}");
    }
}

const PEOPLE: &str = "\
National Insurance Number,Date of Birth,First Name,Last Name,Postcode,Town,Address Line 1,Extra ESR Column
AB123456C,1990-04-12,Amara,Okafor,SE1 9RT,London,12 Borough High Street,x
QQ123456C,1990-04-12,Bad,Prefix,,,,x
AB123457C,2030-01-01,Future,Born,,,,x
AB123458C,12/03/1985,Esr,Dates,,,,x
AB123459C,1985-03-12,,Nameless,,,,x
AB123460C,1985-03-12,Bad,Postcode,XX,London,1 Road,x
";

#[test]
fn bad_people_rows_are_named_and_good_rows_still_load() {
    let (good, bad) = read(ExtractKind::People, PEOPLE);
    let lines: Vec<u64> = good.iter().map(|p| p.line).collect();
    assert_eq!(lines, vec![2, 5], "good rows by line");
    let expect = [
        (3, "National Insurance Number", "Q is never used"),
        (4, "Date of Birth", "in the future"),
        (6, "First Name", "is required"),
        (7, "Postcode", "not a UK postcode"),
    ];
    assert_eq!(bad.len(), expect.len(), "{bad:#?}");
    for ((line, field, reason), e) in expect.iter().zip(&bad) {
        assert_eq!((e.file.as_str(), e.line, e.field.as_str()), ("people.csv", *line, *field), "{e}");
        assert!(e.reason.contains(reason), "{e}");
    }
}

#[test]
fn bad_child_rows_name_their_column() {
    let competences = "\
National Insurance Number,Competence Name,Achievement Date,Source
AB123456C,NHS|CSTF|Fire Safety - 2 Years|,2025-01-10,e-learning
AB123456C,NHS|CSTF|Basket Weaving - 1 Year|,2025-01-10,e-learning
AB123456C,NHS|CSTF|Safeguarding Adults - Level 2 - 3 Years|,2030-01-10,
";
    let (good, bad) = read(ExtractKind::Competences, competences);
    assert_eq!(good.len(), 1);
    assert_eq!(bad.len(), 2, "{bad:#?}");
    assert_eq!((bad[0].line, bad[0].field.as_str()), (3, "Competence Name"));
    assert_eq!((bad[1].line, bad[1].field.as_str()), (4, "Achievement Date"));

    let checks = "\
National Insurance Number,Check Type,Outcome,Completed On,Checked By,Details
AB123456C,criminal_record,clear,2025-01-14,j.smith,\"{\"\"level\"\":\"\"enhanced_adults\"\",\"\"certificate_number\"\":\"\"001234567890\"\",\"\"issued_on\"\":\"\"2025-01-10\"\",\"\"workforce\"\":\"\"adult\"\"}\"
AB123456C,criminal_record,clear,2025-01-14,j.smith,\"{\"\"level\"\":\"\"enhanced_adults\"\",\"\"certificate_number\"\":\"\"12\"\",\"\"issued_on\"\":\"\"2025-01-10\"\",\"\"workforce\"\":\"\"adult\"\"}\"
AB123456C,fingerprints,clear,2025-01-14,j.smith,{}
";
    let (good, bad) = read(ExtractKind::Checks, checks);
    assert_eq!(good.len(), 1, "{bad:#?}");
    assert_eq!((bad[0].line, bad[0].field.as_str()), (3, "Details"));
    assert!(bad[0].reason.contains("12 digits"), "{}", bad[0]);
    assert_eq!((bad[1].line, bad[1].field.as_str()), (4, "Check Type"));
}

#[test]
fn a_file_without_a_required_column_is_refused_whole() {
    let err = read_rows(ExtractKind::People, "people.csv", "First Name,Last Name\nA,B\n".as_bytes(), today())
        .err()
        .expect("refused");
    assert!(err.reason.contains("National Insurance Number"), "{err}");
    assert!(err.reason.contains("Date of Birth"), "{err}");
}
