/**
 * Listeners on the `jobs` topic — every job's events, filtered to the caller's — for the whole
 * of the access-control trials: bob's on every way in (WebSocket by key, token and cookie; SSE
 * by key; the multiplexed stream by cookie, also following bob's running job; the `eventsource`
 * package by token; the SDK's jobEvents), and alice's own, which proves her jobs were producing
 * events all along. What bob's received is checked at the end, after a barrier: an event of
 * bob's own, published after everything alice's listener counted, that each of bob's must see.
 */
import { request } from 'node:http';
import { expect } from 'vitest';
import { EventSource } from 'eventsource';
import { createClient } from '../../../src/client/index.js';
import type { JobEvent } from '../../../src/model/job.js';
import { Waiters, WsClient } from './access-capture.js';
import { ALICE, BOB, bearer } from './access-scene.js';

export interface TopicListener {
  name: string;
  /** Every job event received, in order. */
  events: JobEvent[];
  /** Everything received, as text: no other key's job id may appear in it. */
  text(): string;
  /** Resolves once `check` holds for the events received; rejects after `timeoutMs`. */
  until(check: (events: JobEvent[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
}

/** A listener fed by `receive`. */
function listener(name: string, close: () => void) {
  const events: JobEvent[] = [];
  const waiters = new Waiters();
  let text = '';
  return {
    events,
    text: () => text,
    name,
    close,
    until: (check: (events: JobEvent[]) => boolean, timeoutMs = 20_000) =>
      waiters.until(() => check(events), timeoutMs, name),
    receive(raw: string, event?: JobEvent) {
      text += `${raw}\n`;
      if (event) events.push(event);
      waiters.notify();
    },
  };
}

export async function webSocketListener(
  url: string,
  name: string,
  headers: Record<string, string>,
  query = '',
): Promise<TopicListener & { socket: WsClient }> {
  const socket = await WsClient.open(url, headers, query);
  const reply = await socket.request({ type: 'subscribe', topic: 'jobs' });
  if (reply?.type !== 'subscribed') throw new Error(`${name}: ${JSON.stringify(reply)}`);
  const events = () =>
    socket.messages
      .filter((m) => m.type === 'event' && m.topic === 'jobs')
      .map((m) => m.data as JobEvent);
  return {
    name,
    socket,
    // Replies to its own requests name the topics it asked about; the rest is pushed.
    get events() {
      return events();
    },
    until: (check, timeoutMs = 20_000) =>
      socket.waiters.until(() => check(events()), timeoutMs, name),
    text: () =>
      socket.messages
        .filter((m) => typeof m.id !== 'string' || !socket.requestIds.has(m.id))
        .map((m) => JSON.stringify(m))
        .join('\n'),
    close: () => {
      socket.close();
    },
  };
}

/** `GET path` with node:http, parsed block by block; resolves once the stream is open. */
function sseListener(
  url: string,
  name: string,
  path: string,
  headers: Record<string, string>,
): Promise<TopicListener> {
  return new Promise((resolve, reject) => {
    const outgoing = request(`${url}${path}`, {
      headers: { accept: 'text/event-stream', ...headers },
    });
    const state = listener(name, () => outgoing.destroy());
    outgoing.on('error', reject);
    outgoing.on('response', (response) => {
      if (response.statusCode !== 200) {
        reject(new Error(`${name}: ${response.statusCode ?? 0}`));
        return;
      }
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        for (let at = buffer.indexOf('\n\n'); at >= 0; at = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          const data = block
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trimStart())
            .join('\n');
          state.receive(block, data === '' ? undefined : (JSON.parse(data) as JobEvent));
        }
      });
      response.on('error', () => undefined);
      resolve(state);
    });
    outgoing.end();
  });
}

