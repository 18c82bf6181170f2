//! The untimed preparation of `passport bench-vp`: presentation requests created, their request
//! objects fetched over HTTP and one `vp_token` form body built per request, on a few concurrent
//! tasks (the store serialises the writes; fetching and signing overlap).

use std::sync::Arc;

use anyhow::{Context, Result, ensure};
use credentials::jws::SoftwareEs256Key;
use credentials::oid4vc::matching::{self, HeldCredential};
use credentials::oid4vc::vp::{AuthorizationResponse, ReceivedRequestObject, RequestLink};
use credentials::sdjwt::KeyBinding;
use server::AppState;
use store::OrgScope;

/// The bodies to post, with the ids of the requests they answer.
pub struct Prepared {
    pub ids: Vec<String>,
    pub bodies: Vec<String>,
    pub response_uri: String,
}

/// One request created, its request object fetched over HTTP and answered with all three credentials.
async fn prepare_one(
    state: &AppState,
    scope: &OrgScope,
    client: &reqwest::Client,
    held: &[HeldCredential],
    holder: &SoftwareEs256Key,
) -> Result<(String, String, String)> {
    let created =
        server::oid4vp::create_request(state, scope, "BENCH").await.map_err(|e| anyhow::anyhow!("request: {e}"))?;
    let link = RequestLink::parse(&created.link).map_err(|e| anyhow::anyhow!("{e}"))?;
    let object = client.get(&link.request_uri).send().await?.error_for_status()?.text().await?;
    let request = ReceivedRequestObject::parse(&object).map_err(|e| anyhow::anyhow!("{e}"))?.request;
    let query = request.dcql_query.as_ref().context("no DCQL query")?;
    let selection = matching::select(query, held).map_err(|u| anyhow::anyhow!("unmatched {:?}", u.missing))?;
    let kb = KeyBinding {
        signer: holder,
        nonce: &request.nonce,
        aud: &request.client_id,
        iat: chrono::Utc::now().timestamp(),
    };
    let vp_token = matching::vp_token(&selection, held, &kb)?;
    let uri = request.response_uri.clone().context("no response_uri")?;
    let body = AuthorizationResponse::VpToken { vp_token, state: request.state.clone() }.to_form();
    Ok((created.id, body, uri))
}

/// `requests` answers prepared on a few concurrent tasks (order does not matter: each body
/// carries its request's state).
pub async fn prepare(
    state: &AppState,
    scope: &OrgScope,
    held: Vec<HeldCredential>,
    holder: SoftwareEs256Key,
    requests: usize,
) -> Result<Prepared> {
    let client = reqwest::Client::new();
    let (held, holder) = (Arc::new(held), Arc::new(holder));
    let tasks = requests.min(8);
    let mut set = tokio::task::JoinSet::new();
    for t in 0..tasks {
        let share = requests / tasks + usize::from(t < requests % tasks);
        let (state, scope, client, held, holder) =
            (state.clone(), scope.clone(), client.clone(), held.clone(), holder.clone());
        set.spawn(async move {
            let mut out = Vec::with_capacity(share);
            for _ in 0..share {
                out.push(prepare_one(&state, &scope, &client, &held, &holder).await?);
            }
            Ok::<_, anyhow::Error>(out)
        });
    }
    let mut prepared = Prepared { ids: Vec::new(), bodies: Vec::new(), response_uri: String::new() };
    while let Some(part) = set.join_next().await {
        for (id, body, uri) in part?? {
            prepared.ids.push(id);
            prepared.bodies.push(body);
            prepared.response_uri = uri;
        }
    }
    ensure!(prepared.bodies.len() == requests, "prepared {} of {requests} answers", prepared.bodies.len());
    Ok(prepared)
}
