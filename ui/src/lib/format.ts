// How numbers, times and statuses read in the list and the detail.

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `12:04:31.220` in local time. */
export function formatTime(us: number): string {
  const d = new Date(Math.floor(us / 1000));
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** `2026-11-26 12:04:31.220` in local time. */
export function formatDateTime(us: number): string {
  const d = new Date(Math.floor(us / 1000));
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${formatTime(us)}`;
}

export function formatDuration(us: number): string {
  if (us < 1000) return `${us} µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** A CSS class for a status code's family. */
export function statusClass(status: number): string {
  if (status >= 500) return 's5';
  if (status >= 400) return 's4';
  if (status >= 300) return 's3';
  if (status >= 200) return 's2';
  return 's1';
}

const KNOWN_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

export function methodClass(method: string): string {
  return KNOWN_METHODS.has(method) ? `m-${method.toLowerCase()}` : 'm-other';
}

/** The short name of a content type: `json`, `form`, `xml`… */
export function shortType(contentType: string | null): string {
  if (!contentType) return '';
  const essence = contentType.split(';')[0].trim().toLowerCase();
  if (essence.endsWith('json') || essence.endsWith('+json')) return 'json';
  if (essence === 'application/x-www-form-urlencoded') return 'form';
  if (essence === 'multipart/form-data') return 'multipart';
  if (essence.endsWith('xml')) return 'xml';
  if (essence.startsWith('text/')) return essence.slice(5);
  if (essence === 'application/octet-stream') return 'binary';
  return essence.split('/').pop() ?? essence;
}

export function pathWithQuery(path: string, query: string | null): string {
  return query ? `${path}?${query}` : path;
}
