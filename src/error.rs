//! The library's error type. Each variant carries a stable `code` so the UI and
//! the control API can react to a kind of failure without parsing messages.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no delivery with id {0}")]
    NotFound(String),
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
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
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
            Error::NotFound(_) => "not_found",
            Error::InvalidId(_) => "invalid_id",
            Error::InvalidArgument(_) => "invalid_argument",
            Error::StoreFull => "store_full",
            Error::StoreTimeout => "store_timeout",
            Error::StoreClosed => "store_closed",
            Error::Write(_) => "write_failed",
            Error::Sqlite(_) | Error::Value(_) => "database",
            Error::NoDatabase(_) => "no_database",
            Error::SchemaTooNew { .. } => "schema_too_new",
            Error::Bind { .. } => "bind",
            Error::Io { .. } => "io",
        }
    }

    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io { context: context.into(), source }
    }

    /// Whether the store refused for a reason a sender's retry can fix later.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::StoreFull | Error::StoreTimeout | Error::StoreClosed | Error::Write(_) | Error::Sqlite(_))
    }
}
