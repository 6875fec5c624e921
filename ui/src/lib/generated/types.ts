// Generated from Hookscope's Rust types by `make generated`; never edit by hand.
// The source of truth is the `#[derive(TS)]` types in src/ (model, signature, api).

/**
 * How a header crosses as JSON: `value` is the text when the bytes are valid
 * UTF-8; otherwise `value` is their base64 and `encoding` says so.
 */
export type Header = { name: string, value: string, encoding?: ValueEncoding, };

export type ValueEncoding = "base64";

/**
 * The short form shown in lists.
 */
export type DeliverySummary = { id: string, received_at_us: number, method: string, path: string, query: string | null, status: number, body_size: number, content_type: string | null, truncated: boolean, pinned: boolean, 
/**
 * Filled in moments after the ack by the store's inspection (inspect.rs).
 */
provider: string | null, 
/**
 * The signature verdict's kind, when a secret is set for the endpoint.
 */
verdict: string | null, event_id: string | null, 
/**
 * Other deliveries with the same event id (redeliveries), counted up to
 * 99: 99 means 99 or more.
 */
duplicates: number, 
/**
 * Where forwarding it stands, when a rule forwards it.
 */
forward: ForwardBadge | null, };

/**
 * A delivery without its body, for views that read the bytes separately: the
 * full form carries a 25 MiB body twice, as ~33 MB of base64 and as text.
 */
export type DeliveryHead = { http_version: string, remote_addr: string | null, duration_us: number, 
/**
 * In arrival order, original case, repeats kept.
 */
headers: Array<Header>, response: SentResponse, 
/**
 * Set on imported deliveries: the kind of file they came from.
 */
source: string | null, 
/**
 * It came in over TLS (the HTTPS capture listener).
 */
tls: boolean, id: string, received_at_us: number, method: string, path: string, query: string | null, status: number, body_size: number, content_type: string | null, truncated: boolean, pinned: boolean, 
/**
 * Filled in moments after the ack by the store's inspection (inspect.rs).
 */
provider: string | null, 
/**
 * The signature verdict's kind, when a secret is set for the endpoint.
 */
verdict: string | null, event_id: string | null, 
/**
 * Other deliveries with the same event id (redeliveries), counted up to
 * 99: 99 means 99 or more.
 */
duplicates: number, 
/**
 * Where forwarding it stands, when a rule forwards it.
 */
forward: ForwardBadge | null, };

/**
 * Everything stored about one delivery.
 */
export type Delivery = { 
/**
 * The body's bytes, base64.
 */
body: string, 
/**
 * The body as text when it is valid UTF-8.
 */
body_text: string | null, http_version: string, remote_addr: string | null, duration_us: number, 
/**
 * In arrival order, original case, repeats kept.
 */
headers: Array<Header>, response: SentResponse, 
/**
 * Set on imported deliveries: the kind of file they came from.
 */
source: string | null, 
/**
 * It came in over TLS (the HTTPS capture listener).
 */
tls: boolean, id: string, received_at_us: number, method: string, path: string, query: string | null, status: number, body_size: number, content_type: string | null, truncated: boolean, pinned: boolean, 
/**
 * Filled in moments after the ack by the store's inspection (inspect.rs).
 */
provider: string | null, 
/**
 * The signature verdict's kind, when a secret is set for the endpoint.
 */
verdict: string | null, event_id: string | null, 
/**
 * Other deliveries with the same event id (redeliveries), counted up to
 * 99: 99 means 99 or more.
 */
duplicates: number, 
/**
 * Where forwarding it stands, when a rule forwards it.
 */
forward: ForwardBadge | null, };

/**
 * What `GET /api/deliveries/{id}` answers: with the body unless asked not to.
 */
export type DeliveryReply = Delivery | DeliveryHead;

export type SentResponse = { status: number, headers: Array<Header>, body: string, };

