//! The OpenAPI 3.1 document, generated from the handlers' annotations by utoipa; this module only adds what
//! no handler can say (title, security scheme) and serves it.

use std::sync::Arc;

use axum::Json;
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

pub fn finish(mut doc: OpenApi) -> OpenApi {
    doc.info.title = "Staff Passport API".to_owned();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc.info.description = Some(
        "Workforce records kept in one private dataset per NHS organisation. Every call is scoped to the \
         caller's organisation: anything outside it answers 404. Errors are RFC 9457 problem details."
            .to_owned(),
    );
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("opaque").build()),
    );
    doc
}

pub async fn serve(doc: Arc<OpenApi>) -> Json<OpenApi> {
    Json((*doc).clone())
}
