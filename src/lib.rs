//! Hookscope's core: capture webhook deliveries on a public listener, keep them
//! durably in SQLite, and offer one set of operations (list, read, search,
//! delete, pin, live events) to the HTTP control API, the CLI and the desktop
//! shell alike. The library never depends on Tauri.

pub mod api;
pub mod capture;
pub mod cli;
pub mod error;
pub mod inspect;
pub mod listener;
pub mod model;
pub mod serve;
pub mod signature;
pub mod store;
pub mod tunnel;

pub use error::{Error, Result};
pub use model::{Delivery, DeliveryHead, DeliveryId, DeliveryReply, DeliverySummary, NewDelivery};