export type Page<T = DeliverySummary> = { items: Array<T>, 
/**
 * The cursor for the next (older) page, if there is one.
 */
next: string | null, 
/**
 * Full-text searches only: how many of the newest deliveries the search
 * index had not reached, so were not searched; counted up to
 * [`UNSEARCHED_CAP`] (which means that many or more).
 */
unsearched?: number, 
/**
 * First pages only: how many deliveries match the filters in all;
 * exact without filters or with only a path prefix, else counted up to
 * [`TOTAL_CAP`] (which then means that many or more).
 */
total?: number, };

export type Stats = { count: number, 
/**
 * Header and body bytes stored.
 */
bytes: number, };

/**
 * Query parameters of a listing, as the API and the UI send them.
 */
export type ListQuery = { 
/**
 * At most this many (default 100, capped at 1,000 per page).
 */
limit?: number, 
/**
 * The `next` cursor of the previous page.
 */
before?: string, method?: string, 
/**
 * A path prefix.
 */
path?: string, 
/**
 * A code (`404`) or a class (`4xx`).
 */
status?: string, 
/**
 * Words to find in path, headers and text bodies.
 */
q?: string, };

/**
 * Where things can be reached, for the UI's header and empty state.
 */
export type Info = { version: string, capture_url: string, public_url: string | null, database: string, 
/**
 * The control API of this running instance (`http://127.0.0.1:PORT`).
 */
api_url: string | null, 
/**
 * The HTTPS capture listener (`serve --https`), its certificate's
 * SHA-256 fingerprint and file.
 */
https_url: string | null, tls_fingerprint: string | null, tls_certificate: string | null, };

/**
 * A one-time link that signs a browser in to this instance's UI.
 */
export type SignInLink = { url: string, };

/**
 * Whether the core runs, as the window shows it: the desktop can fail to
 * bind its capture port, and a browser can be signed out.
 */
export type CoreStatus = { "state": "starting" } | { "state": "listening", capture_url: string, } | { "state": "failed", code: string, message: string, capture_port: number, } | { "state": "signed_out" };

export type LiveEvent = { "type": "deliveries", count: number, items: Array<DeliverySummary>, } | { "type": "analyzed", items: Array<DeliverySummary>, } | { "type": "endpoints" } | { "type": "changed" } | { "type": "attempts" } | { "type": "replay_progress" } & BulkProgress | { "type": "forward", items: Array<ForwardUpdate>, };

/**
 * How every error crosses to a client, over HTTP and Tauri alike.
 */
export type ErrorBody = { 
/**
 * Stable and machine-readable: `not_found`, `invalid_argument`, `invalid_body`…
 */
code: string, message: string, };

/**
 * The providers Hookscope knows, by their canonical ids.
 *
 * Declared once: the ids, the list the UI offers (served at
 * `GET /api/providers`) and the generated TypeScript all come from here.
 */
export type Provider = "stripe" | "github" | "gitlab" | "slack" | "discord" | "paypal" | "shopify" | "standard-webhooks" | "svix" | "twilio" | "square" | "paddle" | "zoom" | "twitch" | "linear" | "hubspot" | "intercom" | "bitbucket" | "mailgun" | "typeform" | "calendly" | "dropbox" | "lemonsqueezy" | "sentry" | "generic";

/**
 * A provider the UI may offer, with what its scheme needs.
 */
export type ProviderInfo = { id: Provider, 
/**
 * What the secret field holds for this provider.
 */
secret_label: string, };

/**
 * An endpoint as it crosses the API. On reads `secrets` are redacted; on
 * writes a redacted value (as read) keeps the stored secret it stands for,
 * and a missing `secrets` keeps them all, so editing one setting never means
 * typing the secrets again.
 */
export type Endpoint = { 
/**
 * Absent on create; an existing endpoint's id on edit (the prefix may change).
 */
id?: string | null, path_prefix: string, 
/**
 * The provider to verify as; detected from the headers when null.
 */
provider?: Provider | null, 
/**
 * The configurable scheme, with `provider: "generic"`.
 */
generic?: GenericConfig | null, secrets?: Array<string> | null, 
/**
 * PayPal: the signing certificate (PEM). It is public, so it is not redacted.
 */
certificate?: string | null, tolerance_s?: number | null, public_url?: string | null, 
/**
 * Only these methods (e.g. `["POST"]`); empty or absent: every method.
 */
methods?: Array<string> | null, 
/**
 * Forward this rule's deliveries here. An origin (`http://127.0.0.1:3000`)
 * keeps each delivery's path and query; a URL with a path is used as is.
 */
forward_to?: string | null, 
/**
 * `async` (default) or `passthrough`.
 */
forward_mode?: ForwardMode | null, 
/**
 * Sends in flight to the target at once (default 1: in arrival order).
 */
forward_concurrency?: number | null, 
/**
 * An answer sent instead of the ack, after the commit (async mode).
 */
response?: CustomResponse | null, 
/**
 * Read only (ignored on writes): what is missing before a verdict can be given.
 */
incomplete?: string | null, };

