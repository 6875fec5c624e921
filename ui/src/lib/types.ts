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
  /** Base64 of the stored bytes; the UI reads bytes through `body()` instead. */
  body: string;
  body_text: string | null;
  response: { status: number; headers: Header[]; body: string };
}

export interface Page {
  items: Summary[];
  next: string | null;
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
