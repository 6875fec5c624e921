//! The control surface: the one set of operations that the HTTP control API
//! (browser mode) and the desktop shell both call. Adapters stay thin; what an
//! operation means is decided here.

pub mod auth;
mod events;
mod export;
mod forward;
pub mod generated;
mod http;
mod replay;
mod samples;
mod ui;

use futures_util::Stream;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::{IntoParams, ToSchema};

pub use events::{COALESCE, LiveEvent};
pub use export::{EXPORT_LIMIT, ExportQuery, ImportReport, ImportSource};
pub use forward::{Moved, TargetChoice};
pub use http::{ApiServer, openapi, router, serve_api};
pub use replay::{Draft, ReplayTarget};
pub use samples::{SampleEvent, SampleRequest, SampleSent, sample_events, send_sample};

use crate::error::{Error, Result};
use crate::inspect::{self, Inspection};
use crate::model::{DeliveryId, DeliveryReply, Endpoint, EndpointJson};
use crate::signature::Provider;
use crate::store::{self, ListFilter, Page, Stats, StatusFilter, Store};

/// Where things can be reached, for the UI's header and empty state.
#[derive(Debug, Clone, Serialize, TS, ToSchema)]
pub struct Info {
    pub version: String,
    pub capture_url: String,
    pub public_url: Option<String>,
    pub database: String,
    /// The control API of this running instance (`http://127.0.0.1:PORT`).
    pub api_url: Option<String>,
    /// The HTTPS capture listener (`serve --https`), its certificate's
    /// SHA-256 fingerprint and file.
    #[serde(default)]
    pub https_url: Option<String>,
    #[serde(default)]
    pub tls_fingerprint: Option<String>,
    #[serde(default)]
    pub tls_certificate: Option<String>,
}

/// Query parameters of a listing, as the API and the UI send them.
#[derive(Debug, Clone, Default, Deserialize, Serialize, TS, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// At most this many (default 100, capped at 1,000 per page).
    #[ts(optional)]
    pub limit: Option<u32>,
    /// The `next` cursor of the previous page.
    #[ts(optional)]
    pub before: Option<String>,
    #[ts(optional)]
    pub method: Option<String>,
    /// A path prefix.
    #[ts(optional)]
    pub path: Option<String>,
    /// A code (`404`) or a class (`4xx`).
    #[ts(optional)]
    pub status: Option<String>,
    /// Words to find in path, headers and text bodies.
    #[ts(optional)]
    pub q: Option<String>,
}

impl ListQuery {
    pub fn to_filter(&self) -> Result<ListFilter> {
        Ok(ListFilter {
            limit: self.limit.unwrap_or(100),
            before: self.before.as_deref().map(str::parse).transpose()?,
            method: self.method.clone().filter(|m| !m.is_empty()),
            path_prefix: self.path.clone().filter(|p| !p.is_empty()),
            status: self.status.as_deref().filter(|s| !s.is_empty()).map(str::parse::<StatusFilter>).transpose()?,
            text: self.q.clone(),
        })
    }
}

/// Whether the core runs, as the window shows it: the desktop can fail to
/// bind its capture port, and a browser can be signed out.
#[derive(Debug, Clone, Serialize, TS, ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CoreStatus {
    Starting,
    Listening { capture_url: String },
    Failed { code: String, message: String, capture_port: u16 },
    SignedOut,
}

/// A provider the UI may offer, with what its scheme needs.
#[derive(Debug, Clone, Serialize, TS, ToSchema)]
pub struct ProviderInfo {
    pub id: Provider,
    /// What the secret field holds for this provider.
    pub secret_label: String,
}

/// A one-time link that signs a browser in to this instance's UI.
#[derive(Debug, Clone, Serialize, Deserialize, TS, ToSchema)]
pub struct SignInLink {
    pub url: String,
}

/// `POST /api/tunnel/start`: which tool, and bore's server.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS, ToSchema)]
pub struct TunnelStart {
    /// `ngrok`, `cloudflared` or `bore`.
    pub kind: String,
    /// bore's server, `HOST[:PORT]` (PORT: the public port to ask for); default `bore.pub`.
    #[serde(default)]
    pub bore_to: Option<String>,
    #[serde(default)]
    pub bore_secret: Option<String>,
}