export type GenericConfig = { algorithm: Algorithm, encoding: Encoding, 
/**
 * The header carrying the signature.
 */
header: string, 
/**
 * Text before the signature (`sha256=`); unused in the `t=…,v1=…` shape.
 */
prefix: string, 
/**
 * The signed string, with `{body}`, `{timestamp}`, `{id}`, `{url}`, `{method}`.
 */
template: string, timestamp: GenericTimestamp, 
/**
 * In the `t=…,v1=…` shape: the key the signatures sit under.
 */
signature_key: string, 
/**
 * In the `t=…,v1=…` shape: what separates the pairs.
 */
separator: string, 
/**
 * The header `{id}` is read from.
 */
id_header: string | null, 
/**
 * Default window when a timestamp is configured.
 */
tolerance_s: number | null, };

/**
 * Where the generic scheme reads the timestamp.
 */
export type GenericTimestamp = { "source": "none" } | { "source": "header", name: string, unit: TimeUnit, } | { "source": "signature_field", key: string, };

/**
 * The unit a timestamp is written in.
 */
export type TimeUnit = "seconds" | "millis" | "rfc3339";

export type Algorithm = "sha1" | "sha256" | "sha512";

export type Encoding = "hex" | "base64";

/**
 * A delivery's inspection, computed now with the current settings, and the
 * other deliveries of the same event.
 */
export type InspectionReport = { 
/**
 * Other deliveries with the same event id, newest first.
 */
duplicates: Array<string>, provider: Provider | null, event_id: string | null, 
/**
 * Present when a secret is configured for the delivery's endpoint.
 */
verdict: Verdict | null, 
/**
 * Why the delivery's endpoint gives no verdict although it has a secret:
 * "this endpoint's settings are incomplete: …".
 */
incomplete: string | null, 
/**
 * The URL used for URL-signed schemes, and where it came from.
 */
signed_url: string, signed_url_source: string, };

export type Inspection = { provider: Provider | null, event_id: string | null, 
/**
 * Present when a secret is configured for the delivery's endpoint.
 */
verdict: Verdict | null, 
/**
 * Why the delivery's endpoint gives no verdict although it has a secret:
 * "this endpoint's settings are incomplete: …".
 */
incomplete: string | null, 
/**
 * The URL used for URL-signed schemes, and where it came from.
 */
signed_url: string, signed_url_source: string, };

export type Verdict = { kind: VerdictKind, 
/**
 * One sentence for the UI.
 */
summary: string, evidence: Evidence, hints: Array<Hint>, };

/**
 * What the verifier concluded.
 */
export type VerdictKind = "valid" | "invalid" | "expired" | "future" | "missing_header" | "malformed_header" | "no_secret";

/**
 * What the verdict rests on: enough to see why, without re-running it.
 */
export type Evidence = { provider: Provider, 
/**
 * One line on how the scheme signs, e.g. `HMAC-SHA256, hex, over {timestamp}.{body}`.
 */
scheme: string, headers_read: Array<HeaderRead>, signed: SignedBytes | null, 
/**
 * What each secret, in the order given, would have produced, encoded like
 * `received` so the two line up. Empty for public-key schemes.
 */
expected: Array<string>, received: Array<string>, 
/**
 * Which secret matched (0-based), when one did.
 */
matched_secret: number | null, timestamp: TimestampEvidence | null, 
/**
 * The URL covered by the signature, for URL-signed schemes.
 */
url: string | null, };

export type Hint = { code: HintCode, message: string, };

