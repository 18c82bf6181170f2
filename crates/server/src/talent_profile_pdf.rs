//! The talent profile as a PDF: A4 pages in Helvetica, with the verification link as a QR code and a link.
//!
//! Built with `pdf-writer` (a small, dependency-light writer of PDF objects) and the PDF standard 14 fonts,
//! which every reader has, so nothing is embedded and the file stays a few kilobytes; text is written in
//! WinAnsiEncoding (Latin-1 plus typographic quotes and dashes), anything else shows as `?`. Layout is
//! deliberately simple: one column of labelled sections, a new page when one fills. The QR code is drawn
//! as filled rectangles, one per run of dark modules, from the `qrcode` crate's module grid; page content
//! streams are compressed (FlateDecode).

use std::io::Write;

use chrono::{DateTime, NaiveDate};
use pdf_writer::types::{ActionType, AnnotationType};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use qrcode::{Color, EcLevel, QrCode};

use crate::error::ApiError;
use crate::talent_profile::TalentProfile;

const PAGE: (f32, f32) = (595.0, 842.0);
const MARGIN: f32 = 50.0;
const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");
/// Side of the QR code on the page, in points (about 56 mm: the signed link makes a dense code).
const QR_SIDE: f32 = 160.0;

/// Text in WinAnsiEncoding (PDF 32000-1 Annex D.2).
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '\u{2018}' => 0x91,
            '\u{2019}' => 0x92,
            '\u{201c}' => 0x93,
            '\u{201d}' => 0x94,
            '\u{2022}' => 0x95,
            '\u{2013}' => 0x96,
            '\u{2014}' => 0x97,
            '\u{20ac}' => 0x80,
            _ => b'?',
        })
        .collect()
}

/// Cuts `text` to about `width` points of Helvetica at `size` (average glyph ~0.5 em), with an ellipsis.
fn fit(text: &str, width: f32, size: f32) -> String {
    let max = (width / (size * 0.5)).floor() as usize;
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(3)).collect();
        cut.push_str("...");
        cut
    }
}

fn date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%-d %b %Y").to_string()).unwrap_or_else(|| "-".to_owned())
}

/// Pages of text laid out top to bottom.
struct Pages {
    done: Vec<Content>,
    page: Content,
    y: f32,
}

impl Pages {
    fn new() -> Self {
        Pages { done: vec![], page: Content::new(), y: PAGE.1 - MARGIN }
    }

    fn room(&mut self, height: f32) {
        if self.y - height < MARGIN {
            let full = std::mem::replace(&mut self.page, Content::new());
            self.done.push(full);
            self.y = PAGE.1 - MARGIN;
        }
    }

    fn text_at(&mut self, x: f32, font: Name<'_>, size: f32, text: &str) {
        self.page.begin_text();
        self.page.set_font(font, size);
        self.page.next_line(x, self.y);
        self.page.show(Str(&win_ansi(text)));
        self.page.end_text();
    }

    /// One line: each cell `(x offset, width, text)`, in `font` at `size`.
    fn row(&mut self, font: Name<'_>, size: f32, cells: &[(f32, f32, &str)]) {
        self.room(size * 1.5);
        self.y -= size * 1.5;
        for (x, width, text) in cells {
            let text = fit(text, *width, size);
            self.text_at(MARGIN + x, font, size, &text);
        }
    }

    fn heading(&mut self, text: &str) {
        self.room(40.0);
        self.y -= 12.0;
        self.row(BOLD, 13.0, &[(0.0, 495.0, text)]);
        self.y -= 2.0;
    }

    fn finish(mut self) -> Vec<Content> {
        self.done.push(self.page);
        self.done
    }
}

fn qr(content: &mut Content, url: &str, x: f32, y: f32) -> Result<(), ApiError> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::L)
        .map_err(|e| ApiError::Internal(format!("QR code of the verification link: {e}")))?;
    let width = code.width();
    let module = QR_SIDE / (width + 8) as f32;
    content.set_fill_gray(0.0);
    let colors = code.to_colors();
    // One rectangle per horizontal run of dark modules (a third of the squares, a smaller file).
    for (row, line) in colors.chunks(width).enumerate() {
        let mut col = 0;
        while col < width {
            if line[col] != Color::Dark {
                col += 1;
                continue;
            }
            let start = col;
            while col < width && line[col] == Color::Dark {
                col += 1;
            }
            let y_row = y + QR_SIDE - (row as f32 + 5.0) * module;
            content.rect(x + (start as f32 + 4.0) * module, y_row, (col - start) as f32 * module, module);
        }
    }
    content.fill_nonzero();
    Ok(())
}

