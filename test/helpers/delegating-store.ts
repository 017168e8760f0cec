import type { Store } from '../../src/store/store.js';

/** A Store that forwards every call to `inner` except those in `overrides` (fault injection). */
export function delegatingStore(
  inner: Store,
  overrides: Partial<Omit<Store, 'state'>> = {},
): Store {
  return {
    get state() {
      return inner.state;
    },
    create: (job) => inner.create(job),
    get: (id) => inner.get(id),
    list: (query) => inner.list(query),
    update: (id, change) => inner.update(id, change),
    claimNext: (limit, except, typeLimits) => inner.claimNext(limit, except, typeLimits),
    claimLeased: (types, worker, ms, typeLimits) =>
      inner.claimLeased(types, worker, ms, typeLimits),
    renewLease: (id, token, ms, progress) => inner.renewLease(id, token, ms, progress),
    completeLeased: (id, token, outcome) => inner.completeLeased(id, token, outcome),
    expireLeases: (below) => inner.expireLeases(below),
    events: (id, after, limit) => inner.events(id, after, limit),
    prune: (before, now) => inner.prune(before, now),
    countByStatus: () => inner.countByStatus(),
    ping: () => inner.ping(),
    probeWrite: () => inner.probeWrite(),
    subscribe: (topic, listener) => inner.subscribe(topic, listener),
    publishMessage: (topic, data) => inner.publishMessage(topic, data),
    subscribeMessages: (topic, listener) => inner.subscribeMessages(topic, listener),
    close: () => inner.close(),
    schedules: inner.schedules,
    typeSlots: inner.typeSlots,
    // The optional parts too, so a wrapped store keeps its write health, faults and webhooks.
    writeFailure: () => inner.writeFailure?.(),
    ...(inner.subscribeFaults && { subscribeFaults: inner.subscribeFaults.bind(inner) }),
    ...(inner.webhooks && { webhooks: inner.webhooks }),
    ...overrides,
  };
}
