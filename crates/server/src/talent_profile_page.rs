//! The public talent profile verification page: the verdict first (valid, altered, out of date) and, when
//! the signature holds, the signed content as summary lists, for the reader to compare with the PDF.
//!
//! Plain server-rendered HTML in the NHS design system's class names (panel, summary list, tag, table), with
//! every value escaped and no script. It stands alone, so the page works before and without the portal.

use std::fmt::Write;

use chrono::NaiveDate;

use crate::talent_profile::{Verdict, Verification};

fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%-d %B %Y").to_string()).unwrap_or_else(|| "none".to_owned())
}

fn table(out: &mut String, caption: &str, heads: &[&str], rows: Vec<Vec<String>>) {
    let _ = write!(out, "<h2 class=\"nhsuk-heading-m\">{}</h2>", esc(caption));
    if rows.is_empty() {
        out.push_str("<p class=\"nhsuk-body\">None recorded.</p>");
        return;
    }
    out.push_str("<table class=\"nhsuk-table\"><thead class=\"nhsuk-table__head\"><tr class=\"nhsuk-table__row\">");
    for head in heads {
        let _ = write!(out, "<th scope=\"col\" class=\"nhsuk-table__header\">{}</th>", esc(head));
    }
    out.push_str("</tr></thead><tbody class=\"nhsuk-table__body\">");
    for row in rows {
        out.push_str("<tr class=\"nhsuk-table__row\">");
        for cell in row {
            let _ = write!(out, "<td class=\"nhsuk-table__cell\">{}</td>", esc(&cell));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

/// The whole page for `verification`.
pub fn html(verification: &Verification) -> String {
    let (title, tag) = match verification.status {
        Verdict::Valid => ("Valid talent profile", "nhsuk-tag--green"),
        Verdict::Altered => ("Altered: this talent profile is not genuine", "nhsuk-tag--red"),
        Verdict::OutOfDate => ("Out of date talent profile", "nhsuk-tag--orange"),
    };
    let status = match verification.status {
        Verdict::Valid => "Valid",
        Verdict::Altered => "Altered",
        Verdict::OutOfDate => "Out of date",
    };
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} – Staff Passport</title></head><body>\
         <main class=\"nhsuk-main-wrapper\" id=\"maincontent\"><div class=\"nhsuk-width-container\">\
         <h1 class=\"nhsuk-heading-l\">{title}</h1>\
         <p class=\"nhsuk-body\"><strong class=\"nhsuk-tag {tag}\">{status}</strong></p>\
         <p class=\"nhsuk-body\">{reason}</p>",
        title = esc(title),
        reason = esc(&verification.reason),
    );
    if let Some(p) = &verification.profile {
        let issued = verification.issued_at.map(|t| t.date_naive());
        let until = verification.valid_until.map(|t| t.date_naive());
        out.push_str("<dl class=\"nhsuk-summary-list\">");
        for (key, value) in [
            ("Name", p.name.clone()),
            ("Signed by", format!("{} ({})", p.organisation, p.ods_code)),
            ("Issued on", date(issued)),
            ("Valid until", date(until)),
        ] {
            let _ = write!(
                out,
                "<div class=\"nhsuk-summary-list__row\"><dt class=\"nhsuk-summary-list__key\">{}</dt>\
                 <dd class=\"nhsuk-summary-list__value\">{}</dd></div>",
                esc(key),
                esc(&value)
            );
        }
        out.push_str("</dl>");
        let registrations = p
            .registrations
            .iter()
            .map(|r| vec![r.register.clone(), r.number.clone(), r.status.clone(), date(r.expires_on)])
            .collect();
        table(&mut out, "Professional registrations", &["Register", "Number", "Status", "Expires"], registrations);
        let competences = p
            .competences
            .iter()
            .map(|c| vec![c.name.clone(), date(Some(c.completed_on)), date(c.expires_on)])
            .collect();
        table(&mut out, "CSTF competences", &["Subject", "Completed", "Expires"], competences);
        let employment = p
            .employment
            .iter()
            .map(|e| {
                vec![e.role.clone(), e.organisation.clone(), e.band.clone(), date(Some(e.start_date)), date(e.end_date)]
            })
            .collect();
        table(&mut out, "NHS employment", &["Role", "Organisation", "Band", "From", "To"], employment);
        let checks =
            p.checks.iter().map(|c| vec![c.check.clone(), c.outcome.replace('_', " "), date(c.date)]).collect();
        table(&mut out, "Employment checks", &["Check", "Outcome", "Date"], checks);
    }
    out.push_str("</div></main></body></html>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped() {
        assert_eq!(esc("<b>&\"'"), "&lt;b&gt;&amp;&quot;&#39;");
        let page = html(&Verification {
            status: Verdict::Altered,
            reason: "<script>".into(),
            profile: None,
            issued_at: None,
            valid_until: None,
        });
        assert!(page.contains("Altered") && !page.contains("<script>"));
    }
}
