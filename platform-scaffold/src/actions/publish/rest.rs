//! A small JSON REST client for the hosting APIs: one base URL, the
//! headers the service documents, bounded responses, no redirects, no
//! proxy from the environment. The token goes in a header and never into a
//! message.

use std::time::Duration;

use serde_json::Value;
use url::Url;

use crate::Error;
use crate::secrets::Secret;

/// Largest response read (a listing of a big repository stays far below).
const MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;

/// A response: status and JSON body (`null` when empty or not JSON).
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) body: Value,
}

impl Response {
    /// Whether the status is 2xx.
    pub(crate) fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The service's error message (`message` of the body), or the status.
    pub(crate) fn message(&self) -> String {
        self.body
            .get("message")
            .and_then(Value::as_str)
            .map_or_else(|| format!("status {}", self.status), str::to_owned)
    }
}

/// A client for one API.
#[derive(Clone, Debug)]
pub(crate) struct Rest {
    base: Url,
    /// Headers on every request (the API's media type and version).
    headers: Vec<(&'static str, String)>,
    /// How the token is sent: `("authorization", "Bearer ")` or
    /// `("private-token", "")`.
    auth: (&'static str, &'static str),
    timeout: Duration,
}

impl Rest {
    /// A client for the API at `base` (`https://api.github.com`, or an
    /// `http://` loopback address in tests).
    pub(crate) fn new(
        base: &str,
        headers: Vec<(&'static str, String)>,
        auth: (&'static str, &'static str),
    ) -> Result<Self, Error> {
        let mut url = Url::parse(base)
            .map_err(|e| Error::InvalidInput(format!("the API URL `{base}` is invalid: {e}")))?;
        if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
            return Err(Error::InvalidInput(format!(
                "the API URL `{base}` must be an https:// URL with a host"
            )));
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(Self {
            base: url,
            headers,
            auth,
            timeout: Duration::from_secs(60),
        })
    }

    /// The API's host.
    pub(crate) fn host(&self) -> &str {
        self.base.host_str().unwrap_or_default()
    }

    /// Sends `method path` with a JSON `body`; a transport failure is an
    /// error, an HTTP error status is a [`Response`].
    pub(crate) fn send(
        &self,
        token: &Secret,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Response, Error> {
        self.send_as(self.auth, token, method, path, body)
    }

    /// [`Rest::send`] with the token sent as `auth` (header name and value
    /// prefix) instead of the client's usual way.
    pub(crate) fn send_as(
        &self,
        auth: (&'static str, &'static str),
        token: &Secret,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Response, Error> {
        let url = self
            .base
            .join(path.trim_start_matches('/'))
            .map_err(|e| Error::InvalidInput(format!("the API path `{path}` is invalid: {e}")))?;
        if url.host_str() != self.base.host_str() || url.port() != self.base.port() {
            return Err(Error::NotAllowed(format!(
                "the API path `{path}` leaves the API's host"
            )));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .timeout_global(Some(self.timeout))
            .build()
            .into();
        let mut builder = ureq::http::Request::builder()
            .method(method)
            .uri(url.as_str())
            .header(
                "user-agent",
                concat!("platform-scaffold/", env!("CARGO_PKG_VERSION")),
            )
            .header(auth.0, format!("{}{}", auth.1, token.expose()));
        for (name, value) in &self.headers {
            builder = builder.header(*name, value.as_str());
        }
        let bytes = match body {
            Some(body) => {
                builder = builder.header("content-type", "application/json");
                serde_json::to_vec(body).map_err(|e| Error::InvalidInput(e.to_string()))?
            }
            None => Vec::new(),
        };
        let request = builder
            .body(bytes)
            .map_err(|e| Error::InvalidInput(format!("the request is invalid: {e}")))?;
        let mut response = agent
            .run(request)
            .map_err(|e| Error::Failed(format!("{method} {} failed: {e}", url.path())))?;
        let status = response.status().as_u16();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_to_vec()
            .map_err(|e| {
                Error::Failed(format!(
                    "the response to {method} {} could not be read: {e}",
                    url.path()
                ))
            })?;
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok(Response { status, body })
    }
}

/// Percent-encodes one path segment (an owner, a branch with `/`).
pub(crate) fn segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}