function eventSourceListener(url: string, name: string, token: string): Promise<TopicListener> {
  return new Promise((resolve, reject) => {
    const source = new EventSource(`${url}/events?topics=jobs&access_token=${token}`);
    const state = listener(name, () => {
      source.close();
    });
    for (const kind of ['queued', 'started', 'progress', 'succeeded', 'failed', 'canceled']) {
      source.addEventListener(kind, (event) => {
        const data = String(event.data);
        state.receive(data, JSON.parse(data) as JobEvent);
      });
    }
    source.addEventListener('open', () => {
      resolve(state);
    });
    source.addEventListener('error', (event) => {
      reject(new Error(`${name}: ${String(event.code)}`));
    });
  });
}

function sdkListener(url: string, name: string): Promise<TopicListener> {
  const controller = new AbortController();
  const state = listener(name, () => {
    controller.abort();
  });
  const client = createClient({ baseUrl: url, token: BOB });
  return new Promise((resolve) => {
    const events = client.jobEvents({
      signal: controller.signal,
      onConnect: () => {
        resolve(state);
      },
    });
    void (async () => {
      try {
        for await (const event of events) state.receive(JSON.stringify(event), event);
      } catch {
        // aborted at the end
      }
    })();
  });
}

export interface Listeners {
  /** Bob's, on every way into the `jobs` topic. */
  bob: TopicListener[];
  /** Bob's sockets, also used by the WebSocket probes (header, token, cookie). */
  sockets: WsClient[];
  /** Alice's own, by WebSocket: her jobs' events as they happen. */
  alice: TopicListener;
  close(): void;
}

export async function listenEverywhere(
  url: string,
  bobToken: string,
  bobRunningId: string,
): Promise<Listeners> {
  const cookie = { cookie: `bp_token=${bobToken}` };
  const sockets = await Promise.all([
    webSocketListener(url, 'WebSocket jobs, key', bearer(BOB)),
    webSocketListener(url, 'WebSocket jobs, token', {}, `?access_token=${bobToken}`),
    webSocketListener(url, 'WebSocket jobs, cookie', cookie),
  ]);
  const streams = await Promise.all([
    sseListener(url, 'SSE topics=jobs, key', '/events?topics=jobs', bearer(BOB)),
    sseListener(
      url,
      "SSE topics=jobs&jobs=<bob's running>, cookie",
      `/events?topics=jobs&jobs=${bobRunningId}`,
      cookie,
    ),
    eventSourceListener(url, 'EventSource topics=jobs, token', bobToken),
    sdkListener(url, 'SDK jobEvents()'),
  ]);
  const alice = await webSocketListener(url, 'alice', bearer(ALICE));
  const bob = [...sockets, ...streams];
  return {
    bob,
    sockets: sockets.map((s) => s.socket),
    alice,
    close: () => {
      for (const l of [...bob, alice]) l.close();
    },
  };
}

/**
 * After the barrier: each of bob's listeners heard his running job, and nothing of a job of
 * another owner (by the store's own record) — not an event, not an id anywhere in what it
 * received. His sockets' replies name what he asked for, but never grant it. Resolves with the
 * events bob's listeners received.
 */
export function checkTopics(
  listeners: Listeners,
  owner: ReadonlyMap<string, string | null>,
  bobRunningId: string,
): number {
  const foreign = [...owner].filter(([, o]) => o !== 'bob').map(([id]) => id);
  let received = 0;
  for (const listener of listeners.bob) {
    const jobs = new Set(listener.events.map((e) => e.jobId));
    expect(
      [...jobs].filter((id) => owner.get(id) !== 'bob'),
      listener.name,
    ).toEqual([]);
    expect(jobs.has(bobRunningId), `${listener.name} heard bob's job`).toBe(true);
    const text = listener.text();
    expect(
      foreign.filter((id) => text.includes(id)),
      listener.name,
    ).toEqual([]);
    received += listener.events.length;
  }
  for (const socket of listeners.sockets) {
    const granted = socket.messages.filter(
      (m) =>
        ['subscribed', 'snapshot', 'event', 'reset'].includes(m.type) &&
        foreign.some((id) => typeof m.topic === 'string' && m.topic.includes(id)),
    );
    expect(granted).toEqual([]);
  }
  return received;
}