impl TunnelStart {
    pub fn spec(&self) -> Result<crate::tunnel::TunnelSpec> {
        let mut spec = crate::tunnel::TunnelSpec::new(self.kind.parse()?);
        spec.bore_to = self.bore_to.clone();
        spec.bore_secret = self.bore_secret.clone();
        Ok(spec)
    }
}

#[derive(Clone)]
pub struct Api {
    store: Store,
    info: Info,
    auth: Option<std::sync::Arc<auth::Auth>>,
    outbound: crate::outbound::Outbound,
    jobs: std::sync::Arc<replay::Jobs>,
    forwarder: Option<crate::forward::Forwarder>,
    tunnels: Option<std::sync::Arc<crate::tunnel::Tunnels>>,
}

impl Api {
    pub fn new(store: Store, info: Info) -> Self {
        Api {
            store,
            info,
            auth: None,
            outbound: crate::outbound::Outbound::new(Default::default()),
            jobs: Default::default(),
            forwarder: None,
            tunnels: None,
        }
    }

    /// With the tunnel in front of the capture port (followed or started here).
    pub fn with_tunnels(mut self, tunnels: std::sync::Arc<crate::tunnel::Tunnels>) -> Self {
        self.tunnels = Some(tunnels);
        self
    }

    /// The tunnel in front of the capture port, as last seen.
    pub fn tunnel(&self) -> crate::tunnel::TunnelStatus {
        match &self.tunnels {
            Some(t) => t.status(),
            None => crate::tunnel::TunnelStatus::none(),
        }
    }

    /// Starts (or restarts) a tunnel tool for the capture port; fails at
    /// once when it is not installed.
    pub async fn start_tunnel(&self, request: TunnelStart) -> Result<crate::tunnel::TunnelStatus> {
        let tunnels =
            self.tunnels.as_ref().ok_or_else(|| Error::InvalidArgument("this instance runs no tunnels".into()))?;
        tunnels.start(request.spec()?).await
    }

    /// The HTTPS listener's certificate, as PEM text.
    pub fn tls_certificate(&self) -> Result<String> {
        let path = self
            .info
            .tls_certificate
            .clone()
            .ok_or_else(|| Error::not_found("HTTPS listener", "(start with --https)"))?;
        std::fs::read_to_string(&path).map_err(|e| Error::io(format!("reading {path}"), e))
    }

    /// Stops the tunnel Hookscope started, if any.
    pub async fn stop_tunnel(&self) -> crate::tunnel::TunnelStatus {
        match &self.tunnels {
            Some(t) => t.stop().await,
            None => crate::tunnel::TunnelStatus::none(),
        }
    }

    /// With the forwarder, so that the queue can be seen and steered.
    pub fn with_forwarder(mut self, forwarder: crate::forward::Forwarder) -> Self {
        self.forwarder = Some(forwarder);
        self
    }

    /// With the HTTP layer's sign-in, so that [`Api::sign_in_link`] works.
    pub fn with_auth(mut self, auth: std::sync::Arc<auth::Auth>) -> Self {
        self.auth = Some(auth);
        self
    }

