//! The head tap on arbitrary bytes, for the cargo-fuzz target `capture_tap`
//! in `fuzz/` and the stable-toolchain property test that stands in for it.
//! Besides "no panic" it checks the tap's promise: a head it saw whole is
//! found, and handed out in arrival order and case.

use axum::http::{HeaderMap, HeaderName, HeaderValue, header};

use super::tap::{HeadTap, MAX_HEAD};

/// The first byte sets the size of the reads the bytes arrive in; the rest
/// is what a client sent.
pub fn fuzz_head_tap(data: &[u8]) {
    let Some((&step, bytes)) = data.split_first() else { return };
    let mut tap = HeadTap::default();
    for read in bytes.chunks(usize::from(step).max(1)) {
        tap.observe(read);
    }
    let mut slots = [httparse::EMPTY_HEADER; 128];
    let mut req = httparse::Request::new(&mut slots);
    let Ok(httparse::Status::Complete(_)) = req.parse(bytes) else {
        let _ = tap.take("POST", "/", &HeaderMap::new());
        return;
    };
    let mut parsed = HeaderMap::new();
    for h in req.headers.iter() {
        let (Ok(name), Ok(value)) = (HeaderName::from_bytes(h.name.as_bytes()), HeaderValue::from_bytes(h.value))
        else {
            return;
        };
        parsed.append(name, value);
    }
    let (method, target) = (req.method.unwrap_or_default(), req.path.unwrap_or_default());
    let block = tap.take(method, target, &parsed);
    // hyper rewrites Content-Length (see `parse_head`); this map does not.
    let plain = !parsed.contains_key(header::CONTENT_LENGTH);
    if plain && bytes.len() <= 2 * MAX_HEAD {
        let block = block.expect("a head the tap saw whole is found");
        let mut again = [httparse::EMPTY_HEADER; 128];
        let mut terminated = block.clone();
        terminated.extend_from_slice(b"\r\n");
        let Ok(httparse::Status::Complete((_, headers))) = httparse::parse_headers(&terminated, &mut again) else {
            panic!("the block handed out does not parse: {:?}", String::from_utf8_lossy(&block));
        };
        let sent: Vec<(&str, &[u8])> = req.headers.iter().map(|h| (h.name, h.value)).collect();
        let kept: Vec<(&str, &[u8])> = headers.iter().map(|h| (h.name, h.value)).collect();
        assert_eq!(sent, kept, "arrival order and case");
    }
    tap.skip_body(u64::from(step));
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_tap_never_panics_on_arbitrary_bytes(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            super::fuzz_head_tap(&data);
        }

        #[test]
        fn the_tap_finds_every_well_formed_head_however_it_arrives(
            step in any::<u8>(),
            names in proptest::collection::vec("[A-Za-z][A-Za-z0-9-]{0,12}", 0..12),
            values in proptest::collection::vec("[ -~]{0,20}", 12),
            lf in any::<bool>(),
        ) {
            let eol = if lf { "\n" } else { "\r\n" };
            let mut head = format!("POST /p?q=1 HTTP/1.1{eol}");
            for (n, v) in names.iter().zip(&values) {
                head.push_str(&format!("{n}: {}{eol}", v.trim()));
            }
            head.push_str(eol);
            let mut data = vec![step];
            data.extend_from_slice(head.as_bytes());
            super::fuzz_head_tap(&data);
        }
    }
}
