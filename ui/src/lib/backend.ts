// The one way the UI reaches Hookscope. In the desktop window that is Tauri's
// IPC (commands and events); in a browser it is the control API on the same
// origin (fetch and Server-Sent Events, signed in by the HttpOnly cookie).

import type {
  Attempt,
  AttemptSummary,
  BulkProgress,
  BulkReplayRequest,
  CoreStatus,
  Diff,
  Draft,
  ReplayRequest,
  ReplayTarget,
  DeliveryHead,
  Endpoint,
  ErrorBody,
  ExportQuery,
  Format,
  ImportReport,
  Info,
  InspectionReport,
  ListQuery,
  LiveEvent,
  Moved,
  Page,
  SampleEvent,
  SampleRequest,
  SampleSent,
  QueueReport,
  ProviderInfo,
  SignInLink,
  Stats,
  TunnelStart,
  TunnelStatus,
} from './generated/types';

/** Errors cross from either backend as `{code, message}` (`ErrorBody`). */
export class BackendError extends Error implements ErrorBody {
  constructor(
    public code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Backend {
  readonly kind: 'desktop' | 'browser';
  status(): Promise<CoreStatus>;
  /** Desktop only: start listening on another capture port. */
  restart(port: number): Promise<CoreStatus>;
  info(): Promise<Info>;
  list(query: ListQuery): Promise<Page>;
  get(id: string): Promise<DeliveryHead>;
  body(id: string): Promise<Uint8Array>;
  remove(id: string): Promise<void>;
  clear(): Promise<number>;
  pin(id: string, pinned: boolean): Promise<void>;
  stats(path?: string): Promise<Stats>;
  /** Provider, event id and signature verdict; with `trial`, verified with those settings instead, unsaved. */
  inspect(id: string, trial?: Endpoint): Promise<InspectionReport>;
  endpoints(): Promise<Endpoint[]>;
  /** Creates or edits (by `id`); secrets left out or sent back redacted keep the stored ones. */
  putEndpoint(endpoint: Endpoint): Promise<void>;
  /** By id (or path prefix). */
  deleteEndpoint(id: string): Promise<void>;
  /** The providers an endpoint can verify as. */
  providers(): Promise<ProviderInfo[]>;
  /** A fresh one-time link that opens this instance's UI in a browser, signed in. */
  signInLink(): Promise<SignInLink>;
  /** Sends a delivery again (as captured, edited, re-signed); the attempt, whatever the target answered. */
  replay(id: string, request: ReplayRequest): Promise<AttemptSummary>;
  /** Where `replay` goes without a `to`: the last target of the delivery's endpoint. */
  replayTarget(id: string): Promise<ReplayTarget>;
  attempts(id: string): Promise<AttemptSummary[]>;
  attempt(id: string): Promise<Attempt>;
  /** What differs between two requests: deliveries (dlv_) as captured, attempts (att_) as sent. */
  diff(a: string, b: string): Promise<Diff>;
  drafts(id: string): Promise<Draft[]>;
  putDraft(id: string, name: string, request: ReplayRequest): Promise<void>;
  deleteDraft(id: string, name: string): Promise<void>;
  /** Starts a bulk replay; progress arrives as `replay_progress` events. */
  startBulk(request: BulkReplayRequest): Promise<BulkProgress>;
  cancelBulk(job: string): Promise<BulkProgress>;
  /** One delivery as cURL, HTTPie, raw HTTP… (made by the core, as the CLI makes it). */
  exportOne(id: string, format: Format): Promise<string>;
  /** Deliveries (ids, or the list's filters) as a file's bytes. */
  exportFile(query: ExportQuery): Promise<Blob>;
  /** Imports a HAR, raw request, cURL line or Hookscope JSON. */
  importFile(file: Blob): Promise<ImportReport>;
  /** The tunnel in front of the capture port, as last seen. */
  tunnel(): Promise<TunnelStatus>;
  /** Starts (and supervises) ngrok, cloudflared or bore for the capture port. */
  startTunnel(request: TunnelStart): Promise<TunnelStatus>;
  stopTunnel(): Promise<TunnelStatus>;
  /** The HTTPS listener's certificate (PEM). */
  tlsCertificate(): Promise<string>;
  /** The window's title (a browser tab takes `document.title` by itself). */
  setTitle(title: string): Promise<void>;
  /** Desktop only: also capture over HTTPS on `port` (null: stop); restarts the core. */
  setHttps(port: number | null): Promise<CoreStatus>;
  /** The sample events "Send a sample" offers. */
  samples(): Promise<SampleEvent[]>;
  /** Sends a signed sample event to this instance (its endpoint set up when missing). */
  sendSample(request: SampleRequest): Promise<SampleSent>;
  /** Forwarding per target: counts per state, up/down/paused. */
  queue(): Promise<QueueReport>;
  /** Holds (or releases) everything for a target. */
  pauseTarget(target: string, paused: boolean): Promise<void>;
  /** Queues failed and dead deliveries again (one target, or all). */
  retryFailed(target?: string): Promise<Moved>;
  /** Drops what waits to be forwarded (one target, or all). */
  dropQueue(target?: string): Promise<Moved>;
  /** Live batches and status changes; returns a function that stops them. */
  subscribe(onBatch: (batch: LiveEvent) => void, onStatus: (status: CoreStatus) => void): () => void;
}

function asError(e: unknown): BackendError {
  if (e instanceof BackendError) return e;
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
    return new BackendError(String(e.code), String(e.message));
  }
  return new BackendError('unknown', e instanceof Error ? e.message : String(e));
}

/** The query string of a listing, leaving out what is unset or empty. */
export function queryString(query: ListQuery | ExportQuery): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

function jsonBody(method: string, body: unknown): RequestInit {
  return { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

class BrowserBackend implements Backend {
  readonly kind = 'browser' as const;

  private async request(path: string, init?: RequestInit): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(path, { credentials: 'same-origin', ...init });
    } catch (e) {
      throw new BackendError('offline', `Hookscope is not reachable (${asError(e).message})`);
    }
    if (!response.ok) {
      let body: unknown = null;
      try {
        body = await response.json();
      } catch {
        // Not every failure has a JSON body; the status says enough.
      }
      if (body && typeof body === 'object' && 'code' in body) throw asError(body);
      throw new BackendError(`http_${response.status}`, response.statusText);
    }
    return response;
  }

  private async json<T>(path: string, init?: RequestInit): Promise<T> {
    return (await this.request(path, init)).json() as Promise<T>;
  }

  async status(): Promise<CoreStatus> {
    try {
      const info = await this.info();
      return { state: 'listening', capture_url: info.capture_url };
    } catch (e) {
      const err = asError(e);
      if (err.code === 'unauthorized') return { state: 'signed_out' };
      return { state: 'failed', code: err.code, message: err.message, capture_port: 0 };
    }
  }

  async restart(): Promise<CoreStatus> {
    return this.status();
  }

  info(): Promise<Info> {
    return this.json('/api/info');
  }

  list(query: ListQuery): Promise<Page> {
    return this.json(`/api/deliveries${queryString(query)}`);
  }

  get(id: string): Promise<DeliveryHead> {
    // The bytes come from body(); don't fetch them twice more as base64 and text.
    return this.json(`/api/deliveries/${encodeURIComponent(id)}?body=false`);
  }

  async body(id: string): Promise<Uint8Array> {
    const response = await this.request(`/api/deliveries/${encodeURIComponent(id)}/body`);
    return new Uint8Array(await response.arrayBuffer());
  }

  async remove(id: string): Promise<void> {
    await this.request(`/api/deliveries/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }

  async clear(): Promise<number> {
    const r = await this.json<{ deleted: number }>('/api/deliveries', { method: 'DELETE' });
    return r.deleted;
  }

  async pin(id: string, pinned: boolean): Promise<void> {
    await this.request(`/api/deliveries/${encodeURIComponent(id)}/pin`, { method: pinned ? 'PUT' : 'DELETE' });
  }

  stats(path?: string): Promise<Stats> {
    return this.json(`/api/stats${path ? `?path=${encodeURIComponent(path)}` : ''}`);
  }

  inspect(id: string, trial?: Endpoint): Promise<InspectionReport> {
    const path = `/api/deliveries/${encodeURIComponent(id)}/inspection`;
    if (!trial) return this.json(path);
    return this.json(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(trial) });
  }

  endpoints(): Promise<Endpoint[]> {
    return this.json('/api/endpoints');
  }

  async putEndpoint(endpoint: Endpoint): Promise<void> {
    await this.request('/api/endpoints', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(endpoint),
    });
  }

  async deleteEndpoint(id: string): Promise<void> {
    await this.request(`/api/endpoints?id=${encodeURIComponent(id)}`, { method: 'DELETE' });
  }

  providers(): Promise<ProviderInfo[]> {
    return this.json('/api/providers');
  }

  signInLink(): Promise<SignInLink> {
    return this.json('/api/sign-in-links', { method: 'POST' });
  }

  replay(id: string, request: ReplayRequest): Promise<AttemptSummary> {
    return this.json(`/api/deliveries/${encodeURIComponent(id)}/replay`, jsonBody('POST', request));
  }

  replayTarget(id: string): Promise<ReplayTarget> {
    return this.json(`/api/deliveries/${encodeURIComponent(id)}/replay-target`);
  }

  attempts(id: string): Promise<AttemptSummary[]> {
    return this.json(`/api/deliveries/${encodeURIComponent(id)}/attempts`);
  }

  attempt(id: string): Promise<Attempt> {
    return this.json(`/api/attempts/${encodeURIComponent(id)}`);
  }

  diff(a: string, b: string): Promise<Diff> {
    return this.json(`/api/diff?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`);
  }

  drafts(id: string): Promise<Draft[]> {
    return this.json(`/api/deliveries/${encodeURIComponent(id)}/drafts`);
  }

  async putDraft(id: string, name: string, request: ReplayRequest): Promise<void> {
    await this.request(
      `/api/deliveries/${encodeURIComponent(id)}/drafts/${encodeURIComponent(name)}`,
      jsonBody('PUT', request),
    );
  }

  async deleteDraft(id: string, name: string): Promise<void> {
    await this.request(`/api/deliveries/${encodeURIComponent(id)}/drafts/${encodeURIComponent(name)}`, {
      method: 'DELETE',
    });
  }

  startBulk(request: BulkReplayRequest): Promise<BulkProgress> {
    return this.json('/api/replays', jsonBody('POST', request));
  }

  cancelBulk(job: string): Promise<BulkProgress> {
    return this.json(`/api/replays/${encodeURIComponent(job)}`, { method: 'DELETE' });
  }

  async exportOne(id: string, format: Format): Promise<string> {
    return (await this.request(`/api/export?format=${format}&ids=${encodeURIComponent(id)}`)).text();
  }

  async exportFile(query: ExportQuery): Promise<Blob> {
    return (await this.request(`/api/export${queryString(query)}`)).blob();
  }

  importFile(file: Blob): Promise<ImportReport> {
    return this.json('/api/imports', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: file });
  }

  tunnel(): Promise<TunnelStatus> {
    return this.json('/api/tunnel');
  }

  startTunnel(request: TunnelStart): Promise<TunnelStatus> {
    return this.json('/api/tunnel/start', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
  }

  stopTunnel(): Promise<TunnelStatus> {
    return this.json('/api/tunnel/stop', { method: 'POST' });
  }

  async setTitle(): Promise<void> {}

  async tlsCertificate(): Promise<string> {
    return (await this.request('/api/tls/certificate')).text();
  }

  async setHttps(): Promise<CoreStatus> {
    throw new BackendError('unsupported', 'Start `hookscope serve` with --https ADDR to capture over HTTPS.');
  }

  samples(): Promise<SampleEvent[]> {
    return this.json('/api/samples');
  }

  sendSample(request: SampleRequest): Promise<SampleSent> {
    return this.json('/api/samples', jsonBody('POST', request));
  }

  queue(): Promise<QueueReport> {
    return this.json('/api/forward');
  }

  async pauseTarget(target: string, paused: boolean): Promise<void> {
    await this.request(`/api/forward/${paused ? 'pause' : 'resume'}`, jsonBody('POST', { target }));
  }

  retryFailed(target?: string): Promise<Moved> {
    return this.json('/api/forward/retry', jsonBody('POST', { target }));
  }

  dropQueue(target?: string): Promise<Moved> {
    return this.json('/api/forward/drop', jsonBody('POST', { target }));
  }

  subscribe(onBatch: (batch: LiveEvent) => void, onStatus: (status: CoreStatus) => void): () => void {
    const source = new EventSource('/api/events');
    let broken = false;
    const parse = (e: MessageEvent) => {
      try {
        onBatch(JSON.parse(e.data) as LiveEvent);
      } catch {
        // A malformed event is dropped; the next one or a reload catches up.
      }
    };
    for (const topic of [
      'deliveries',
      'analyzed',
      'endpoints',
      'changed',
      'attempts',
      'replay_progress',
      'forward',
    ] satisfies LiveEvent['type'][]) {
      source.addEventListener(topic, parse);
    }
    source.addEventListener('open', () => {
      // Whatever was stored before the stream started (or while it was
      // broken) comes with no event: a reload fetches it.
      onBatch({ type: 'changed' });
      if (broken) {
        broken = false;
        void this.status().then(onStatus);
      }
    });
    source.addEventListener('error', () => {
      broken = true;
      // Signed out (a restart ends sessions) is not the same as unreachable: ask.
      void this.status().then((status) =>
        onStatus(
          status.state === 'failed'
            ? { state: 'failed', code: 'offline', message: 'Lost the connection to Hookscope; retrying…', capture_port: 0 }
            : status,
        ),
      );
      if (source.readyState === EventSource.CLOSED) {
        // A 401 ends an EventSource for good; it is reopened once signed in again.
        source.close();
      }
    });
    return () => source.close();
  }
}

type Invoke = <T>(cmd: string, args?: Record<string, unknown>) => Promise<T>;

class DesktopBackend implements Backend {
  readonly kind = 'desktop' as const;
  private invokeFn: Promise<Invoke> = import('@tauri-apps/api/core').then((m) => m.invoke as Invoke);

  private async call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
    const invoke = await this.invokeFn;
    try {
      return await invoke<T>(cmd, args);
    } catch (e) {
      throw asError(e);
    }
  }

  status(): Promise<CoreStatus> {
    return this.call('status');
  }

  restart(port: number): Promise<CoreStatus> {
    return this.call('restart', { port });
  }

  info(): Promise<Info> {
    return this.call('info');
  }

  list(query: ListQuery): Promise<Page> {
    return this.call('list', { query });
  }

  get(id: string): Promise<DeliveryHead> {
    return this.call('get', { id, body: false });
  }

  async body(id: string): Promise<Uint8Array> {
    const bytes = await this.call<ArrayBuffer | number[]>('body', { id });
    return bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : Uint8Array.from(bytes);
  }

  remove(id: string): Promise<void> {
    return this.call('remove', { id });
  }

  clear(): Promise<number> {
    return this.call('clear');
  }

  pin(id: string, pinned: boolean): Promise<void> {
    return this.call('pin', { id, pinned });
  }

  stats(path?: string): Promise<Stats> {
    return this.call('stats', { path: path ?? null });
  }

  inspect(id: string, trial?: Endpoint): Promise<InspectionReport> {
    return this.call('inspect', { id, trial: trial ?? null });
  }

  endpoints(): Promise<Endpoint[]> {
    return this.call('endpoints');
  }

  async putEndpoint(endpoint: Endpoint): Promise<void> {
    await this.call('put_endpoint', { endpoint });
  }

  deleteEndpoint(id: string): Promise<void> {
    return this.call('delete_endpoint', { id });
  }

  providers(): Promise<ProviderInfo[]> {
    return this.call('providers');
  }

  signInLink(): Promise<SignInLink> {
    return this.call('sign_in_link');
  }

  replay(id: string, request: ReplayRequest): Promise<AttemptSummary> {
    return this.call('replay', { id, request });
  }

  replayTarget(id: string): Promise<ReplayTarget> {
    return this.call('replay_target', { id });
  }

  attempts(id: string): Promise<AttemptSummary[]> {
    return this.call('attempts', { id });
  }

  attempt(id: string): Promise<Attempt> {
    return this.call('attempt', { id });
  }

  diff(a: string, b: string): Promise<Diff> {
    return this.call('diff', { a, b });
  }

  drafts(id: string): Promise<Draft[]> {
    return this.call('drafts', { id });
  }

  putDraft(id: string, name: string, request: ReplayRequest): Promise<void> {
    return this.call('put_draft', { id, name, request });
  }

  deleteDraft(id: string, name: string): Promise<void> {
    return this.call('delete_draft', { id, name });
  }

  startBulk(request: BulkReplayRequest): Promise<BulkProgress> {
    return this.call('start_bulk', { request });
  }

  cancelBulk(job: string): Promise<BulkProgress> {
    return this.call('cancel_bulk', { job });
  }

  exportOne(id: string, format: Format): Promise<string> {
    return this.call('export_one', { id, format });
  }

  async exportFile(query: ExportQuery): Promise<Blob> {
    return new Blob([await this.call<string>('export_text', { query })]);
  }

  async importFile(file: Blob): Promise<ImportReport> {
    const bytes = Array.from(new Uint8Array(await file.arrayBuffer()));
    return this.call('import_bytes', { bytes });
  }

  tunnel(): Promise<TunnelStatus> {
    return this.call('tunnel');
  }

  startTunnel(request: TunnelStart): Promise<TunnelStatus> {
    return this.call('start_tunnel', { request });
  }

  stopTunnel(): Promise<TunnelStatus> {
    return this.call('stop_tunnel');
  }

  setHttps(port: number | null): Promise<CoreStatus> {
    return this.call('set_https', { port });
  }

  setTitle(title: string): Promise<void> {
    return this.call('set_title', { title });
  }

  tlsCertificate(): Promise<string> {
    return this.call('tls_certificate');
  }

  samples(): Promise<SampleEvent[]> {
    return this.call('samples');
  }

  sendSample(request: SampleRequest): Promise<SampleSent> {
    return this.call('send_sample', { request });
  }

  queue(): Promise<QueueReport> {
    return this.call('queue');
  }

  pauseTarget(target: string, paused: boolean): Promise<void> {
    return this.call('pause_target', { target, paused });
  }

  retryFailed(target?: string): Promise<Moved> {
    return this.call('retry_failed', { target: target ?? null });
  }

  dropQueue(target?: string): Promise<Moved> {
    return this.call('drop_queue', { target: target ?? null });
  }

  subscribe(onBatch: (batch: LiveEvent) => void, onStatus: (status: CoreStatus) => void): () => void {
    let stopped = false;
    const unlisteners: Array<() => void> = [];
    void import('@tauri-apps/api/event').then(async ({ listen }) => {
      const a = await listen<LiveEvent>('events', (e) => onBatch(e.payload));
      const b = await listen<CoreStatus>('status', (e) => onStatus(e.payload));
      unlisteners.push(a, b);
      if (stopped) unlisteners.forEach((u) => u());
      // Deliveries stored before the listeners were in place came with no event.
      else onBatch({ type: 'changed' });
    });
    return () => {
      stopped = true;
      unlisteners.forEach((u) => u());
    };
  }
}

export function isDesktop(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

export function createBackend(): Backend {
  return isDesktop() ? new DesktopBackend() : new BrowserBackend();
}
