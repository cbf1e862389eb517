//! A minimal W3C WebDriver client over reqwest JSON — enough for
//! tauri-driver, which forwards to WebKitWebDriver: sessions whose only
//! capability is `tauri:options` (no `browserName`: WebKitGTK calls itself
//! "MiniBrowser" and would not match), CSS lookups, clicks, keys, text and
//! attributes, scripts and screenshots.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine as _;
use serde_json::{Value, json};

/// The W3C key under which an element reference travels.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A WebDriver server (tauri-driver) at `base`.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
}

/// An element reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element(pub String);

/// A session: one app instance.
#[derive(Debug, Clone)]
pub struct Session {
    client: Client,
    id: String,
}

impl Client {
    pub fn new(base: impl Into<String>) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(120))
                .build()
                .expect("an HTTP client"),
            base: base.into(),
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value> {
        let url = format!("{}{path}", self.base);
        let mut request = self.http.request(method.clone(), &url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("{method} {url}"))?;
        let status = response.status();
        let body: Value = response
            .json()
            .await
            .with_context(|| format!("{method} {url}: reply is not JSON"))?;
        let value = body.get("value").cloned().unwrap_or(Value::Null);
        if !status.is_success() {
            let error = value
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("unknown error");
            let message = value.get("message").and_then(Value::as_str).unwrap_or("");
            bail!(WebDriverError {
                error: error.to_owned(),
                message: format!("{method} {path}: {message}"),
            });
        }
        Ok(value)
    }

    /// Whether the server says it is ready for a new session.
    pub async fn ready(&self) -> Result<bool> {
        let value = self.send(reqwest::Method::GET, "/status", None).await?;
        Ok(value.get("ready").and_then(Value::as_bool).unwrap_or(true))
    }

    /// Starts the app at `application` with `args`.
    pub async fn new_session(&self, application: &Path, args: &[String]) -> Result<Session> {
        let capabilities = json!({
            "capabilities": {
                "alwaysMatch": {
                    "tauri:options": { "application": application, "args": args }
                }
            }
        });
        let value = self
            .send(reqwest::Method::POST, "/session", Some(capabilities))
            .await?;
        let id = value
            .get("sessionId")
            .and_then(Value::as_str)
            .ok_or_else(|| anyhow!("no sessionId in {value}"))?;
        Ok(Session {
            client: self.clone(),
            id: id.to_owned(),
        })
    }
}

/// An error the WebDriver server reported (`error` is the W3C code).
#[derive(Debug, Clone)]
pub struct WebDriverError {
    pub error: String,
    pub message: String,
}

impl std::fmt::Display for WebDriverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error, self.message)
    }
}

impl std::error::Error for WebDriverError {}

fn element_of(value: &Value) -> Result<Element> {
    value
        .get(ELEMENT)
        .and_then(Value::as_str)
        .map(|id| Element(id.to_owned()))
        .ok_or_else(|| anyhow!("not an element: {value}"))
}

impl Session {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value> {
        self.client
            .send(method, &format!("/session/{}{path}", self.id), body)
            .await
    }

    /// Every element matching `css`.
    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        let value = self
            .call(
                reqwest::Method::POST,
                "/elements",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await?;
        value
            .as_array()
            .ok_or_else(|| anyhow!("elements: {value}"))?
            .iter()
            .map(element_of)
            .collect()
    }

    /// The first element matching `css`, if any.
    pub async fn find(&self, css: &str) -> Result<Option<Element>> {
        Ok(self.find_all(css).await?.into_iter().next())
    }

    /// The first element matching `css`, which must exist.
    pub async fn get(&self, css: &str) -> Result<Element> {
        self.find(css)
            .await?
            .ok_or_else(|| anyhow!("no element matches {css}"))
    }

    pub async fn click(&self, element: &Element) -> Result<()> {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{}/click", element.0),
            Some(json!({})),
        )
        .await
        .map(drop)
    }

    /// Clicks the first element matching `css`.
    pub async fn click_css(&self, css: &str) -> Result<()> {
        let element = self.get(css).await?;
        self.click(&element).await
    }

    pub async fn text(&self, element: &Element) -> Result<String> {
        let value = self
            .call(
                reqwest::Method::GET,
                &format!("/element/{}/text", element.0),
                None,
            )
            .await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// The text of the first element matching `css`, if any.
    pub async fn text_of(&self, css: &str) -> Result<Option<String>> {
        match self.find(css).await? {
            Some(e) => Ok(Some(self.text(&e).await?)),
            None => Ok(None),
        }
    }

    pub async fn attribute(&self, element: &Element, name: &str) -> Result<Option<String>> {
        let value = self
            .call(
                reqwest::Method::GET,
                &format!("/element/{}/attribute/{name}", element.0),
                None,
            )
            .await?;
        Ok(value.as_str().map(str::to_owned))
    }

    pub async fn clear(&self, element: &Element) -> Result<()> {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{}/clear", element.0),
            Some(json!({})),
        )
        .await
        .map(drop)
    }

    pub async fn type_into(&self, element: &Element, text: &str) -> Result<()> {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{}/value", element.0),
            Some(json!({ "text": text })),
        )
        .await
        .map(drop)
    }

    /// Clears the field matching `css` and types `text`.
    pub async fn fill(&self, css: &str, text: &str) -> Result<()> {
        let element = self.get(css).await?;
        self.clear(&element).await?;
        self.type_into(&element, text).await
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and
    /// returns its result.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Runs `script` (a function body whose last argument is the callback
    /// to call with the result) and returns what it was called with.
    pub async fn execute_async(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.call(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// The window's position and size: `(x, y, width, height)`.
    pub async fn window_rect(&self) -> Result<(i64, i64, i64, i64)> {
        let v = self
            .call(reqwest::Method::GET, "/window/rect", None)
            .await?;
        let n = |k: &str| v.get(k).and_then(Value::as_f64).map(|f| f.round() as i64);
        match (n("x"), n("y"), n("width"), n("height")) {
            (Some(x), Some(y), Some(w), Some(h)) => Ok((x, y, w, h)),
            _ => bail!("window rect: {v}"),
        }
    }

    /// A PNG of the page.
    pub async fn screenshot(&self) -> Result<Vec<u8>> {
        let value = self.call(reqwest::Method::GET, "/screenshot", None).await?;
        let b64 = value
            .as_str()
            .ok_or_else(|| anyhow!("screenshot: {value}"))?;
        Ok(base64::engine::general_purpose::STANDARD.decode(b64)?)
    }

    /// Ends the session (and with it the app).
    pub async fn close(self) -> Result<()> {
        self.call(reqwest::Method::DELETE, "", None).await.map(drop)
    }
}
