import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';

/** Live bus subscriptions of a test server's store, for leak checks. */
export function subscriptionCount(store: Store): number {
  if (!(store instanceof SqliteStore)) throw new Error('subscriptionCount needs the SQLite store');
  return store.subscriptionCount;
}
