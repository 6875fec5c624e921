//! `hookscope serve`: run headless until interrupted.

use std::io::Write;

use crate::app::{ServeConfig, start};
use crate::error::Result;

pub async fn serve(config: ServeConfig, out: &mut dyn Write) -> Result<()> {
    if !config.capture.addr.ip().is_loopback() {
        tracing::warn!(
            "the capture listener on {} is reachable from other machines; anyone who can reach it can send deliveries",
            config.capture.addr
        );
    }
    let running = start(config.clone()).await?;
    let capture = running.capture_url();
    let login = running.api.sign_in_link()?.url;
    // Printing is best-effort: a closed stdout must not stop the server.
    let _ = write!(
        out,
        "Hookscope {version}\n\
         Capture   {capture}        send webhooks here (point your tunnel at it)\n\
         API       {api}\n\
         Sign in   {login}   (opens the UI signed in; works once)\n\
         Token     {token}   (Authorization: Bearer <token>)\n\
         Database  {db}\n\
         {https}{forward}\
         Try       curl -X POST {capture}/hello -H 'content-type: application/json' -d '{{\"hello\":\"world\"}}'\n",
        version = env!("CARGO_PKG_VERSION"),
        api = running.api_url(),
        token = running.auth.token(),
        db = config.store.path.display(),
        https = match (&running.api.info().https_url, &running.api.info().tls_fingerprint) {
            (Some(url), Some(fp)) => format!(
                "HTTPS     {url}   certificate SHA-256 {fp}\n          {}\n",
                running.api.info().tls_certificate.unwrap_or_default()
            ),
            _ => String::new(),
        },
        forward = match &config.forward.default_target {
            Some(to) => format!("Forward   {to}   (every delivery, through a durable queue; `hookscope queue`)\n"),
            None => String::new(),
        },
    );
    let _ = out.flush();
    let mut tunnel = running.tunnels.subscribe();
    let mut said = String::new();
    let mut shutdown = std::pin::pin!(shutdown_signal());
    loop {
        let line = tunnel_line(&tunnel.borrow_and_update());
        if line != said && !line.is_empty() {
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
        said = line;
        tokio::select! {
            _ = &mut shutdown => break,
            changed = tunnel.changed() => if changed.is_err() { shutdown.as_mut().await; break },
        }
    }
    running.shutdown().await;
    Ok(())
}

/// What `serve` says about the tunnel in front of it (one line per change).
fn tunnel_line(t: &crate::tunnel::TunnelStatus) -> String {
    let kind = t.kind.as_deref().unwrap_or("tunnel");
    match (t.state.as_str(), &t.public_url) {
        ("up", Some(url)) => match &t.previous_url {
            Some(old) if t.changed_at_us.is_some() => {
                format!("Public    {url}   ({kind}; it was {old}: update the webhook URL in your provider's dashboard)")
            }
            _ => format!("Public    {url}   ({kind}; paste it in your provider's dashboard)"),
        },
        ("starting", _) => format!("Tunnel    starting {kind}…"),
        ("reconnecting", _) => {
            format!("Tunnel    {kind} reconnecting: {}", t.error.as_deref().unwrap_or("it exited"))
        }
        ("down", _) => format!("Tunnel    {kind} down: {}", t.error.as_deref().unwrap_or("it could not start")),
        _ => String::new(),
    }
}

/// Ctrl-C, or (on Unix) SIGTERM as service managers send.
async fn shutdown_signal() {
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
}
