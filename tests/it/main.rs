//! Integration tests of the core over real loopback sockets and real SQLite
//! files. One binary; its modules mirror `src/`.

mod api;
mod bore;
mod capture;
mod cli;
mod crash;
mod export;
mod forward;
mod hostile;
mod readme;
mod replay;
mod router;
mod signature;
mod store;
mod support;
mod tunnel;
