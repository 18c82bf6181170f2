//! The worker changes their address, phone and email in one organisation's record. Each field is parsed
//! into its domain type (a UK postcode by its shape, a phone number, an email address); any error shows
//! the NHS error summary naming the field and stores nothing. A good form goes to the store call the API's
//! contact route makes: the record is stamped `self_service` and the change kept for HR's contact history.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::person::{Address, Postcode, check_email, check_phone};
use serde::Deserialize;
use store::ContactDetails;

use super::Worker;
use super::records::OrgNav;
use crate::AppState;
use crate::web::{Chrome, FormErrors, WebResult, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/me/organisations/{ods}/contact", get(form).post(save))
}

/// The form's fields, as typed.
#[derive(Debug, Default, Deserialize)]
struct ContactForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    address_line_1: String,
    #[serde(default)]
    address_line_2: String,
    #[serde(default)]
    town: String,
    #[serde(default)]
    postcode: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
}

impl ContactForm {
    fn of(contact: &ContactDetails) -> Self {
        let address = contact.address.as_ref();
        let line = |i: usize| address.and_then(|a| a.lines.get(i)).cloned().unwrap_or_default();
        ContactForm {
            csrf_token: String::new(),
            address_line_1: line(0),
            address_line_2: address.map(|a| a.lines[1.min(a.lines.len())..].join(", ")).unwrap_or_default(),
            town: address.map(|a| a.town.clone()).unwrap_or_default(),
            postcode: address.map(|a| a.postcode.as_str().to_owned()).unwrap_or_default(),
            phone: contact.phone.clone().unwrap_or_default(),
            email: contact.email.clone().unwrap_or_default(),
        }
    }

    /// The details the form says, or every field's error. An empty address clears it, as an empty phone
    /// or email does.
    fn parse(&self) -> Result<ContactDetails, FormErrors> {
        let mut errors = FormErrors::default();
        let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let lines: Vec<String> =
            [&self.address_line_1, &self.address_line_2].into_iter().filter_map(|l| text(l)).collect();
        let any_address = !lines.is_empty() || text(&self.town).is_some() || text(&self.postcode).is_some();
        let mut address = None;
        if any_address {
            if text(&self.address_line_1).is_none() {
                errors.add("address_line_1", "Enter the first line of your address");
            }
            if text(&self.town).is_none() {
                errors.add("town", "Enter your town or city");
            }
            let postcode = match Postcode::parse(&self.postcode) {
                Ok(p) => Some(p),
                Err(_) if self.postcode.trim().is_empty() => {
                    errors.add("postcode", "Enter your postcode");
                    None
                }
                Err(_) => {
                    errors.add("postcode", "Enter a real UK postcode, like SE1 9RT");
                    None
                }
            };
            if let (Some(postcode), true) = (postcode, errors.is_empty()) {
                let candidate = Address { lines, town: self.town.trim().to_owned(), postcode };
                match candidate.validate() {
                    Ok(()) => address = Some(candidate),
                    Err(problems) => {
                        for p in problems.0 {
                            let field = if p.field.starts_with("town") { "town" } else { "address_line_1" };
                            errors.add(field, format!("Address: {} {}", p.field.replace('_', " "), p.problem));
                        }
                    }
                }
            }
        }
        let phone = text(&self.phone);
        if phone.as_deref().is_some_and(|p| check_phone(p).is_err()) {
            errors.add("phone", "Enter a phone number with 10 to 15 digits, like 020 7946 0000");
        }
        let email = text(&self.email);
        if email.as_deref().is_some_and(|e| check_email(e).is_err()) {
            errors.add("email", "Enter an email address in the correct format, like name@example.com");
        }
        if errors.is_empty() { Ok(ContactDetails { address, phone, email }) } else { Err(errors) }
    }
}

#[derive(Template)]
#[template(path = "me_contact.html")]
struct ContactPage {
    chrome: Chrome,
    nav: OrgNav,
    errors: FormErrors,
    form: ContactForm,
}

/// The form to change your address, phone and email, filled with what is recorded. Role: worker.
async fn form(State(state): State<AppState>, worker: Worker, Path(ods): Path<String>) -> WebResult<Response> {
    let mine = state.store.me(&worker.scope).record(&ods).await?;
    let page = ContactPage {
        chrome: worker.chrome("/me"),
        nav: OrgNav::of(&mine.organisation, "contact"),
        errors: FormErrors::default(),
        form: ContactForm::of(&ContactDetails::of(&mine.record.person)),
    };
    Ok(render(&page))
}

/// Saves your new contact details, or shows what to correct (nothing saved). Role: worker.
async fn save(
    State(state): State<AppState>,
    worker: Worker,
    Path(ods): Path<String>,
    Form(form): Form<ContactForm>,
) -> WebResult<Response> {
    worker.check_csrf(&form.csrf_token)?;
    // The organisation first, so another worker's organisation is the 404 page whatever the form says.
    let me = state.store.me(&worker.scope);
    let link = me.link(&ods).await?;
    match form.parse() {
        Ok(contact) => {
            me.update_contact(&ods, &contact).await?;
            let to = format!("/me/organisations/{}?saved=contact", link.organisation.ods_code);
            Ok(Redirect::to(&to).into_response())
        }
        Err(errors) => {
            let page = ContactPage {
                chrome: worker.chrome("/me"),
                nav: OrgNav::of(&link.organisation, "contact"),
                errors,
                form,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled() -> ContactForm {
        ContactForm {
            address_line_1: "12 High Street".into(),
            town: "Leeds".into(),
            postcode: "ls1 4ap".into(),
            phone: "0113 496 0000".into(),
            email: "a.okafor@example.com".into(),
            ..ContactForm::default()
        }
    }

    #[test]
    fn a_good_form_parses_into_domain_types() {
        let contact = filled().parse().unwrap();
        assert_eq!(contact.address.unwrap().postcode.as_str(), "LS1 4AP");
        assert_eq!(contact.phone.as_deref(), Some("0113 496 0000"));
    }

    #[test]
    fn each_bad_field_is_named() {
        for (form, field) in [
            (ContactForm { postcode: "LS1 4A".into(), ..filled() }, "postcode"),
            (ContactForm { postcode: String::new(), ..filled() }, "postcode"),
            (ContactForm { town: " ".into(), ..filled() }, "town"),
            (
                ContactForm { address_line_1: String::new(), address_line_2: "Flat 2".into(), ..filled() },
                "address_line_1",
            ),
            (ContactForm { phone: "12".into(), ..filled() }, "phone"),
            (ContactForm { email: "nobody".into(), ..filled() }, "email"),
        ] {
            let errors = form.parse().unwrap_err();
            assert!(errors.has(field), "{field}: {errors:?}");
        }
    }

    #[test]
    fn an_empty_form_clears_every_detail() {
        assert_eq!(ContactForm::default().parse().unwrap(), ContactDetails::default());
    }
}
