// Desktop notifications for new deliveries, when the user asks for them:
// every delivery, or only those whose signature failed (the usual reason to
// look). The choice is kept in localStorage; notifications show only while
// the window is in the background.

import type { DeliverySummary } from './generated/types';
import { kindWords } from './signature';

export type NotifyChoice = 'off' | 'failed' | 'all';

const KEY = 'hookscope.notify';

export function notifyChoice(): NotifyChoice {
  try {
    const saved = localStorage.getItem(KEY);
    return saved === 'failed' || saved === 'all' ? saved : 'off';
  } catch {
    return 'off';
  }
}

/** Saves the choice; asks for permission when notifications are turned on. */
export async function setNotify(choice: NotifyChoice): Promise<NotificationPermission | 'unsupported'> {
  try {
    localStorage.setItem(KEY, choice);
  } catch {
    // A private window: the choice lasts this page.
  }
  if (typeof Notification === 'undefined') return 'unsupported';
  if (choice !== 'off' && Notification.permission === 'default') return Notification.requestPermission();
  return Notification.permission;
}

const FAILED = new Set(['invalid', 'expired', 'future', 'missing_header', 'malformed_header']);

/**
 * What to say about a batch: new rows come first without a verdict (`analyzed`
 * false), then again once inspected. Pure, so tested without a browser.
 */
export function notificationFor(choice: NotifyChoice, items: DeliverySummary[], analyzed: boolean): string | null {
  const line = (s: DeliverySummary) => `${s.method} ${s.path}`;
  if (choice === 'all' && !analyzed && items.length) {
    return items.length === 1 ? `New delivery: ${line(items[0])}` : `${items.length} new deliveries, newest ${line(items[0])}`;
  }
  if (choice === 'failed' && analyzed) {
    const failed = items.filter((s) => s.verdict && FAILED.has(s.verdict));
    if (failed.length === 1) return `${kindWords(failed[0].verdict ?? '')}: ${line(failed[0])}`;
    if (failed.length > 1) return `${failed.length} deliveries failed signature checks, newest ${line(failed[0])}`;
  }
  return null;
}

export function show(body: string) {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  if (!document.hidden && document.hasFocus()) return;
  new Notification('Hookscope', { body, tag: 'hookscope-deliveries' });
}