/**
 * A known mistake, found by trying the alternative and seeing it match
 * (or, for a few, by recognising the shape of the input).
 */
export type HintCode = "secret_wrong_form" | "secret_is_api_key" | "secret_whitespace" | "body_json_reserialized" | "body_unicode_escapes" | "body_slash_escapes" | "body_trailing_newline" | "body_form_decoded" | "timestamp_too_old" | "timestamp_in_future" | "url_mismatch" | "wrong_version_tag" | "signature_encoding" | "missing_prefix" | "other_provider";

/**
 * A header the verifier looked for, and what it found.
 */
export type HeaderRead = { name: string, value: string | null, };

/**
 * The exact bytes that were signed, in a form fit to show.
 */
export type SignedBytes = { 
/**
 * Printable UTF-8 as-is; other bytes escaped as `\xNN`, `\n`, `\r`, `\t`.
 */
display: string, len: number, };

export type TimestampEvidence = { 
/**
 * The timestamp as it appeared in the request.
 */
raw: string, unix_s: number, 
/**
 * Received-at minus timestamp: positive means the signature is that old.
 */
skew_s: number, 
/**
 * The window used, if the scheme (or the caller) sets one.
 */
tolerance_s: number | null, };

/**
 * What to send: every field is optional, and what is left out is as
 * captured (`POST /api/deliveries/{id}/replay`, `hookscope replay`).
 */
export type ReplayRequest = { 
/**
 * Where to send. An origin (`http://127.0.0.1:3000`) keeps the
 * delivery's path and query; a URL with a path is used exactly. Left
 * out: the last target used for the delivery's endpoint.
 */
to?: string, method?: string, 
/**
 * The headers to start from, in order (default: as captured).
 */
headers?: Array<Header>, 
/**
 * Each replaces every header of its name (in the first one's place), or is added.
 */
set_headers?: Array<Header>, 
/**
 * Names of headers to leave out.
 */
remove_headers?: Array<string>, 
/**
 * A new body: text, or base64 with `body_encoding: "base64"`.
 */
body?: string, body_encoding?: ValueEncoding, 
/**
 * Recompute the signature headers over what is sent, with a fresh
 * timestamp: the endpoint's provider and newest secret, or `provider`
 * and `secret`.
 */
resign?: boolean, provider?: Provider, secret?: string, 
/**
 * With `resign`: a new event id instead of the delivery's.
 */
new_event_id?: boolean, 
/**
 * Send the captured `Host` instead of the target's.
 */
keep_host?: boolean, 
/**
 * Seconds for the whole exchange (default 30).
 */
timeout_s?: number, 
/**
 * Skip TLS certificate checks for this send.
 */
insecure?: boolean, };

/**
 * One attempt, without its bodies: what lists show.
 */
export type AttemptSummary = { id: string, delivery: string, origin: Origin, method: string, url: string, 
/**
 * The target's status; `null` when it gave none (see `error`).
 */
status: number | null, error: SendError | null, duration_ms: number, 
/**
 * RFC 3339, UTC.
 */
started_at: string, started_at_us: number, 
/**
 * Headers recomputed by re-signing, by name.
 */
resigned: Array<string>, 
/**
 * Said before sending: e.g. an edited body that no longer matches its signature.
 */
warnings: Array<string>, };

/**
 * One attempt whole: the request as sent and the response as received.
 */
export type Attempt = { request: Sent, response: Sent | null, id: string, delivery: string, origin: Origin, method: string, url: string, 
/**
 * The target's status; `null` when it gave none (see `error`).
 */
status: number | null, error: SendError | null, duration_ms: number, 
/**
 * RFC 3339, UTC.
 */
started_at: string, started_at_us: number, 
/**
 * Headers recomputed by re-signing, by name.
 */
resigned: Array<string>, 
/**
 * Said before sending: e.g. an edited body that no longer matches its signature.
 */
warnings: Array<string>, };

/**
 * A request or response as an attempt keeps it.
 */
export type Sent = { headers: Array<Header>, 
/**
 * The body's bytes, base64.
 */
body: string, 
/**
 * The body as text when it is valid UTF-8.
 */
body_text: string | null, 
/**
 * Only the start of a longer body was kept.
 */
truncated: boolean, };

