//! What changed between two requests — a delivery as captured, or the
//! request an attempt sent: method, URL, headers (added, removed, changed,
//! by name in order) and the body, as a line diff (JSON pretty-printed first,
//! so a changed field is one line).

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

use crate::model::Header;

/// One side of a diff.
#[derive(Debug, Clone)]
pub struct Side {
    /// `dlv_…` or `att_…`.
    pub id: String,
    pub method: String,
    pub url: String,
    pub headers: Vec<Header>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Change {
    pub a: String,
    pub b: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HeaderOp {
    Added,
    Removed,
    Changed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct HeaderChange {
    pub op: HeaderOp,
    pub name: String,
    /// The value on side a (absent when added).
    pub a: Option<String>,
    pub b: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineOp {
    Same,
    Removed,
    Added,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct BodyLine {
    pub op: LineOp,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct BodyDiff {
    pub same: bool,
    /// Both bodies were JSON and are compared pretty-printed.
    pub json: bool,
    /// Either body is not text: only sizes are compared.
    pub binary: bool,
    pub a_size: u64,
    pub b_size: u64,
    /// Every line of the (pretty) bodies with its op; empty when binary.
    pub lines: Vec<BodyLine>,
}

/// `hookscope diff A B` and `GET /api/diff?a=…&b=…`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Diff {
    pub a: String,
    pub b: String,
    pub method: Option<Change>,
    pub url: Option<Change>,
    pub headers: Vec<HeaderChange>,
    pub body: BodyDiff,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.method.is_none() && self.url.is_none() && self.headers.is_empty() && self.body.same
    }
}

fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}

fn change(a: &str, b: &str) -> Option<Change> {
    (a != b).then(|| Change { a: a.to_owned(), b: b.to_owned() })
}

/// Headers compared by name (case-insensitively), occurrence by occurrence:
/// the n-th `X-A` of one side against the n-th of the other.
fn headers(a: &[Header], b: &[Header]) -> Vec<HeaderChange> {
    let nth = |list: &[Header], name: &str, n: usize| {
        list.iter().filter(|h| h.name.eq_ignore_ascii_case(name)).nth(n).map(|h| text(&h.value))
    };
    let ordinal =
        |list: &[Header], i: usize| list[..i].iter().filter(|h| h.name.eq_ignore_ascii_case(&list[i].name)).count();
    let mut out = Vec::new();
    for (i, h) in a.iter().enumerate() {
        let n = ordinal(a, i);
        match nth(b, &h.name, n) {
            None => {
                out.push(HeaderChange { op: HeaderOp::Removed, name: h.name.clone(), a: Some(text(&h.value)), b: None })
            }
            Some(other) if other.as_bytes() != h.value.as_slice() => out.push(HeaderChange {
                op: HeaderOp::Changed,
                name: h.name.clone(),
                a: Some(text(&h.value)),
                b: Some(other),
            }),
            Some(_) => {}
        }
    }
    for (i, h) in b.iter().enumerate() {
        if nth(a, &h.name, ordinal(b, i)).is_none() {
            out.push(HeaderChange { op: HeaderOp::Added, name: h.name.clone(), a: None, b: Some(text(&h.value)) });
        }
    }
    out
}

fn pretty(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    serde_json::to_string_pretty(&value).ok()
}

fn body(a: &[u8], b: &[u8]) -> BodyDiff {
    let (a_size, b_size) = (a.len() as u64, b.len() as u64);
    let same = a == b;
    let (ta, tb) = match (std::str::from_utf8(a), std::str::from_utf8(b)) {
        (Ok(ta), Ok(tb)) => (ta, tb),
        _ => return BodyDiff { same, json: false, binary: true, a_size, b_size, lines: Vec::new() },
    };
    let (pa, pb) = (pretty(a), pretty(b));
    let json = pa.is_some() && pb.is_some() && !(a.is_empty() && b.is_empty());
    let (ta, tb) = if json { (pa.unwrap_or_default(), pb.unwrap_or_default()) } else { (ta.to_owned(), tb.to_owned()) };
    let lines = similar::TextDiff::from_lines(&ta, &tb)
        .iter_all_changes()
        .map(|c| BodyLine {
            op: match c.tag() {
                similar::ChangeTag::Equal => LineOp::Same,
                similar::ChangeTag::Delete => LineOp::Removed,
                similar::ChangeTag::Insert => LineOp::Added,
            },
            text: c.value().trim_end_matches(['\r', '\n']).to_owned(),
        })
        .collect();
    BodyDiff { same, json, binary: false, a_size, b_size, lines }
}

pub fn diff(a: &Side, b: &Side) -> Diff {
    Diff {
        a: a.id.clone(),
        b: b.id.clone(),
        method: change(&a.method, &b.method),
        url: change(&a.url, &b.url),
        headers: headers(&a.headers, &b.headers),
        body: body(&a.body, &b.body),
    }
}

/// One side as stored: a delivery (`dlv_…`) as captured, or an attempt's
/// (`att_…`) request as sent.
pub fn read_side(conn: &rusqlite::Connection, id: &str) -> crate::error::Result<Side> {
    if id.starts_with("att_") {
        let a = crate::store::get_attempt(conn, id.parse()?)?;
        return Ok(Side {
            id: id.to_owned(),
            method: a.summary.method,
            url: a.summary.url,
            headers: a.request.headers,
            body: a.request.body.0,
        });
    }
    let d = crate::store::get_delivery(conn, id.parse()?)?;
    let s = &d.head.summary;
    let url = match &s.query {
        Some(q) => format!("{}?{q}", s.path),
        None => s.path.clone(),
    };
    Ok(Side { id: id.to_owned(), method: s.method.clone(), url, headers: d.head.headers, body: d.body.0 })
}

pub fn read_diff(readers: &crate::store::Readers, a: &str, b: &str) -> crate::error::Result<Diff> {
    Ok(diff(&readers.with(|c| read_side(c, a))?, &readers.with(|c| read_side(c, b))?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(id: &str, method: &str, headers: &[(&str, &str)], body: &str) -> Side {
        Side {
            id: id.into(),
            method: method.into(),
            url: "/a".into(),
            headers: headers.iter().map(|(n, v)| Header::new(*n, *v)).collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn headers_and_a_json_field_show_as_what_changed() {
        let a = side(
            "a",
            "POST",
            &[("X-A", "1"), ("X-Gone", "g"), ("X-R", "1"), ("X-R", "2")],
            r#"{"amount":100,"id":"e"}"#,
        );
        let b = side("b", "PUT", &[("x-a", "2"), ("X-R", "1"), ("X-New", "n")], r#"{"id":"e","amount":-1}"#);
        let d = diff(&a, &b);
        assert_eq!(d.method, Some(Change { a: "POST".into(), b: "PUT".into() }));
        assert_eq!(d.url, None);
        let ops: Vec<(HeaderOp, &str)> = d.headers.iter().map(|h| (h.op, h.name.as_str())).collect();
        assert_eq!(
            ops,
            [
                (HeaderOp::Changed, "X-A"),
                (HeaderOp::Removed, "X-Gone"),
                (HeaderOp::Removed, "X-R"),
                (HeaderOp::Added, "X-New")
            ]
        );
        assert!(d.body.json);
        let changed: Vec<(LineOp, &str)> =
            d.body.lines.iter().filter(|l| l.op != LineOp::Same).map(|l| (l.op, l.text.trim())).collect();
        assert_eq!(changed, [(LineOp::Removed, r#""amount": 100,"#), (LineOp::Added, r#""amount": -1,"#)]);
    }

    #[test]
    fn identical_requests_have_an_empty_diff_and_binary_bodies_compare_by_bytes() {
        let a = side("a", "POST", &[("X", "1")], "same");
        assert!(diff(&a, &a.clone()).is_empty());
        let mut bin = a.clone();
        bin.body = vec![0xff, 0x00];
        let d = diff(&a, &bin);
        assert!(d.body.binary && !d.body.same && d.body.lines.is_empty());
    }
}
