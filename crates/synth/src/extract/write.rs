//! Writing an extract: one CSV writer per file, headers first, rows in [`ExtractKind::columns`]
//! order. What it writes, [`super::read_rows`] reads back to the same values.

use std::io::Write;

use domain::person::NiNumber;

use super::rows::{self, ExtractKind, ExtractValue};
use crate::StaffRecord;

/// Writers for the six files of one organisation's extract.
pub struct ExtractWriter<W: Write> {
    writers: Vec<(ExtractKind, csv::Writer<W>)>,
}

impl<W: Write> ExtractWriter<W> {
    /// Opens the six files through `open(kind)` and writes their header rows.
    pub fn new(mut open: impl FnMut(ExtractKind) -> std::io::Result<W>) -> csv::Result<Self> {
        let mut writers = Vec::with_capacity(ExtractKind::ALL.len());
        for kind in ExtractKind::ALL {
            let mut w = csv::WriterBuilder::new().from_writer(open(kind)?);
            w.write_record(kind.columns())?;
            writers.push((kind, w));
        }
        Ok(ExtractWriter { writers })
    }

    fn writer(&mut self, kind: ExtractKind) -> &mut csv::Writer<W> {
        &mut self.writers.iter_mut().find(|(k, _)| *k == kind).expect("all kinds open").1
    }

    /// Writes one value as a row of its file.
    pub fn write_value(&mut self, ni: &NiNumber, value: &ExtractValue) -> csv::Result<()> {
        let kind = match value {
            ExtractValue::Person(_) => ExtractKind::People,
            ExtractValue::Assignment(_) => ExtractKind::Assignments,
            ExtractValue::Check(_) => ExtractKind::Checks,
            ExtractValue::Competence(_) => ExtractKind::Competences,
            ExtractValue::Immunisation(_) => ExtractKind::Immunisations,
            ExtractValue::Clearance(_) => ExtractKind::Clearances,
        };
        let row = rows::format_row(ni, value);
        self.writer(kind).write_record(&row)
    }

    /// Writes every record one organisation holds about one person.
    pub fn write_staff(&mut self, record: &StaffRecord) -> csv::Result<()> {
        let Some(ni) = record.person.ni_number.clone() else {
            return Ok(()); // the extract is keyed by NI number; the generator always sets one
        };
        self.write_value(&ni, &ExtractValue::Person(record.person.clone()))?;
        for a in &record.assignments {
            self.write_value(&ni, &ExtractValue::Assignment(a.clone()))?;
        }
        for c in &record.checks {
            self.write_value(&ni, &ExtractValue::Check(c.clone()))?;
        }
        for c in &record.competences {
            self.write_value(&ni, &ExtractValue::Competence(c.clone()))?;
        }
        for i in &record.immunisations {
            self.write_value(&ni, &ExtractValue::Immunisation(i.clone()))?;
        }
        if let Some(c) = &record.clearance {
            self.write_value(&ni, &ExtractValue::Clearance(c.clone()))?;
        }
        Ok(())
    }

    /// Flushes every file and hands back the underlying writers.
    pub fn finish(self) -> std::io::Result<Vec<(ExtractKind, W)>> {
        self.writers.into_iter().map(|(k, w)| w.into_inner().map(|w| (k, w)).map_err(|e| e.into_error())).collect()
    }
}