    /// A fresh one-time sign-in link for the browser UI (the desktop window
    /// offers it; `hookscope serve` prints one at start).
    pub fn sign_in_link(&self) -> Result<SignInLink> {
        match (&self.auth, &self.info.api_url) {
            (Some(auth), Some(base)) => Ok(SignInLink { url: format!("{base}{}", auth.login_path()?) }),
            _ => Err(Error::InvalidArgument("this instance serves no HTTP API".into())),
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Where things are, with the tunnel's public URL as last seen.
    pub fn info(&self) -> Info {
        let mut info = self.info.clone();
        if info.public_url.is_none() {
            info.public_url = self.tunnel().public_url;
        }
        info
    }

    /// The live stream every adapter forwards: deliveries, analyzed,
    /// endpoints, changed — coalesced, at most one batch per [`COALESCE`].
    pub fn subscribe(&self) -> impl Stream<Item = LiveEvent> + Send + 'static {
        let bulk = futures_util::stream::unfold(self.jobs.progress.subscribe(), |mut rx| async move {
            loop {
                match rx.recv().await {
                    Ok(p) => return Some((LiveEvent::ReplayProgress(p), rx)),
                    // A slow subscriber skips to the newest progress.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        });
        let forwarded = futures_util::stream::unfold(self.forwarder.as_ref().map(|f| f.updates()), |rx| async move {
            let mut rx = rx?;
            match rx.recv().await {
                Ok(items) => Some((LiveEvent::Forward { items }, Some(rx))),
                // A slow subscriber missed some badges: `changed` reloads them all.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => Some((LiveEvent::Changed, Some(rx))),
                Err(tokio::sync::broadcast::error::RecvError::Closed) => None,
            }
        });
        let side = futures_util::stream::select(bulk, forwarded);
        futures_util::stream::select(events::subscribe(self.store.clone()), side)
    }

    #[tracing::instrument(level = "debug", skip(self), err(level = "debug"))]
    pub async fn list(&self, query: &ListQuery) -> Result<Page> {
        let mut page = self.store.list(query.to_filter()?).await?;
        self.mark_queued(&mut page.items);
        Ok(page)
    }

    /// Deliveries the forwarder has not reached yet have no row: those a rule
    /// forwards show as queued.
    pub(crate) fn mark_queued(&self, items: &mut [crate::model::DeliverySummary]) {
        let Some(forwarder) = &self.forwarder else { return };
        let read_pos = forwarder.read_pos();
        let rules = forwarder.rules();
        for d in items.iter_mut().filter(|d| d.forward.is_none() && d.id.0 > read_pos && !d.truncated) {
            if let Some(target) = rules.route(&d.method, &d.path).target {
                d.forward = Some(crate::model::ForwardBadge {
                    state: crate::model::ForwardState::Queued,
                    target: target.to_owned(),
                    tries: 0,
                    next_at_us: None,
                    last_status: None,
                    last_error: None,
                });
            }
        }
    }

    /// One delivery, with its body unless `with_body` is false.
    #[tracing::instrument(level = "debug", skip(self), err(level = "debug"))]
    pub async fn get(&self, id: &str, with_body: bool) -> Result<DeliveryReply> {
        let id: DeliveryId = id.parse()?;
        Ok(if with_body {
            DeliveryReply::Full(self.store.get(id).await?)
        } else {
            DeliveryReply::Head(self.store.get_head(id).await?)
        })
    }

    #[tracing::instrument(level = "debug", skip(self), err(level = "debug"))]
    pub async fn body(&self, id: &str) -> Result<Vec<u8>> {
        let id: DeliveryId = id.parse()?;
        self.store.readers().run(move |c| store::get_body(c, id)).await
    }

    /// Deletes one delivery; `NotFound` if there was none.
    #[tracing::instrument(level = "debug", skip(self), err(level = "debug"))]
    pub async fn delete(&self, id: &str) -> Result<()> {
        let id: DeliveryId = id.parse()?;
        found(self.store.delete(id).await?, id)
    }

    /// Deletes every delivery that is not pinned.
    #[tracing::instrument(level = "debug", skip(self), err(level = "debug"))]
    pub async fn clear(&self) -> Result<u64> {
        self.store.clear().await
    }

    #[tracing::instrument(level = "debug", skip(self), err(level = "debug"))]
    pub async fn set_pinned(&self, id: &str, pinned: bool) -> Result<()> {
        let id: DeliveryId = id.parse()?;
        found(self.store.set_pinned(id, pinned).await?, id)
    }

    pub async fn stats(&self, path_prefix: Option<String>) -> Result<Stats> {
        self.store.stats(path_prefix).await
    }

    /// The providers an endpoint can be set to.
    pub fn providers(&self) -> Vec<ProviderInfo> {
        Provider::ALL
            .iter()
            .map(|&id| ProviderInfo {
                id,
                secret_label: match id {
                    Provider::Discord => "Public key (hex)",
                    Provider::Paypal => "Webhook id",
                    Provider::Gitlab => "Secret token",
                    _ => "Signing secret",
                }
                .into(),
            })
            .collect()
    }
}

/// A delivery's inspection, computed now with the current settings, and the
/// other deliveries of the same event.
#[derive(Debug, Clone, Serialize, TS, ToSchema)]
pub struct InspectionReport {
    #[serde(flatten)]
    pub inspection: Inspection,
    /// Other deliveries with the same event id, newest first.
    pub duplicates: Vec<String>,
}

impl Api {
    pub async fn endpoints(&self) -> Result<Vec<EndpointJson>> {
        Ok(self.store.endpoints().await?.iter().map(EndpointJson::from).collect())
    }

    /// Creates or edits an endpoint. An edit names the endpoint by `id` (or,
    /// without one, by its prefix); secrets sent back redacted, or left out,
    /// keep the stored ones.
    #[tracing::instrument(level = "debug", skip_all, fields(path_prefix = %json.path_prefix), err(level = "debug"))]
    pub async fn put_endpoint(&self, json: EndpointJson) -> Result<()> {
        if !json.path_prefix.starts_with('/') {
            return Err(Error::InvalidArgument("an endpoint's path prefix starts with /".into()));
        }
        let stored = match &json.id {
            Some(id) => Some(self.store.endpoint(id.clone()).await?.ok_or_else(|| Error::not_found("endpoint", id))?),
            None => self.store.endpoints().await?.into_iter().find(|e| e.path_prefix == json.path_prefix),
        };
        let endpoint = json.into_endpoint(stored.as_ref()).map_err(incomplete)?;
        self.store.put_endpoint(endpoint).await?;
        self.rules_changed().await
    }

    /// The next capture answers and forwards by the saved rules.
    async fn rules_changed(&self) -> Result<()> {
        match &self.forwarder {
            Some(f) => f.reload_rules().await,
            None => Ok(()),
        }
    }

    /// Deletes an endpoint by id (or, as older clients do, by prefix).
    #[tracing::instrument(level = "debug", skip(self), err(level = "debug"))]
    pub async fn delete_endpoint(&self, id_or_prefix: &str) -> Result<()> {
        if self.store.delete_endpoint(id_or_prefix.to_owned()).await? {
            self.rules_changed().await
        } else {
            Err(Error::not_found("endpoint", id_or_prefix))
        }
    }

    /// Inspects a delivery with the saved endpoint settings, or with `trial`
    /// ones (to try a secret without saving it).
    #[tracing::instrument(level = "debug", skip(self, trial), err(level = "debug"))]
    pub async fn inspect(&self, id: &str, trial: Option<EndpointJson>) -> Result<InspectionReport> {
        let d = self.store.get(id.parse()?).await?;
        let endpoints: Vec<Endpoint> = match trial {
            Some(json) => {
                let stored = match &json.id {
                    Some(id) => self.store.endpoint(id.clone()).await?,
                    None => None,
                };
                let mut e = json.into_endpoint(stored.as_ref()).map_err(incomplete)?;
                e.path_prefix = String::new();
                vec![e]
            }
            None => self.store.endpoints().await?,
        };
        let request = inspect::Request {
            method: &d.head.summary.method,
            path: &d.head.summary.path,
            query: d.head.summary.query.as_deref(),
            headers: &d.head.headers,
            body: &d.body,
            received_at_us: d.head.summary.received_at_us,
        };
        let inspection = inspect::inspect(&request, &endpoints);
        let duplicates = match &inspection.event_id {
            Some(event) => {
                let (event, seq) = (event.clone(), d.head.summary.id.0);
                self.store.readers().run(move |c| store::same_event(c, &event, seq)).await?
            }
            None => Vec::new(),
        };
        Ok(InspectionReport { inspection, duplicates: duplicates.into_iter().map(|id| id.to_string()).collect() })
    }
}

fn incomplete(why: String) -> Error {
    Error::InvalidArgument(format!("this endpoint's settings are incomplete: {why}"))
}

fn found(existed: bool, id: DeliveryId) -> Result<()> {
    if existed { Ok(()) } else { Err(Error::not_found("delivery", id)) }
}
