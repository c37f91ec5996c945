//! `http:backstage:request`, compatible with Roadie's action: a request to
//! a path of a configured base URL (Backstage's backend, or any service),
//! with SSRF guards: the final URL must stay on an allowed host, methods can
//! be restricted, redirects are not followed, and responses are bounded.
//!
//! Plain `http://` only; put a TLS-terminating proxy in front for HTTPS
//! targets, or register an action of your own.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Map, Value, json};
use url::Url;

use super::{Action, ActionContext, object_schema};
use crate::Error;
use crate::secrets::Secret;

/// The methods the action accepts (Roadie's list).
const METHODS: [&str; 8] = [
    "GET", "HEAD", "OPTIONS", "POST", "UPDATE", "DELETE", "PUT", "PATCH",
];

/// Where requests go and what they may do.
#[derive(Clone, Debug)]
#[must_use]
pub struct HttpConfig {
    base_url: Url,
    allowed_hosts: Vec<String>,
    allowed_methods: Vec<String>,
    token: Option<Secret>,
    max_response_bytes: u64,
}

impl HttpConfig {
    /// Requests go to paths under `base_url`; only its host is allowed.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when `base_url` is not an `http` URL with a host.
    pub fn new(base_url: &str) -> Result<Self, Error> {
        let url = Url::parse(base_url).map_err(|e| {
            Error::InvalidInput(format!("the base URL `{base_url}` is invalid: {e}"))
        })?;
        let host = url
            .host_str()
            .filter(|_| url.scheme() == "http")
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "the base URL `{base_url}` must be an http:// URL with a host"
                ))
            })?
            .to_owned();
        Ok(Self {
            base_url: url,
            allowed_hosts: vec![host],
            allowed_methods: METHODS.iter().map(|m| (*m).to_owned()).collect(),
            token: None,
            max_response_bytes: 10 * 1024 * 1024,
        })
    }

    /// Hosts requests may reach (the base URL's host by default).
    pub fn allowed_hosts<I: IntoIterator<Item = S>, S: Into<String>>(mut self, hosts: I) -> Self {
        self.allowed_hosts = hosts.into_iter().map(Into::into).collect();
        self
    }

    /// Methods requests may use (all of Roadie's by default).
    pub fn allowed_methods<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        methods: I,
    ) -> Self {
        self.allowed_methods = methods
            .into_iter()
            .map(|m| m.into().to_ascii_uppercase())
            .collect();
        self
    }

    /// A bearer token sent when the input asks for the Backstage token.
    pub fn with_token(mut self, token: Secret) -> Self {
        self.token = Some(token);
        self
    }

    /// Largest response body read.
    pub fn with_max_response_bytes(mut self, bytes: u64) -> Self {
        self.max_response_bytes = bytes;
        self
    }
}

deprecated_setters!(HttpConfig {
    token => with_token(token: Secret),
    max_response_bytes => with_max_response_bytes(bytes: u64),
});

/// `http:backstage:request`.
#[derive(Clone, Debug)]
pub struct BackstageRequest {
    config: HttpConfig,
}

impl BackstageRequest {
    /// The action with this configuration.
    #[must_use]
    pub fn new(config: HttpConfig) -> Self {
        Self { config }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestInput {
    path: String,
    method: String,
    #[serde(default)]
    headers: Map<String, Value>,
    #[serde(default)]
    params: Map<String, Value>,
    #[serde(default)]
    body: Option<Value>,
    #[serde(default = "yes")]
    log_request_path: bool,
    #[serde(default)]
    continue_on_bad_response: bool,
    #[serde(default)]
    timeout: Option<u64>,
    #[serde(default = "yes")]
    use_backstage_token: bool,
}

fn yes() -> bool {
    true
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl BackstageRequest {
    fn url(&self, input: &RequestInput) -> Result<Url, Error> {
        let base = self.config.base_url.as_str().trim_end_matches('/');
        let joined = format!("{base}/{}", input.path.trim_start_matches('/'));
        let mut url = Url::parse(&joined).map_err(|e| {
            Error::InvalidInput(format!("the request path `{}` is invalid: {e}", input.path))
        })?;
        let host = url.host_str().unwrap_or_default();
        if url.scheme() != "http"
            || !self
                .config
                .allowed_hosts
                .iter()
                .any(|h| h.eq_ignore_ascii_case(host))
        {
            return Err(Error::NotAllowed(format!(
                "requests to host `{host}` are not allowed"
            )));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::NotAllowed(
                "request paths may not carry credentials".into(),
            ));
        }
        if !input.params.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (key, value) in &input.params {
                pairs.append_pair(key, &text_of(value));
            }
        }
        Ok(url)
    }
}

impl Action for BackstageRequest {
    fn id(&self) -> &str {
        "http:backstage:request"
    }

