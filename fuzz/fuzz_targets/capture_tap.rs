//! The capture head tap on arbitrary bytes arriving in reads of any size:
//! no panic, and a head it saw whole is found in arrival order and case
//! (`hookscope::capture::fuzz::fuzz_head_tap`).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    hookscope::capture::fuzz::fuzz_head_tap(data);
});
