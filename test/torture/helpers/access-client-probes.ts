/**
 * The probes through client libraries: WebSocket requests on bob's sockets (or a new one) and
 * the SDK's get, cancel and watch over every transport. With the HTTP ones (access-probes.ts)
 * they make the list a trial draws from.
 */
import type { TransportChoice } from '../../../src/client/index.js';
import type { Job } from '../../../src/model/job.js';
import { iterationOutcome, renderReply, sdkOutcome, WsClient } from './access-capture.js';
import { HTTP_PROBES, seqNear, streamCredential, type Probe } from './access-probes.js';
import type { Random } from './random.js';

const WEBSOCKET: Probe[] = [
  {
    surface: 'WebSocket',
    name: 'subscribe job:<id>',
    weight: 3,
    plan: (ctx, target, random) => {
      const socket = random.pick(ctx.sockets);
      // -1: no `after` at all (a snapshot first), else a position to resume from.
      const at = random.pick([-1, 0, seqNear(target, random)]);
      const after = at < 0 ? undefined : at;
      return async (id) =>
        renderReply(await socket.request({ type: 'subscribe', topic: `job:${id.value}`, after }));
    },
  },
  {
    surface: 'WebSocket',
    name: 'unsubscribe job:<id>',
    weight: 1,
    plan: (ctx, _target, random) => {
      const socket = random.pick(ctx.sockets);
      return async (id) =>
        renderReply(await socket.request({ type: 'unsubscribe', topic: `job:${id.value}` }));
    },
  },
  {
    surface: 'WebSocket',
    name: 'publish job:<id>',
    weight: 1,
    plan: (ctx, _target, random) => {
      const socket = random.pick(ctx.sockets);
      return async (id) =>
        renderReply(
          await socket.request({ type: 'publish', topic: `job:${id.value}`, data: { x: 1 } }),
        );
    },
  },
  {
    surface: 'WebSocket',
    name: 'subscribe deliveries:<id>',
    weight: 1,
    plan: (ctx, _target, random) => {
      const socket = random.pick(ctx.sockets);
      return async (id) =>
        renderReply(await socket.request({ type: 'subscribe', topic: `deliveries:${id.value}` }));
    },
  },
  {
    surface: 'WebSocket',
    name: 'subscribe job:<id> on a new connection',
    weight: 1,
    plan: (ctx, _target, random) => {
      const credential = streamCredential(ctx, random);
      return async (id) => {
        const query = credential.query === '' ? '' : `?${credential.query}`;
        const socket = await WsClient.open(ctx.url, credential.headers, query);
        try {
          return renderReply(await socket.request({ type: 'subscribe', topic: `job:${id.value}` }));
        } finally {
          socket.close();
        }
      };
    },
  },
];

const WATCH_TRANSPORTS: readonly TransportChoice[] = [
  'short-poll',
  'long-poll',
  'sse',
  'websocket',
  'auto',
];

/**
 * A bound on every SDK call: a watch that neither ends nor rejects shows as `no answer`. The
 * connect timeout stays the SDK's default, so that on a loaded machine `auto` does not fall
 * back for one of a pair (and answer through another transport) and not for the other.
 */
const sdkOptions = (transport: TransportChoice) => ({
  transport,
  signal: AbortSignal.timeout(20_000),
  pollIntervalMs: 20,
  longPollWaitSeconds: 20,
});

const SDK: Probe[] = [
  {
    surface: 'SDK',
    name: 'client.get(id)',
    weight: 2,
    plan: (ctx) => (id) => sdkOutcome(() => ctx.sdk.get(id.value)),
  },
  {
    surface: 'SDK',
    name: 'client.cancel(id)',
    weight: 2,
    plan: (ctx) => (id) => sdkOutcome(() => ctx.sdk.cancel(id.value)),
  },
  ...WATCH_TRANSPORTS.map((transport): Probe => ({
    surface: 'SDK',
    name: `client.watch(id, ${transport})`,
    weight: 1,
    plan: (ctx) => (id) => iterationOutcome(ctx.sdk.watch(id.value, sdkOptions(transport))),
  })),
  // With the Job itself the SDK skips its first GET: the transport meets the id first.
  ...WATCH_TRANSPORTS.map((transport): Probe => ({
    surface: 'SDK',
    name: `client.watch(job, ${transport})`,
    weight: 1,
    asIssuedOnly: true,
    unfinishedOnly: true,
    plan: (ctx, target) => (id) => {
      const job: Job = { ...target.job, id: id.value };
      return iterationOutcome(ctx.sdk.watch(job, sdkOptions(transport)));
    },
  })),
];

export const PROBES: readonly Probe[] = [...HTTP_PROBES, ...WEBSOCKET, ...SDK];

/** A probe drawn by weight. */
export function pickProbe(random: Random): Probe {
  const total = PROBES.reduce((sum, p) => sum + p.weight, 0);
  let at = random.next() * total;
  for (const probe of PROBES) {
    at -= probe.weight;
    if (at < 0) return probe;
  }
  return PROBES[PROBES.length - 1] as Probe;
}
