//! The browser's sign-in routes (see `session.rs` for the sessions):
//!
//! - `POST /api/login` with the token as a form field (`token=…`,
//!   `application/x-www-form-urlencoded`) or as JSON (`{"token":"…"}`):
//!   sets the session cookie; 200 `{"signedIn":true}` to a script, 303 to
//!   `/ui/` for a plain form. A wrong token is 401 and counts toward the
//!   client's 429, as on every protected route.
//! - `POST /api/logout`: ends the session of the cookie and clears it; 204.
//! - `GET /api/session`: 200 `{"signedIn":true,"proof":"session"|"token"}`
//!   or 401: lets the UI decide whether to show its sign-in form.

use super::auth::Gate;
use super::origin::{self, Proof};
use super::session;
use crate::http::target::query_pairs;
use crate::http::{Request, RequestBody, Response, Status};
use crate::util::json::{self, Value};

/// The largest sign-in body read.
pub const LOGIN_BODY_BYTES_MAX: u64 = 4096;

/// Does this module answer `path`?
pub fn owns(path: &str) -> bool {
    matches!(path, "/api/login" | "/api/logout" | "/api/session")
}

/// Answers one of the paths `owns` claims.
pub fn handle(gate: &Gate, request: &Request<'_>, body: &mut RequestBody<'_>) -> Response {
    let path: &str = &request.path;
    let allowed = if path == "/api/session" {
        "GET, HEAD"
    } else {
        "POST"
    };
    if !allowed.split(", ").any(|method| method == request.method) {
        let message = format!("{} is not allowed here; allowed: {allowed}", request.method);
        return Response::error(Status::METHOD_NOT_ALLOWED, &message).header("Allow", allowed);
    }
    match path {
        "/api/login" => login(gate, request, body),
        "/api/logout" => logout(gate, request),
        _ => whoami(gate, request),
    }
}

fn login(gate: &Gate, request: &Request<'_>, body: &mut RequestBody<'_>) -> Response {
    if let Some(refused) = origin::refusal(request, Proof::Token) {
        return refused;
    }
    let Some(sessions) = gate.sessions() else {
        return Response::error(Status::SERVICE_UNAVAILABLE, "sessions are not enabled");
    };
    let form = is_form(request);
    let token = match read_token(request, body, form) {
        Ok(token) => token,
        Err(refused) => return refused,
    };
    if let Err(refused) = gate.verify_token(request, &token) {
        return refused;
    }
    let issued = match sessions.issue() {
        Ok(issued) => issued,
        Err(error) => {
            let message = format!("cannot store the session: {error}");
            return Response::error(Status::INTERNAL_SERVER_ERROR, &message);
        }
    };
    let response = if form {
        Response::error(Status::SEE_OTHER, "signed in").header("Location", "/ui/")
    } else {
        Response::json(Status::OK, r#"{"signedIn":true}"#)
    };
    response
        .header("Set-Cookie", session::set_cookie(&issued))
        .header("Cache-Control", "no-store")
}

fn logout(gate: &Gate, request: &Request<'_>) -> Response {
    if let Some(refused) = origin::refusal(request, Proof::Session) {
        return refused;
    }
    if let (Some(sessions), Some(id)) = (gate.sessions(), session::presented_id(request))
        && let Err(error) = sessions.revoke(id)
    {
        let message = format!("cannot end the session: {error}");
        return Response::error(Status::INTERNAL_SERVER_ERROR, &message);
    }
    Response::empty(Status::NO_CONTENT)
        .header("Set-Cookie", session::clear_cookie())
        .header("Cache-Control", "no-store")
}

fn whoami(gate: &Gate, request: &Request<'_>) -> Response {
    match gate.check(request) {
        Ok(proof) => {
            let proof = match proof {
                Proof::Session => "session",
                Proof::Token => "token",
            };
            let answer = format!(r#"{{"signedIn":true,"proof":"{proof}"}}"#);
            Response::json(Status::OK, answer).header("Cache-Control", "no-store")
        }
        Err(refused) => refused,
    }
}

fn is_form(request: &Request<'_>) -> bool {
    media_type(request).eq_ignore_ascii_case("application/x-www-form-urlencoded")
}

/// The media type of `Content-Type`, without parameters (RFC 9110 §8.3.1).
fn media_type<'a>(request: &Request<'a>) -> &'a str {
    let field = request.header_str("content-type").unwrap_or("");
    field.split(';').next().unwrap_or("").trim()
}

/// The token from a form or JSON body, or the 4xx to answer.
fn read_token(
    request: &Request<'_>,
    body: &mut RequestBody<'_>,
    form: bool,
) -> Result<String, Response> {
    if !form && !media_type(request).eq_ignore_ascii_case("application/json") {
        return Err(Response::error(
            Status::UNSUPPORTED_MEDIA_TYPE,
            "send the token as application/x-www-form-urlencoded or application/json",
        ));
    }
    if let Err(failure) = body.set_limit(LOGIN_BODY_BYTES_MAX) {
        return Err(Response::error(failure.status(), failure.message()));
    }
    let bytes = body.read_to_vec().map_err(|_| {
        let failure = body.failure();
        let status = failure.map_or(Status::BAD_REQUEST, |f| f.status());
        Response::error(
            status,
            failure.map_or("cannot read the body", |f| f.message()),
        )
    })?;
    let token = if form {
        let text = std::str::from_utf8(&bytes).unwrap_or("");
        query_pairs(text)
            .find(|(name, _)| name == "token")
            .map(|(_, value)| value)
    } else {
        json::parse(&bytes).ok().and_then(|value| {
            value
                .get("token")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
    };
    token.ok_or_else(|| Response::error(Status::BAD_REQUEST, "the body has no token field"))
}
