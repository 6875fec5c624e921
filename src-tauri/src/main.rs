//! Hookscope's desktop window: the core (store, capture listener, control
//! operations) runs in-process on Tauri's runtime, the UI reaches it through a
//! few one-line commands, and new deliveries arrive as coalesced events.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod core;
mod log;

use tauri::Manager as _;

// The same allocator as the `hookscope` binary: the capture path runs here too.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // Kept alive for the whole run: dropping it flushes and stops the log writer.
    let _log = log::init(&hookscope::app::home_dir());
    tauri::Builder::default()
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .setup(|app| {
            let settings_path = app.path().app_config_dir()?.join("settings.json");
            app.manage(core::Core::new(settings_path));
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                let remembered = handle.state::<core::Core>().settings().capture_port;
                core::start(&handle, core::first_capture_addr(remembered)).await;
            });
            Ok(())
        })
        // The list is generated from src/commands.rs by build.rs.
        .invoke_handler(include!(concat!(env!("OUT_DIR"), "/handler.rs")))
        .run(tauri::generate_context!())
        .expect("Hookscope's window could not start");
}