/**
 * Why Hookscope sent it.
 */
export type Origin = "replay" | "forward";

export type SendError = { kind: SendErrorKind, message: string, };

/**
 * Why a send got no answer.
 */
export type SendErrorKind = "invalid_url" | "dns" | "connect" | "tls" | "timeout" | "reset" | "protocol";

/**
 * An edit kept on a delivery under a name, to send again later.
 */
export type Draft = { name: string, request: ReplayRequest, 
/**
 * RFC 3339, UTC.
 */
updated_at: string, };

/**
 * The target a replay goes to when none is given.
 */
export type ReplayTarget = { url: string | null, };

/**
 * `hookscope diff A B` and `GET /api/diff?a=…&b=…`.
 */
export type Diff = { a: string, b: string, method: Change | null, url: Change | null, headers: Array<HeaderChange>, body: BodyDiff, };

export type Change = { a: string, b: string, };

export type HeaderChange = { op: HeaderOp, name: string, 
/**
 * The value on side a (absent when added).
 */
a: string | null, b: string | null, };

export type HeaderOp = "added" | "removed" | "changed";

export type BodyDiff = { same: boolean, 
/**
 * Both bodies were JSON and are compared pretty-printed.
 */
json: boolean, 
/**
 * Either body is not text: only sizes are compared.
 */
binary: boolean, a_size: number, b_size: number, 
/**
 * Every line of the (pretty) bodies with its op; empty when binary.
 */
lines: Array<BodyLine>, };

export type BodyLine = { op: LineOp, text: string, };

export type LineOp = "same" | "removed" | "added";

/**
 * `POST /api/replays`, `hookscope replay --all`.
 */
export type BulkReplayRequest = { 
/**
 * These deliveries; when absent, every one matching the filters below.
 */
ids?: Array<string>, 
/**
 * Filters, as the list takes them.
 */
method?: string, path?: string, status?: string, q?: string, 
/**
 * At most this many (the newest that match), sent oldest first.
 */
limit?: number, 
/**
 * Where to send (as for one replay); absent: each endpoint's last target.
 */
to?: string, 
/**
 * Sends in flight at once (default 4, at most 64); 1 keeps arrival order.
 */
concurrency?: number, resign?: boolean, keep_host?: boolean, timeout_s?: number, insecure?: boolean, };

/**
 * Where a bulk replay stands; the last one sent has `finished`.
 */
export type BulkProgress = { 
/**
 * `bulk_…`: for `GET` and `DELETE /api/replays/{job}`.
 */
job: string, total: number, 
/**
 * Sent so far (answered or failed).
 */
done: number, 
/**
 * Answered 2xx.
 */
ok: number, 
/**
 * Answered otherwise, or not at all.
 */
failed: number, 
/**
 * Could not be sent (e.g. a truncated delivery, no target): no attempt.
 */
skipped: number, finished: boolean, cancelled: boolean, duration_ms: number, 
/**
 * The first few reasons for skips, to say why.
 */
errors: Array<string>, };

/**
 * How a rule's deliveries reach its target.
 */
export type ForwardMode = "async" | "passthrough";

/**
 * An answer the sender gets instead of the ack (in `async` mode), sent
 * only after the delivery is committed.
 */
export type CustomResponse = { status: number, 
/**
 * `[[name, value], …]`, in order.
 */
headers: Array<[string, string]>, body: string, 
/**
 * Held back this long after the commit (at most 30,000).
 */
delay_ms: number, };

/**
 * Where one forwarded delivery stands.
 */
export type ForwardState = "queued" | "retrying" | "delivered" | "failed" | "dead" | "dropped";

/**
 * A delivery's forward state, as the list's badge and the Replays tab show it.
 */
export type ForwardBadge = { state: ForwardState, 
/**
 * The rule's target.
 */
target: string, tries: number, 
/**
 * Queued or retrying: when the next try is due (µs since the epoch).
 */
next_at_us: number | null, last_status: number | null, last_error: string | null, };

/**
 * A forwarded delivery's new state (live updates to the list's badges).
 */