/// The PDF of `profile`, verifiable at `verify_url`.
pub fn render(profile: &TalentProfile, verify_url: &str) -> Result<Vec<u8>, ApiError> {
    let issued = DateTime::from_timestamp(profile.iat, 0).map(|t| t.date_naive());
    let until = DateTime::from_timestamp(profile.exp, 0).map(|t| t.date_naive());
    let mut pages = Pages::new();
    pages.row(BOLD, 20.0, &[(0.0, 330.0, "Talent profile")]);
    pages.y -= 6.0;
    pages.row(BOLD, 16.0, &[(0.0, 330.0, &profile.name)]);
    pages.row(REGULAR, 10.0, &[(0.0, 330.0, &format!("Issued by {} ({})", profile.organisation, profile.ods_code))]);
    pages.row(REGULAR, 10.0, &[(0.0, 330.0, &format!("Issued on {}, valid until {}", date(issued), date(until)))]);
    pages.row(REGULAR, 9.0, &[(0.0, 330.0, "Signed by the organisation. Scan the QR code, or follow the link")]);
    pages.row(REGULAR, 9.0, &[(0.0, 330.0, "at the foot of this page, to check it is genuine and current.")]);
    let qr_top = PAGE.1 - MARGIN;
    pages.y = pages.y.min(qr_top - QR_SIDE - 10.0);

    pages.heading("Professional registrations");
    if profile.registrations.is_empty() {
        pages.row(REGULAR, 10.0, &[(0.0, 495.0, "None recorded")]);
    }
    for r in &profile.registrations {
        let expiry = format!("expires {}", date(r.expires_on));
        pages.row(
            REGULAR,
            10.0,
            &[(0.0, 200.0, &r.register), (200.0, 110.0, &r.number), (310.0, 80.0, &r.status), (390.0, 105.0, &expiry)],
        );
    }

    pages.heading("Core Skills Training Framework competences");
    pages.row(BOLD, 9.0, &[(0.0, 290.0, "Subject"), (300.0, 95.0, "Completed"), (400.0, 95.0, "Expires")]);
    if profile.competences.is_empty() {
        pages.row(REGULAR, 10.0, &[(0.0, 495.0, "None recorded")]);
    }
    for c in &profile.competences {
        let (done, due) = (date(Some(c.completed_on)), date(c.expires_on));
        pages.row(REGULAR, 10.0, &[(0.0, 290.0, &c.name), (300.0, 95.0, &done), (400.0, 95.0, &due)]);
    }

    pages.heading("NHS employment");
    if profile.employment.is_empty() {
        pages.row(REGULAR, 10.0, &[(0.0, 495.0, "None recorded")]);
    }
    for e in &profile.employment {
        let dates =
            format!("{} to {}", date(Some(e.start_date)), e.end_date.map_or("date".to_owned(), |d| date(Some(d))));
        let band = e.band.strip_prefix("band_").map_or_else(|| e.band.clone(), |b| format!("Band {b}"));
        pages.row(REGULAR, 10.0, &[(0.0, 250.0, &e.role), (250.0, 160.0, &dates), (410.0, 85.0, &band)]);
        pages.row(REGULAR, 9.0, &[(12.0, 483.0, &format!("{}, {}", e.organisation, e.staff_group))]);
    }

    pages.heading("Employment checks");
    pages.row(BOLD, 9.0, &[(0.0, 290.0, "Check"), (300.0, 95.0, "Outcome"), (400.0, 95.0, "Date")]);
    if profile.checks.is_empty() {
        pages.row(REGULAR, 10.0, &[(0.0, 495.0, "None recorded")]);
    }
    for c in &profile.checks {
        let outcome = c.outcome.replace('_', " ");
        pages.row(REGULAR, 10.0, &[(0.0, 290.0, &c.check), (300.0, 95.0, &outcome), (400.0, 95.0, &date(c.date))]);
    }

    let mut contents = pages.finish();
    // The QR code and the link on the first page.
    let first = &mut contents[0];
    qr(first, verify_url, PAGE.0 - MARGIN - QR_SIDE, qr_top - QR_SIDE)?;
    let base = verify_url.split('?').next().unwrap_or(verify_url);
    first.begin_text();
    first.set_font(REGULAR, 8.0);
    first.next_line(MARGIN, MARGIN - 20.0);
    first.show(Str(&win_ansi(&format!("Verify: {base} (link)"))));
    first.end_text();

    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let (regular, bold) = (Ref::new(3), Ref::new(4));
    let info = Ref::new(5);
    let link = Ref::new(6);
    let mut next = 7;
    let mut page_ids = vec![];
    for _ in &contents {
        page_ids.push((Ref::new(next), Ref::new(next + 1)));
        next += 2;
    }
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(page_ids.iter().map(|(page, _)| *page)).count(page_ids.len() as i32);
    for (i, ((page_id, content_id), content)) in page_ids.iter().zip(contents).enumerate() {
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE.0, PAGE.1)).parent(tree).contents(*content_id);
        if i == 0 {
            page.annotations([link]);
        }
        let mut resources = page.resources();
        resources.fonts().pair(REGULAR, regular).pair(BOLD, bold);
        resources.finish();
        page.finish();
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        zlib.write_all(&content.finish()).map_err(|e| ApiError::Internal(e.to_string()))?;
        let packed = zlib.finish().map_err(|e| ApiError::Internal(e.to_string()))?;
        pdf.stream(*content_id, &packed).filter(Filter::FlateDecode);
    }
    let mut annotation = pdf.annotation(link);
    annotation.subtype(AnnotationType::Link).rect(Rect::new(MARGIN, MARGIN - 24.0, PAGE.0 - MARGIN, MARGIN - 10.0));
    annotation.border(0.0, 0.0, 0.0, None);
    annotation.action().action_type(ActionType::Uri).uri(Str(verify_url.as_bytes()));
    annotation.finish();
    for (id, name) in [(regular, &b"Helvetica"[..]), (bold, &b"Helvetica-Bold"[..])] {
        pdf.type1_font(id).base_font(Name(name)).encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    pdf.document_info(info)
        .title(TextStr(&format!("Talent profile: {}", profile.name)))
        .creator(TextStr("Staff Passport"));
    Ok(pdf.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_win_ansi_and_cut_to_fit() {
        assert_eq!(win_ansi("Guy\u{2019}s £5"), b"Guy\x92s \xa35".to_vec());
        assert_eq!(win_ansi("\u{4e2d}"), b"?".to_vec());
        assert_eq!(fit("short", 100.0, 10.0), "short");
        assert!(fit(&"x".repeat(100), 50.0, 10.0).ends_with("..."));
    }
}
