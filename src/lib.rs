//! Hookscope's core: capture webhook deliveries on a public listener, keep them
//! durably in SQLite, and offer one set of operations (list, read, search,
//! delete, pin, endpoints, inspections, live events) to the HTTP control API,
//! the CLI and the desktop shell alike. The library never depends on Tauri.

/// The operations every adapter calls, the HTTP control API over them, and the live event topics.
pub mod api;
/// The composition root: starts store, capture, `Api` and the HTTP API layer; the instance record.
pub mod app;
/// The public listener: turns HTTP requests into deliveries and answers honestly.
pub mod capture;
/// What the `hookscope` commands do, apart from parsing arguments.
pub mod cli;
/// The error type, and how each error crosses to a client (status, code, safe message).
pub mod error;
/// Deliveries out (cURL, HTTPie, raw HTTP, JSON, HAR 1.2) and back in.
pub mod export;
/// Forwarding: a durable queue that follows the commits and sends each delivery on to the user's app.
pub mod forward;
/// Private files: 0600 files and 0700 folders whatever the umask.
pub mod fsutil;
/// Provider, event id and verdict of a stored delivery under its endpoint's settings.
pub mod inspect;
/// What is kept: deliveries, the one header type, endpoints. Also the wire types.
pub mod model;
/// The one outbound HTTP client (replay and forwarding): heads sent as captured, TLS by rustls.
pub mod outbound;
/// Replays: a stored delivery plus edits (and a fresh signature) becomes a request; every try is an attempt.
pub mod replay;
/// Sample events per provider, signed as the provider signs (`hookscope trigger`).
pub mod samples;
/// Pure signature verification and signing, per provider, with the verdict's evidence.
pub mod signature;
/// SQLite: migrations, the single group-commit writer, readers, search and inspection index.
pub mod store;
/// A background task behind a handle that stops it on drop: servers now; followers and tunnel children next.
pub mod task;
/// Rebuilds the public URL a sender addressed from forwarding headers.
pub mod tunnel;

pub use error::{Error, Result};
pub use model::{Delivery, DeliveryHead, DeliveryId, DeliveryReply, DeliverySummary, NewDelivery};
