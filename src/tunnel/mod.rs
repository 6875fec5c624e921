//! Tunnels in front of the capture port: the public URL a sender addressed
//! (from forwarding headers), the tunnels that point at the capture port (a
//! running ngrok agent's local API; cloudflared's and bore's output), and a
//! tunnel tool Hookscope starts and supervises itself.

mod control;
mod detect;
mod process;
mod public_url;
mod supervise;
mod watch;

pub use control::Tunnels;
pub use detect::{DEFAULT_NGROK_API, Tunnel, bore_url, cloudflared_url, find_tunnels, ngrok_tunnels, points_at};
pub use public_url::public_url;
pub use supervise::{TunnelKind, TunnelSpec, find_program, ngrok_log_url, ngrok_web_addr, program_for};
pub use watch::TunnelStatus;
