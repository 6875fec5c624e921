// The app's state, handed to components by typed context rather than props
// threaded through every level.

import { getContext, setContext } from 'svelte';
import type { Backend } from './backend';
import type { Deliveries } from './deliveries.svelte';

const KEY = Symbol('hookscope');

export interface AppContext {
  backend: Backend;
  deliveries: Deliveries;
}

export function setApp(ctx: AppContext) {
  setContext(KEY, ctx);
}

export function app(): AppContext {
  return getContext<AppContext>(KEY);
}
