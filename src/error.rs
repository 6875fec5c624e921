//! The library's error type. Each variant decides, once, how it crosses to a
//! client: a stable `code` the UI and scripts can react to, the HTTP status,
//! and a message safe to show (internal details go to the log instead). The
//! HTTP API and the desktop commands both use [`Error::public`].

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;
use ts_rs::TS;
use utoipa::ToSchema;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no {what} {id}")]
    NotFound { what: &'static str, id: String },
    #[error("not a delivery id: {0:?} (expected dlv_ followed by 13 characters)")]
    InvalidId(String),
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    #[error("the store is full (the database reached its size cap)")]
    StoreFull,
    #[error("the store did not commit in time")]
    StoreTimeout,
    #[error("the store has stopped")]
    StoreClosed,
    #[error("could not write to the store: {0}")]
    Write(String),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("unexpected value in the database: {0}")]
    Value(#[from] rusqlite::types::FromSqlError),
    #[error("no database at {0} (run `hookscope serve` first, or pass --db)")]
    NoDatabase(PathBuf),
    #[error("database {path} was written by a newer Hookscope (schema {found}, this build knows {known})")]
    SchemaTooNew { path: PathBuf, found: i64, known: i64 },
    #[error("no Hookscope runs on {0} (start `hookscope serve` or the desktop app first)")]
    NotRunning(PathBuf),
    #[error(
        "Hookscope already runs on this database (pid {pid}, control API {api_url}): use that one, or pass another --db"
    )]
    AlreadyRunning { pid: u32, api_url: String },
    /// The running instance's control API refused what the CLI asked of it.
    #[error("{}", .0.message)]
    Remote(ErrorBody),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{tool} is not installed: {hint}")]
    ToolMissing { tool: &'static str, hint: &'static str },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// A stable, machine-readable code for this kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotFound { .. } => "not_found",
            Error::InvalidId(_) => "invalid_id",
            Error::InvalidArgument(_) => "invalid_argument",
            Error::StoreFull => "store_full",
            Error::StoreTimeout => "store_timeout",
            Error::StoreClosed => "store_closed",
            Error::Write(_) => "write_failed",
            Error::Sqlite(_) | Error::Value(_) => "database",
            Error::NoDatabase(_) => "no_database",
            Error::SchemaTooNew { .. } => "schema_too_new",
            Error::AlreadyRunning { .. } => "already_running",
            Error::NotRunning(_) => "not_running",
            Error::Remote(_) => "remote",
            Error::Bind { .. } => "bind",
            Error::ToolMissing { .. } => "tool_not_installed",
            Error::Io { .. } => "io",
        }
    }

    pub fn not_found(what: &'static str, id: impl fmt::Display) -> Self {
        Error::NotFound { what, id: id.to_string() }
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> u16 {
        match self {
            Error::NotFound { .. } => 404,
            Error::InvalidId(_) | Error::InvalidArgument(_) | Error::ToolMissing { .. } => 400,
            Error::Remote(_) => 502,
            e if e.is_retryable() => 503,
            _ => 500,
        }
    }

    /// What a client is told: the code and a message that leaks nothing. A
    /// 500's details are logged here and replaced by "internal error".
    pub fn public(&self) -> ErrorBody {
        let message = if self.status() == 500 {
            tracing::error!(error = %self, code = self.code(), "internal error");
            "internal error".to_owned()
        } else {
            self.to_string()
        };
        ErrorBody { code: self.code().to_owned(), message }
    }

    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io { context: context.into(), source }
    }

    /// Whether the store refused for a reason a sender's retry can fix later.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::StoreFull | Error::StoreTimeout | Error::StoreClosed | Error::Write(_) | Error::Sqlite(_))
    }
}

/// How every error crosses to a client, over HTTP and Tauri alike.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, TS, ToSchema)]
pub struct ErrorBody {
    /// Stable and machine-readable: `not_found`, `invalid_argument`, `invalid_body`…
    pub code: String,
    pub message: String,
}

impl ErrorBody {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorBody { code: code.into(), message: message.into() }
    }
}
