// The shapes the backend sends, as the control API documents them
// (src/api/openapi.json) and the desktop commands return them.

export interface Summary {
  id: string;
  received_at_us: number;
  method: string;
  path: string;
  query: string | null;
  status: number;
  body_size: number;
  content_type: string | null;
  truncated: boolean;
  pinned: boolean;
  /** Filled by the indexer moments after the ack; live batches may carry nulls. */
  provider?: string | null;
  verdict?: VerdictKind | null;
  event_id?: string | null;
  /** How many other deliveries carry the same event id. */
  duplicates?: number;
}

export interface Header {
  name: string;
  value: string;
}

export interface Delivery extends Summary {
  http_version: string;
  remote_addr: string | null;
  duration_us: number;
  headers: Header[];
  /** Base64 of the stored bytes and its text; left out by `get()`, since the
   * UI reads the bytes through `body()`. */
  body?: string;
  body_text?: string | null;
  response: { status: number; headers: Header[]; body: string };
}

export type VerdictKind =
  | 'valid'
  | 'invalid'
  | 'expired'
  | 'future'
  | 'missing_header'
  | 'malformed_header'
  | 'no_secret';

export interface Evidence {
  provider: string;
  scheme: string;
  headers_read: Header[];
  signed: { display: string; len: number } | null;
  expected: string[];
  received: string[];
  matched_secret: number | string | null;
  timestamp: { raw: string; unix_s: number; skew_s: number; tolerance_s: number } | null;
  url: string | null;
}

export interface Verdict {
  kind: VerdictKind;
  summary: string;
  evidence: Evidence;
  hints: { code: string; message: string }[];
}

export interface Inspection {
  provider: string | null;
  event_id: string | null;
  verdict: Verdict | null;
  signed_url: string;
  signed_url_source: string;
  /** Other deliveries of the same event, newest first. */
  duplicates: string[];
}

/** Verification settings for the deliveries under one path prefix. */
export interface Endpoint {
  path_prefix: string;
  provider: string | null;
  /** Redacted (`••••abcd`) when read back; plain only when sent. */
  secrets: string[];
  tolerance_s: number | null;
  public_url: string | null;
}

export interface Page {
  items: Summary[];
  next: string | null;
  /** Full-text searches only: newest deliveries the index had not reached, up to 10,000. */
  unsearched?: number;
}

export interface Info {
  version: string;
  capture_url: string;
  public_url: string | null;
  database: string;
}

export interface Stats {
  count: number;
  bytes: number;
}

export interface ListQuery {
  limit?: number;
  before?: string;
  method?: string;
  path?: string;
  status?: string;
  q?: string;
}

export type EventBatch =
  | { type: 'deliveries'; count: number; items: Summary[] }
  /** Deliveries announced before they were inspected, now with their badges. */
  | { type: 'analyzed'; items: Summary[] }
  | { type: 'changed' };

/** Whether the core listens; the desktop can fail to bind its capture port. */
export type CoreStatus =
  | { state: 'starting' }
  | { state: 'listening'; capture_url: string }
  | { state: 'failed'; code: string; message: string; capture_port: number }
  | { state: 'signed_out' };

/** Errors cross from either backend as `{code, message}`. */
export class BackendError extends Error {
  constructor(
    public code: string,
    message: string,
  ) {
    super(message);
  }
}
