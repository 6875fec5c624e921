//! Tunnels in front of the capture port: the public URL a sender addressed
//! (from forwarding headers), and the tunnels that point at the capture
//! port (a running ngrok agent's local API; cloudflared's and bore's output).

mod detect;
mod public_url;
mod watch;

pub use detect::{DEFAULT_NGROK_API, Tunnel, bore_url, cloudflared_url, find_tunnels, ngrok_tunnels, points_at};
pub use public_url::public_url;
pub use watch::{TunnelStatus, Watched, watch};
