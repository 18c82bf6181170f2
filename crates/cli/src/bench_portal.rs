//! The portal's page timings for `passport bench`: the server runs in this process on a loopback
//! port over the bench database, an HR user of the largest organisation signs in through the
//! login form, and the pages HR uses most are fetched as a browser would: people search by family
//! name, a person's page, the compliance dashboard. Each time is the whole request as the client
//! sees it (over loopback, so within a fraction of a millisecond of the server's own time).

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use rand::Rng;
use serde::Serialize;
use server::AppState;
use store::{NewUser, OrgScope, Role, Store};

use crate::bench::Timing;

const PASSWORD: &str = "bench portal passphrase 2026";

/// What the portal bench measures.
#[derive(Debug, Clone, Serialize)]
pub struct PortalTimings {
    pub people_search: Timing,
    pub person_page: Timing,
    pub dashboard: Timing,
}

/// A signed-in HR session: the cookies the login set.
struct Session {
    http: reqwest::Client,
    base: String,
    cookie: String,
}

fn cookies_of(response: &reqwest::Response, into: &mut Vec<(String, String)>) {
    for value in response.headers().get_all(reqwest::header::SET_COOKIE) {
        let Some((name, rest)) = value.to_str().unwrap_or_default().split_once('=') else { continue };
        let value = rest.split(';').next().unwrap_or_default().to_owned();
        into.retain(|(n, _)| n != name);
        into.push((name.to_owned(), value));
    }
}

fn header(cookies: &[(String, String)]) -> String {
    cookies.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ")
}

/// The value of the hidden CSRF input of a page.
fn csrf_of(page: &str) -> Result<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let at = page.find(marker).context("the login page has no CSRF token")? + marker.len();
    Ok(page[at..].split('"').next().unwrap_or_default().to_owned())
}

async fn sign_in(base: &str, ods: &str, email: &str) -> Result<Session> {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let mut cookies = Vec::new();
    let login = http.get(format!("{base}/login")).send().await?;
    cookies_of(&login, &mut cookies);
    let csrf = csrf_of(&login.text().await?)?;
    let form = [("csrf_token", csrf.as_str()), ("ods", ods), ("email", email), ("password", PASSWORD)];
    let answer = http.post(format!("{base}/login")).header("cookie", header(&cookies)).form(&form).send().await?;
    if answer.status() != reqwest::StatusCode::SEE_OTHER {
        bail!("bench HR sign-in answered {}", answer.status());
    }
    cookies_of(&answer, &mut cookies);
    Ok(Session { http, base: base.to_owned(), cookie: header(&cookies) })
}

impl Session {
    /// Fetches `path`, checking it answered 200 with `expect` in the page; returns the time taken.
    async fn time(&self, path: &str, query: &[(&str, &str)], expect: &str) -> Result<Duration> {
        let t = Instant::now();
        let url = format!("{}{path}", self.base);
        let response = self.http.get(url).query(query).header("cookie", &self.cookie).send().await?;
        let status = response.status();
        let body = response.text().await?;
        let took = t.elapsed();
        if status != reqwest::StatusCode::OK || !body.contains(expect) {
            bail!("{path} answered {status} without {expect:?}");
        }
        Ok(took)
    }
}

/// Times the pages over `org_id`'s people (`ids`), `samples` of search and person page each and a
/// tenth as many dashboards.
pub async fn measure(
    store: &Store,
    org_id: &str,
    ods: &str,
    ids: &[String],
    samples: usize,
    rng: &mut impl Rng,
) -> Result<PortalTimings> {
    let scope = OrgScope::system(org_id, "bench");
    let email = "bench.hr@portal.bench".to_owned();
    let user = NewUser {
        email: email.clone(),
        display_name: "Bench HR".into(),
        roles: vec![Role::Hr],
        password: Some(PASSWORD.into()),
    };
    store.auth().create_user(&scope, user).await.context("creating the bench HR user")?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let mut state = AppState::new(store.clone());
    state.public_url = Some(base.clone());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server::serve(listener, state, async {
        let _ = stopped.await;
    }));
    let session = sign_in(&base, ods, &email).await?;

    let dataset = store.dataset(&scope);
    let (mut search, mut person, mut dashboard) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..samples.min(ids.len()) {
        let id = &ids[rng.gen_range(0..ids.len())];
        let family = dataset.get_person(id).await?.value.family_name;
        search.push(session.time("/people", &[("q", &family)], "id=\"people\"").await?);
        person.push(session.time(&format!("/people/{id}"), &[], &format!("/people/{id}/offers")).await?);
        if i % 10 == 0 {
            dashboard.push(session.time("/dashboard", &[], "Compliance").await?);
        }
    }
    let _ = stop.send(());
    let _ = serving.await;
    Ok(PortalTimings {
        people_search: Timing::of(search),
        person_page: Timing::of(person),
        dashboard: Timing::of(dashboard),
    })
}
