//! The import parsers (HAR, raw HTTP, cURL, JSON) on arbitrary bytes: no
//! panic, and what they read goes out and in again as Hookscope's JSON
//! unchanged (`hookscope::export::fuzz::fuzz_import`).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    hookscope::export::fuzz::fuzz_import(data);
});
