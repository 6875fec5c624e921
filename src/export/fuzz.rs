//! The import parsers on arbitrary bytes, for `fuzz/` and for the proptest
//! beside it: no input panics, and whatever is read back from a file goes
//! out as Hookscope's JSON and in again unchanged.

use crate::model::{Base64, Delivery, DeliveryHead, DeliveryId, DeliverySummary, SentResponse, decode_headers};

pub fn fuzz_import(data: &[u8]) {
    let mut read = Vec::new();
    let _ = super::parse(std::io::Cursor::new(data), 0, &mut |d| {
        read.push(d);
        Ok(())
    });
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = super::import::curl_command(text, 0);
    }
    let _ = super::import::har_stream(std::io::Cursor::new(data), 0, &mut |_| Ok(()));
    for d in read {
        let delivery = Delivery {
            head: DeliveryHead {
                summary: DeliverySummary {
                    id: DeliveryId(1),
                    received_at_us: d.received_at_us,
                    method: d.method.clone(),
                    path: d.path.clone(),
                    query: d.query.clone(),
                    status: 200,
                    body_size: d.body_size,
                    content_type: None,
                    truncated: d.truncated,
                    pinned: false,
                    provider: None,
                    verdict: None,
                    event_id: None,
                    duplicates: 0,
                    forward: None,
                },
                http_version: d.http_version.clone(),
                remote_addr: None,
                duration_us: 0,
                headers: decode_headers(&d.headers),
                response: SentResponse { status: 200, headers: Vec::new(), body: String::new() },
                source: None,
                tls: false,
            },
            body: Base64(d.body.clone()),
            body_text: None,
        };
        let json = super::one(&super::Item { delivery: &delivery, url: String::new() }, super::Format::Json);
        let mut again = Vec::new();
        super::parse(std::io::Cursor::new(json), 0, &mut |x| {
            again.push(x);
            Ok(())
        })
        .expect("Hookscope's own JSON reads back");
        assert_eq!(again.len(), 1);
        let back = &again[0];
        assert_eq!((&back.method, &back.path, &back.query), (&d.method, &d.path, &d.query));
        assert_eq!(back.headers, d.headers);
        assert_eq!(back.body, d.body);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn arbitrary_files_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
            super::fuzz_import(&data);
        }

        #[test]
        fn arbitrary_raw_requests_round_trip(method in "[A-Z]{1,7}", path in "/[a-z0-9/%._-]{0,30}", body in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut raw = format!("{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
            raw.extend_from_slice(&body);
            super::fuzz_import(&raw);
        }
    }
}
