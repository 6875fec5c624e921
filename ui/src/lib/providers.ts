// The providers the core knows, as it serves them (`GET /api/providers`):
// declared once in Rust, loaded once per window.

import type { Backend } from './backend';
import type { ProviderInfo } from './generated/types';

let cached: Promise<ProviderInfo[]> | null = null;

export function providers(backend: Backend): Promise<ProviderInfo[]> {
  cached ??= backend.providers().catch((e: unknown) => {
    cached = null;
    throw e;
  });
  return cached;
}
