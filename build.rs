//! Rebuilds the crate when the browser UI is built. `src/api/ui.rs` embeds
//! `ui/dist` with rust-embed, whose derive reads the folder only when the
//! crate compiles (release builds; debug builds read it at run time), and
//! nothing else tells cargo the folder appeared: a binary built before the UI
//! would stay without it however often cargo ran again.

use std::path::Path;

fn main() {
    // Cargo reruns this script, and so recompiles the crate, when a watched
    // path changed since the script last ran; for a folder it takes the newest
    // mtime of everything in it, the folder itself included. A watched path
    // that does not exist counts as changed on every build, so `ui/dist` is
    // watched only once it exists. Until then `ui` is: creating `dist` in it
    // changes its mtime (edits under `ui/` rebuild the crate too, but only
    // while the UI has not been built).
    let watched = ["ui/dist", "ui"].into_iter().find(|p| Path::new(p).is_dir()).unwrap_or("build.rs");
    println!("cargo::rerun-if-changed={watched}");
}
