//! The `hookscope` command line: argument parsing and dispatch, nothing else.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use hookscope::app::{ServeConfig, default_db_path};
use hookscope::cli::replay::{self, ReplayArgs};
use hookscope::cli::signature::{SignArgs, VerifyArgs, run_sign, run_verify};
use hookscope::cli::{self, ShowFormat};
use hookscope::store::Durability;

// glibc's malloc was a fifth of the capture path's CPU (per-request header,
// body and reply buffers freed on other threads); mimalloc's thread-local
// free lists make that a few percent.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "hookscope", version, about = "Capture, inspect, verify and replay webhooks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run headless: capture listener, store and control API (with the UI).
    Serve(ServeArgs),
    /// List stored deliveries, newest first.
    List {
        #[arg(long, env = "HOOKSCOPE_DB")]
        db: Option<PathBuf>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Show one delivery.
    Show {
        id: String,
        #[arg(long, env = "HOOKSCOPE_DB")]
        db: Option<PathBuf>,
        #[arg(long, conflicts_with = "body")]
        json: bool,
        /// Write exactly the body's bytes to stdout, nothing else.
        #[arg(long)]
        body: bool,
    },
    /// Verify a webhook signature and explain a failure (exit 0 valid, 1 not, 2 usage).
    Verify {
        #[command(flatten)]
        args: Box<VerifyArgs>,
        /// The database `--delivery` is read from.
        #[arg(long, env = "HOOKSCOPE_DB")]
        db: Option<PathBuf>,
    },
    /// Print the headers that sign a body for a provider, one `Name: value` per line.
    Sign(Box<SignArgs>),
    /// Send a stored delivery again (as captured, edited, or re-signed) and record the attempt.
    /// Exit 0 on a 2xx answer, 1 on any other answer or none, 2 on a usage error or unknown id.
    Replay(Box<ReplayArgs>),
    /// What differs between two requests: deliveries (dlv_…, as captured) or attempts (att_…, as sent).
    /// Exit 0 when they are the same, 1 when they differ, 2 on an unknown id.
    Diff {
        a: String,
        b: String,
        #[arg(long, env = "HOOKSCOPE_DB")]
        db: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// A delivery's attempts (replays), oldest first.
    Attempts {
        id: String,
        #[arg(long, env = "HOOKSCOPE_DB")]
        db: Option<PathBuf>,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Write deliveries as cURL, HTTPie, raw HTTP, JSON, NDJSON or HAR 1.2: these IDs, or every one
    /// the filters match (the newest --limit, oldest first).
    Export {
        ids: Vec<String>,
        #[arg(long, value_enum, default_value_t = FormatArg::Curl)]
        format: FormatArg,
        #[arg(long)]
        method: Option<String>,
        /// A path prefix.
        #[arg(long)]
        path: Option<String>,
        /// A code (404) or a class (4xx).
        #[arg(long)]
        status: Option<String>,
        /// Words to find in path, headers and bodies.
        #[arg(long)]
        q: Option<String>,
        #[arg(long)]
        limit: Option<u64>,
        /// Write here instead of stdout.
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[arg(long, env = "HOOKSCOPE_DB")]
        db: Option<PathBuf>,
    },
    /// Import a HAR, a raw HTTP request, a cURL command line or Hookscope's JSON/NDJSON (`-`: stdin).
    /// Prints the new ids, one per line. A file that can't be read imports nothing (exit 1).
    Import {
        file: String,
        #[arg(long, env = "HOOKSCOPE_DB")]
        db: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Send a realistic sample event, signed as the provider signs it: to the running instance (its
    /// endpoint's secret, set up when missing) or --to URL. --list shows the events.
    Trigger {
        /// stripe, github, gitlab, slack, discord, paypal, standard-webhooks, shopify, twilio.
        provider: Option<hookscope::signature::Provider>,
        /// The event (default: the provider's first in --list).
        event: Option<String>,
        /// Where to send it (an origin gets the path /PROVIDER).
        #[arg(long)]
        to: Option<String>,
        /// The secret to sign with (default: the endpoint's, or a new test secret with --to).
        #[arg(long)]
        secret: Option<String>,
        #[arg(long)]
        list: bool,
        #[arg(long)]
        json: bool,
        #[arg(long, env = "HOOKSCOPE_DB")]
        db: Option<PathBuf>,
    },
    /// The tunnels that point at the capture address, with their public URLs (exit 1 when none).
    Tunnel {
        /// The capture listener's address.
        #[arg(long, default_value = "127.0.0.1:8787")]
        capture: SocketAddr,
        /// A running ngrok agent's API (default: 127.0.0.1:4040, then 4041…4045).
        #[arg(long, value_name = "URL", env = "HOOKSCOPE_NGROK_API")]
        ngrok_api: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The forwarding queue: counts per target and state (queued, retrying, delivered, failed, dead).
    Queue {
        #[arg(long, env = "HOOKSCOPE_DB")]
        db: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Print a fresh one-time link that signs a browser in to the running instance's UI.
    Open {
        #[arg(long, env = "HOOKSCOPE_DB")]
        db: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Where webhooks are received. Non-loopback addresses are public.
    #[arg(long, default_value = "127.0.0.1:8787")]
    capture: SocketAddr,
    /// The control API and UI (loopback only).
    #[arg(long, default_value = "127.0.0.1:8788")]
    api: SocketAddr,
    #[arg(long, env = "HOOKSCOPE_DB")]
    db: Option<PathBuf>,
    /// Largest body accepted; larger ones get 413 and a truncated record.
    #[arg(long, default_value_t = 25 * 1024 * 1024)]
    max_body: u64,
    #[arg(long, value_enum, default_value_t = DurabilityArg::Normal)]
    durability: DurabilityArg,
    /// Keep at most this many deliveries (oldest unpinned pruned first).
    #[arg(long, default_value_t = 1_000_000)]
    max_deliveries: u64,
    /// Keep at most this many header + body bytes.
    #[arg(long, default_value_t = 5 * 1024 * 1024 * 1024)]
    max_bytes: u64,
    /// Refuse captures (503) once the database file reaches this size.
    #[arg(long)]
    max_db_bytes: Option<u64>,
    /// The status of the acknowledgement sent once a delivery is stored.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u16).range(200..300))]
    ack_status: u16,
    /// Forward every delivery here for this run (the default rule's target), e.g.
    /// http://127.0.0.1:3000: an origin keeps each delivery's path and query.
    #[arg(long, value_name = "URL")]
    forward_to: Option<String>,
    /// Passthrough rules: seconds the sender waits for the target before a 504.
    #[arg(long, default_value_t = 10.0, value_name = "SECS")]
    passthrough_timeout: f64,
    /// Also capture over HTTPS here (rustls; a self-signed certificate for localhost is made on
    /// first use in the data folder's tls/, or give --tls-cert and --tls-key).
    #[arg(long, value_name = "ADDR")]
    https: Option<SocketAddr>,
    #[arg(long, value_name = "PEM", requires = "https")]
    tls_cert: Option<PathBuf>,
    #[arg(long, value_name = "PEM", requires = "https")]
    tls_key: Option<PathBuf>,
    /// The ngrok agent API to follow for the public URL (default: 127.0.0.1:4040, then 4041…4045).
    #[arg(long, value_name = "URL", env = "HOOKSCOPE_NGROK_API")]
    ngrok_api: Option<String>,
    /// Start a tunnel to the capture port and keep it running (restarted with backoff; stopped
    /// with Hookscope): ngrok, cloudflared or bore.
    #[arg(long, value_enum, value_name = "TOOL")]
    tunnel: Option<TunnelArg>,
    /// bore's server, HOST[:PORT] (PORT: the public port to ask for; default bore.pub).
    #[arg(long, value_name = "HOST[:PORT]")]
    bore_to: Option<String>,
    /// bore's server secret.
    #[arg(long, env = "BORE_SECRET", hide_env_values = true)]
    bore_secret: Option<String>,
    /// A forward not delivered this long after arriving is given up (dead): 90s, 30m, 24h.
    #[arg(long, default_value = "24h", value_parser = parse_duration, value_name = "DURATION")]
    forward_give_up: Duration,
}

/// `90`, `90s`, `30m`, `24h`.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let (digits, unit) = s.trim().split_at(s.trim().find(|c: char| !c.is_ascii_digit()).unwrap_or(s.trim().len()));
    let n: u64 = digits.parse().map_err(|_| format!("{s:?}: give a number of seconds, or like 30m or 24h"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("{s:?}: the unit is s, m, h or d")),
    };
    Ok(Duration::from_secs(secs))
}

/// `--format` of `export`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    Curl,
    Httpie,
    Raw,
    Json,
    Ndjson,
    Har,
}

impl From<FormatArg> for hookscope::export::Format {
    fn from(f: FormatArg) -> Self {
        use hookscope::export::Format;
        match f {
            FormatArg::Curl => Format::Curl,
            FormatArg::Httpie => Format::Httpie,
            FormatArg::Raw => Format::Raw,
            FormatArg::Json => Format::Json,
            FormatArg::Ndjson => Format::Ndjson,
            FormatArg::Har => Format::Har,
        }
    }
}

/// `--tunnel`: the tool to start.
#[derive(Clone, Copy, clap::ValueEnum)]
enum TunnelArg {
    Ngrok,
    Cloudflared,
    Bore,
}

impl From<TunnelArg> for hookscope::tunnel::TunnelKind {
    fn from(t: TunnelArg) -> Self {
        use hookscope::tunnel::TunnelKind;
        match t {
            TunnelArg::Ngrok => TunnelKind::Ngrok,
            TunnelArg::Cloudflared => TunnelKind::Cloudflared,
            TunnelArg::Bore => TunnelKind::Bore,
        }
    }
}

/// `--durability`: the store's [`Durability`], spelled for the command line.
#[derive(Clone, Copy, clap::ValueEnum)]
enum DurabilityArg {
    /// fsync at checkpoints only: survives a killed process, not a power cut.
    Normal,
    /// fsync every group commit: survives a power cut.
    Full,
}

impl From<DurabilityArg> for Durability {
    fn from(arg: DurabilityArg) -> Self {
        match arg {
            DurabilityArg::Normal => Durability::Normal,
            DurabilityArg::Full => Durability::Full,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Logs go to stderr, filtered by RUST_LOG; `serve` says what it does
    // (info), the one-shot commands only what went wrong (warn).
    let level = if matches!(cli.command, Command::Serve(_)) { "info" } else { "warn" };
    cli::init_logging(level);
    let result = match cli.command {
        Command::Verify { args, db } => return verify(&args, db),
        Command::Sign(args) => {
            let code = run_sign(&args, &mut std::io::stdin(), &mut std::io::stdout(), &mut std::io::stderr());
            return ExitCode::from(code as u8);
        }
        Command::Serve(args) => serve(args),
        Command::Replay(args) => {
            let db = args.db.clone().unwrap_or_else(default_db_path);
            let code = match runtime() {
                Ok(rt) => rt.block_on(replay::run_replay(
                    &args,
                    &db,
                    &mut std::io::stdin(),
                    &mut std::io::stdout(),
                    &mut std::io::stderr(),
                )),
                Err(e) => {
                    let _ = writeln!(std::io::stderr(), "hookscope: {e}");
                    replay::EXIT_USAGE
                }
            };
            return ExitCode::from(code as u8);
        }
        Command::Diff { a, b, db, json } => {
            let db = db.unwrap_or_else(default_db_path);
            let code = match runtime() {
                Ok(rt) => {
                    rt.block_on(replay::run_diff(&db, &a, &b, json, &mut std::io::stdout(), &mut std::io::stderr()))
                }
                Err(_) => replay::EXIT_USAGE,
            };
            return ExitCode::from(code as u8);
        }
        Command::Attempts { id, db, json } => {
            return match replay::attempts(&db.unwrap_or_else(default_db_path), &id, json, &mut std::io::stdout().lock())
            {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    let _ = writeln!(std::io::stderr(), "hookscope: {e}");
                    ExitCode::from(replay::EXIT_USAGE as u8)
                }
            };
        }
        Command::Export { ids, format, method, path, status, q, limit, output, db } => {
            let query = hookscope::api::ExportQuery {
                format: Some(format.into()),
                ids: (!ids.is_empty()).then(|| ids.join(",")),
                method,
                path,
                status,
                q,
                limit,
            };
            let db = db.unwrap_or_else(default_db_path);
            match output {
                Some(file) => std::fs::File::create(&file)
                    .map_err(|e| hookscope::Error::Io { context: format!("creating {}", file.display()), source: e })
                    .and_then(|mut f| cli::export::export(&db, &query, &mut f).map(drop)),
                None => cli::export::export(&db, &query, &mut std::io::stdout().lock()).map(drop),
            }
        }
        Command::Import { file, db, json } => runtime().and_then(|rt| {
            let report = rt.block_on(cli::export::import(&db.unwrap_or_else(default_db_path), &file))?;
            let mut out = std::io::stdout().lock();
            let written = if json {
                serde_json::to_string(&report).map_err(std::io::Error::other).and_then(|j| writeln!(out, "{j}"))
            } else {
                report.ids.iter().try_for_each(|id| writeln!(out, "{id}"))
            };
            written.map_err(|e| hookscope::Error::Io { context: "writing output".into(), source: e })
        }),
        Command::Trigger { provider, event, to, secret, list, json, db } => {
            if list || provider.is_none() {
                cli::trigger::list(provider, json, &mut std::io::stdout().lock())
            } else {
                let provider = provider.unwrap_or(hookscope::signature::Provider::Stripe);
                runtime().and_then(|rt| {
                    let t = rt.block_on(cli::trigger::trigger(
                        &db.unwrap_or_else(default_db_path),
                        provider,
                        event.as_deref(),
                        to.as_deref(),
                        secret.as_deref(),
                    ))?;
                    let mut out = std::io::stdout().lock();
                    let line = if json {
                        serde_json::to_string(&t).unwrap_or_default()
                    } else {
                        let answer = match (&t.status, &t.error) {
                            (Some(s), _) => format!("{s} {}", t.response.trim()),
                            (None, Some(e)) => format!("no answer: {e}"),
                            _ => String::new(),
                        };
                        let setup = t
                            .endpoint_created
                            .as_ref()
                            .map(|p| format!("\nset up endpoint {p} ({})", t.provider))
                            .unwrap_or_default();
                        format!(
                            "sent {} {} to {}\n{answer}\nverify with {}{setup}",
                            t.provider, t.event, t.url, t.verify_with
                        )
                    };
                    let ok = t.status.is_some_and(|s| (200..300).contains(&s));
                    let _ = writeln!(out, "{line}");
                    if ok {
                        Ok(())
                    } else {
                        Err(hookscope::Error::InvalidArgument("the target did not answer 2xx".into()))
                    }
                })
            }
        }
        Command::Tunnel { capture, ngrok_api, json } => runtime().and_then(|rt| {
            rt.block_on(cli::tunnel::tunnel(capture, ngrok_api.as_deref(), json, &mut std::io::stdout().lock()))
        }),
        Command::Queue { db, json } => runtime().and_then(|rt| {
            rt.block_on(cli::queue::queue(&db.unwrap_or_else(default_db_path), json, &mut std::io::stdout().lock()))
        }),
        Command::Open { db } => runtime()
            .and_then(|rt| rt.block_on(cli::open(&db.unwrap_or_else(default_db_path), &mut std::io::stdout().lock()))),
        Command::List { db, limit, json } => {
            cli::list(&db.unwrap_or_else(default_db_path), limit, json, &mut std::io::stdout().lock())
        }
        Command::Show { id, db, json, body } => {
            let format = if body {
                ShowFormat::Body
            } else if json {
                ShowFormat::Json
            } else {
                ShowFormat::Text
            };
            cli::show(&db.unwrap_or_else(default_db_path), &id, format, &mut std::io::stdout().lock())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that went away (`| head`) is not an error worth reporting.
        Err(hookscope::Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "hookscope: {e}");
            ExitCode::FAILURE
        }
    }
}

fn verify(args: &VerifyArgs, db: Option<PathBuf>) -> ExitCode {
    let stored = match &args.delivery {
        None => None,
        Some(id) => match cli::stored_request(&db.unwrap_or_else(default_db_path), id) {
            Ok(request) => Some(request),
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "hookscope: {e}");
                return ExitCode::from(2);
            }
        },
    };
    let code = run_verify(args, stored, &mut std::io::stdin(), &mut std::io::stdout(), &mut std::io::stderr());
    ExitCode::from(code as u8)
}

fn serve(args: ServeArgs) -> hookscope::Result<()> {
    let mut config = ServeConfig::new(args.db.unwrap_or_else(default_db_path));
    config.capture.addr = args.capture;
    config.capture.max_body = args.max_body;
    config.capture.ack_status = args.ack_status;
    config.api_addr = args.api;
    config.store.durability = args.durability.into();
    config.store.max_deliveries = args.max_deliveries;
    config.store.max_bytes = args.max_bytes;
    config.store.max_db_bytes = args.max_db_bytes;
    if let Some(to) = args.forward_to {
        let url = url::Url::parse(&to).ok().filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
        if url.is_none() {
            return Err(hookscope::Error::InvalidArgument(format!(
                "--forward-to {to:?}: give an http:// or https:// URL, like http://127.0.0.1:3000"
            )));
        }
        config.forward.default_target = Some(to);
    }
    if !(args.passthrough_timeout > 0.0 && args.passthrough_timeout <= 300.0) {
        return Err(hookscope::Error::InvalidArgument("--passthrough-timeout: give 0 to 300 seconds".into()));
    }
    config.capture.passthrough_timeout = Duration::from_secs_f64(args.passthrough_timeout);
    config.forward.give_up = args.forward_give_up;
    config.ngrok_api = args.ngrok_api;
    config.tunnel = args.tunnel.map(|kind| {
        let mut spec = hookscope::tunnel::TunnelSpec::new(kind.into());
        spec.bore_to = args.bore_to.clone();
        spec.bore_secret = args.bore_secret.clone();
        spec
    });
    config.https = args.https.map(|addr| hookscope::app::HttpsConfig { addr, cert: args.tls_cert, key: args.tls_key });
    runtime()?.block_on(cli::serve::serve(config, &mut std::io::stdout()))
}

fn runtime() -> hookscope::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_keep_alive(Duration::from_secs(10))
        .build()
        .map_err(|e| hookscope::Error::Io { context: "starting the runtime".into(), source: e })
}
