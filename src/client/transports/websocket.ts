/**
 * WebSocket push: one socket to /ws, `subscribe` to `job:<id>` with `after` = our seq, then the
 * server pushes every later event (or a `reset` snapshot when that history is gone). A lost
 * socket — closed, or silent for two heartbeat intervals — is replaced after a backoff and
 * subscribes again from the seq we have, so nothing is missed and nothing repeats.
 */
import type { JobEvent } from '../../model/job.js';
import type { ServerMessage } from '../../model/ws-protocol.js';
import { applyEvent } from '../apply-event.js';
import { AsyncQueue } from '../async-queue.js';
import { backoffDelay, sleep } from '../backoff.js';
import { ClientError } from '../client-error.js';
import { allowedSilenceMs } from '../liveness.js';
import type { SocketLike } from '../runtime.js';
import { TransportUnavailable, utf8Length, type TransportContext, type Update } from './context.js';
import { recheck } from './recheck.js';

type Item = { kind: 'open' } | { kind: 'closed'; why: string } | { kind: 'message'; text: string };

const SUBSCRIBE_ID = 'watch';

export async function* webSocket(context: TransportContext): AsyncGenerator<Update, never> {
  const { http, meter, signal, jobId } = context;
  const WebSocket = await context.runtime.webSocket();
  const topic = `job:${jobId}`;
  let failures = 0;
  let opened = false;
  for (;;) {
    const queue = new AsyncQueue<Item>();
    meter.request();
    const exchange = context.wire.request('/ws');
    const socket = new WebSocket(await http.socketUrl('/ws'));
    listen(socket, queue);
    // Until the welcome names the heartbeat interval, the connect timeout bounds the silence.
    let silenceMs = context.connectTimeoutMs;
    let timer = setTimeout(() => {
      queue.push({ kind: 'closed', why: 'no answer in time' });
    }, silenceMs);
    const heard = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        queue.push({ kind: 'closed', why: 'heartbeat missed' });
      }, silenceMs);
    };
    let ended = false;
    try {
      for (;;) {
        const item = await queue.take(signal);
        if (item.kind === 'closed') {
          exchange.closed(item.why);
          break;
        }
        if (item.kind === 'open') {
          opened = true;
          meter.connected();
          exchange.answered(101, 0);
          continue;
        }
        const bytes = utf8Length(item.text);
        meter.bytes(bytes);
        const message = JSON.parse(item.text) as ServerMessage;
        exchange.message(message.type, bytes, changeIn(message));
        if (message.type === 'welcome') {
          silenceMs = allowedSilenceMs(message.heartbeatMs);
          const after = context.current().seq;
          socket.send(JSON.stringify({ type: 'subscribe', topic, after, id: SUBSCRIBE_ID }));
        }
        heard();
        if (!('topic' in message) || message.topic !== topic) continue;
        if (message.type === 'snapshot' || message.type === 'reset') {
          failures = 0;
          yield { job: message.job, at: message.job.updatedAt, reset: message.type === 'reset' };
        } else if (message.type === 'event') {
          failures = 0;
          const event = message.data as JobEvent;
          yield { job: applyEvent(context.current(), event), at: event.at };
        } else if (message.type === 'error') {
          // job_not_found, invalid_job_id: asking again will not help.
          throw new ClientError(message.code, message.message);
        } else if (message.type === 'unsubscribed' && message.reason === 'ended') {
          // The job ended; its terminal event came first unless it was conflated away.
          ended = true;
          break;
        }
      }
    } finally {
      clearTimeout(timer);
      socket.close(1000);
      exchange.closed('closed by the client (1000)');
    }
    if (ended) {
      yield* recheck(context);
      continue;
    }
    if (!opened && context.mayFallBack) {
      throw new TransportUnavailable('websocket', 'the WebSocket upgrade failed');
    }
    meter.reconnecting();
    await sleep(backoffDelay(failures++, context.backoff), signal);
  }
}

/** The seq and server time of a message that carries a change of a job, for the wire log. */
function changeIn(message: ServerMessage): { seq: number; at: string } | undefined {
  if (message.type === 'event') {
    const at = (message.data as Partial<JobEvent> | undefined)?.at;
    return typeof at === 'string' ? { seq: message.seq, at } : undefined;
  }
  if (message.type === 'snapshot' || message.type === 'reset') {
    return { seq: message.job.seq, at: message.job.updatedAt };
  }
  return undefined;
}

function listen(socket: SocketLike, queue: AsyncQueue<Item>): void {
  socket.addEventListener('open', () => {
    queue.push({ kind: 'open' });
  });
  socket.addEventListener('message', (event) => {
    if (typeof event.data === 'string') queue.push({ kind: 'message', text: event.data });
  });
  // A failed socket always closes next, which is what counts; without a listener, `ws` would
  // throw the error instead.
  socket.addEventListener('error', () => undefined);
  socket.addEventListener('close', (event) => {
    queue.push({ kind: 'closed', why: `closed ${event.code} ${event.reason}` });
  });
}
