//! Every signature header parser on arbitrary bytes: the first byte picks the
//! provider (past the last, all of them), the rest is a header value and a
//! body split at the first 0xFF. The only assertion is "no panic".

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    hookscope::signature::fuzz_parsers(data);
});
