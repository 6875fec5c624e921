//! A desktop app has no visible stderr, so its log goes to a file in the data
//! folder: `logs/hookscope.YYYY-MM-DD.log`, one per day, the last seven kept.
//! `RUST_LOG` filters it as usual (default `info`).

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::EnvFilter;

/// Starts logging to the daily file (and to stderr, for `make run`); the
/// guard flushes the file when dropped.
pub fn init(home: &Path) -> Option<WorkerGuard> {
    let dir = home.join("logs");
    // Logs name paths and errors, not payloads; still, only the owner reads them.
    hookscope::fsutil::private_dir(&dir).ok()?;
    let appender = Builder::new()
        .rotation(Rotation::DAILY)
        .filename_prefix("hookscope")
        .filename_suffix("log")
        .max_log_files(7)
        .build(&dir)
        .ok()?;
    let (file, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(tracing_subscriber::fmt::writer::MakeWriterExt::and(file, std::io::stderr))
        .finish();
    tracing::subscriber::set_global_default(subscriber).ok()?;
    tracing::info!(version = env!("CARGO_PKG_VERSION"), log = %dir.display(), "Hookscope desktop starting");
    Some(guard)
}