    fn description(&self) -> &str {
        "Sends an HTTP request to a path of the configured base URL."
    }

    fn input_schema(&self) -> Value {
        object_schema(
            json!({
                "path": {"type": "string"},
                "method": {"type": "string", "enum": METHODS},
                "headers": {"type": "object", "additionalProperties": {"type": "string"}},
                "params": {"type": "object"},
                "body": {},
                "logRequestPath": {"type": "boolean"},
                "continueOnBadResponse": {"type": "boolean"},
                "timeout": {"type": "number", "minimum": 0},
                "useBackstageToken": {"type": "boolean"},
                "idempotencyKey": {"type": "string"},
            }),
            &["path", "method"],
        )
    }

    fn output_schema(&self) -> Value {
        json!({"type": "object", "properties": {"code": {"type": "string"}, "headers": {"type": "object"}, "body": {"type": "object"}}})
    }

    fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error> {
        let input: RequestInput = ctx.input_as(self.id())?;
        let method = input.method.to_ascii_uppercase();
        if !self.config.allowed_methods.contains(&method) {
            return Err(Error::NotAllowed(format!(
                "the method {method} is not allowed"
            )));
        }
        let url = self.url(&input)?;
        if input.log_request_path {
            ctx.log(&format!("Creating {method} request with {}", url.path()));
        }
        let timeout = Duration::from_millis(input.timeout.unwrap_or(60_000));
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .allow_non_standard_methods(true)
            .max_redirects(0)
            .proxy(None)
            .timeout_global(Some(timeout))
            .build()
            .into();
        let mut builder = ureq::http::Request::builder()
            .method(method.as_str())
            .uri(url.as_str());
        let mut json_body = true;
        for (name, value) in &input.headers {
            if name.eq_ignore_ascii_case("content-type") {
                json_body = text_of(value).contains("json");
            }
            builder = builder.header(name.as_str(), text_of(value));
        }
        if let (true, Some(token)) = (input.use_backstage_token, &self.config.token) {
            builder = builder.header("authorization", format!("Bearer {}", token.expose()));
        }
        let body = match &input.body {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) => s.clone().into_bytes(),
            Some(other) if json_body => {
                if !input
                    .headers
                    .keys()
                    .any(|k| k.eq_ignore_ascii_case("content-type"))
                {
                    builder = builder.header("content-type", "application/json");
                }
                serde_json::to_vec(other).map_err(|e| Error::InvalidInput(e.to_string()))?
            }
            Some(other) => other.to_string().into_bytes(),
        };
        let request = builder
            .body(body)
            .map_err(|e| Error::InvalidInput(format!("the request is invalid: {e}")))?;
        let mut response = agent
            .run(request)
            .map_err(|e| Error::Failed(format!("There was an issue with the request: {e}")))?;
        let status = response.status().as_u16();
        let headers: Map<String, Value> = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    Value::String(v.to_str().unwrap_or_default().to_owned()),
                )
            })
            .collect();
        let is_json = headers
            .get("content-type")
            .and_then(Value::as_str)
            .is_some_and(|c| c.contains("json"));
        let bytes = response
            .body_mut()
            .with_config()
            .limit(self.config.max_response_bytes)
            .read_to_vec()
            .map_err(|e| Error::Failed(format!("the response could not be read: {e}")))?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = if is_json {
            serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.clone()))
        } else {
            json!({"message": text})
        };
        if status >= 400 {
            let message = format!(
                "Unable to complete request, status {status}: {}",
                text.chars().take(500).collect::<String>()
            );
            if !input.continue_on_bad_response {
                return Err(Error::Failed(message));
            }
            ctx.log(&message);
        }
        ctx.output("code", Value::String(status.to_string()));
        ctx.output("headers", Value::Object(headers));
        ctx.output("body", body);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(path: &str) -> RequestInput {
        serde_json::from_value(json!({"path": path, "method": "GET"})).expect("input")
    }

    #[test]
    fn paths_cannot_change_the_host() {
        let action =
            BackstageRequest::new(HttpConfig::new("http://127.0.0.1:7007/api").expect("config"));
        assert_eq!(
            action
                .url(&input("/proxy/argocd/x"))
                .expect("inside")
                .as_str(),
            "http://127.0.0.1:7007/api/proxy/argocd/x"
        );
        assert_eq!(
            action
                .url(&input("@evil.example/x"))
                .expect("a path")
                .host_str(),
            Some("127.0.0.1")
        );
        let elsewhere = BackstageRequest::new(
            HttpConfig::new("http://127.0.0.1:7007")
                .expect("config")
                .allowed_hosts(["backstage.internal"]),
        );
        assert!(matches!(
            elsewhere.url(&input("/x")),
            Err(Error::NotAllowed(_))
        ));
        assert!(HttpConfig::new("file:///etc/passwd").is_err());
    }
}
