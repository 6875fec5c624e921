// Which public URL to offer: the tunnel's when it is up, or while a tunnel
// Hookscope started comes back (its last URL is likely its next for a fixed
// bore port, and shown dimmed); a stale one from a stopped agent is not.

import type { TunnelStatus } from './generated/types';

export function liveUrl(t: TunnelStatus | null | undefined): string | null {
  return t?.public_url && (t.state === 'up' || t.managed) ? t.public_url : null;
}