export type ForwardUpdate = { id: string, forward: ForwardBadge, };

/**
 * Forwarding's state per target.
 */
export type QueueReport = { targets: Array<TargetReport>, 
/**
 * The default rule's target (`serve --forward-to`, or the `/` rule's).
 */
default_target: string | null, };

/**
 * One target: counts of its deliveries per state, and whether it is up.
 */
export type TargetReport = { target: string, 
/**
 * `up`, `down` (backing off after failures), or `paused`.
 */
status: string, paused: boolean, 
/**
 * Down: when the next try is due (µs since the epoch).
 */
next_try_at_us: number | null, in_flight: number, queued: number, retrying: number, delivered: number, failed: number, dead: number, dropped: number, 
/**
 * Why the last send failed, while the target is down.
 */
last_error: string | null, };

/**
 * Which target an operation is for; absent: all of them.
 */
export type TargetChoice = { target?: string, };

/**
 * How many deliveries an operation moved.
 */
export type Moved = { count: number, };

/**
 * What a delivery is written as.
 */
export type Format = "curl" | "httpie" | "raw" | "json" | "ndjson" | "har";

/**
 * What to export: `ids`, or every delivery the list's filters match.
 */
export type ExportQuery = { 
/**
 * `curl` (default), `httpie`, `raw`, `json`, `ndjson`, `har`.
 */
format?: Format, 
/**
 * Comma-separated delivery ids; when given, the filters are not used.
 */
ids?: string, method?: string, path?: string, status?: string, q?: string, 
/**
 * At most this many, the newest (default 1,000,000).
 */
limit?: number, };

/**
 * What an import stored.
 */
export type ImportReport = { 
/**
 * `har`, `raw`, `curl` or `json`.
 */
format: string, count: number, 
/**
 * The new deliveries' ids, in file order.
 */
ids: Array<string>, };

export type SampleRequest = { provider: Provider, 
/**
 * Default: the provider's first (see `GET /api/samples`).
 */
event?: string, };

/**
 * What was sent and what came back.
 */
export type SampleSent = { provider: string, event: string, url: string, 
/**
 * The target's status; null when it gave none (see `error`).
 */
status: number | null, error: string | null, 
/**
 * What the target answered (Hookscope's ack carries the delivery's id).
 */
response: string, 
/**
 * The stored delivery, when the sample went to this instance.
 */
delivery: string | null, 
/**
 * The secret (for Discord the public key; for PayPal the webhook id) to verify with.
 */
verify_with: string, 
/**
 * The endpoint prefix set up for it, when there was none.
 */
endpoint_created: string | null, };

/**
 * An event `trigger` can send.
 */
export type SampleEvent = { provider: string, name: string, description: string, };

/**
 * The tunnel in front of the capture port.
 */
export type TunnelStatus = { 
/**
 * `none`, `up`; for a tunnel Hookscope started, also `starting`,
 * `reconnecting` (its tool exited and is restarted with backoff) and
 * `down` (it could not be started).
 */
state: string, 
/**
 * `ngrok`, `cloudflared` or `bore`.
 */
kind: string | null, public_url: string | null, 
/**
 * The URL before the last change, and when it changed (µs since the
 * epoch): the provider may still have the old one.
 */
previous_url: string | null, changed_at_us: number | null, 
/**
 * Whether Hookscope started this tunnel (and stops it when it stops).
 */
managed: boolean, 
/**
 * The tool's process, while it runs.
 */
pid: number | null, 
/**
 * How often the tool was restarted.
 */
restarts: number, 
/**
 * Why the tool last stopped or could not start.
 */
error: string | null, 
/**
 * When the next restart is due (µs since the epoch), while reconnecting.
 */
next_try_us: number | null, };

/**
 * `POST /api/tunnel/start`: which tool, and bore's server.
 */
export type TunnelStart = { 
/**
 * `ngrok`, `cloudflared` or `bore`.
 */
kind: string, 
/**
 * bore's server, `HOST[:PORT]` (PORT: the public port to ask for); default `bore.pub`.
 */
bore_to: string | null, bore_secret: string | null, };
