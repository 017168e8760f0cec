/**
 * The store in Redis mode (`--redis`): jobs as hashes, each job's event log as a stream whose
 * entry ids are `0-<seq>`, secondary indexes as sorted sets, and every change as one Lua script
 * (scripts.ts) so the state machine, the log and the PUBLISH are atomic. Live events travel
 * over RedisBus. Passes the same conformance suite as the SQLite store.
 *
 * Durability is Redis's: with `appendonly yes` and `appendfsync everysec` (the recommended
 * setting) an acknowledged job survives a Redis crash minus at most about a second of writes;
 * `appendfsync always` loses none. See docs/scaling.md.
 */
import { Redis } from 'ioredis';
import { AppError } from '../../model/errors/app-error.js';
import { newJobId } from '../job-id.js';
import { JOB_STATUSES, type Job, type JobEvent, type JobStatus } from '../../model/job.js';
import { changeEffect } from '../change-effect.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { requestHash } from '../request-hash.js';
import type {
  CreateResult,
  EventListener,
  EventPage,
  JobChange,
  MessageListener,
  NewJob,
  Store,
  Unsubscribe,
} from '../store.js';
import type { MessageTopic, Topic } from '../../model/topic.js';
import type { JobPage, ListQuery } from '../../model/job-page.js';
import {
  eventFromEntry,
  eventFromPayload,
  hashFromList,
  jobFromHash,
  jobNumber,
  type StreamEntry,
} from './codec.js';
import { RedisBus } from './redis-bus.js';
import { CLAIM_SCRIPT, CREATE_SCRIPT, PRUNE_SCRIPT, UPDATE_SCRIPT } from './scripts.js';

export interface RedisStoreOptions {
  url: string;
  /** Key prefix, so several deployments can share one Redis. */
  prefix?: string;
  onListenerError?: (error: unknown) => void;
  /** Told about connection errors; ioredis keeps reconnecting by itself. */
  onConnectionError?: (error: Error) => void;
}

type ScriptReply = [string, ...unknown[]];

const PRUNE_BATCH = 500;
/** Far above a command's time on a working Redis (well under 10 ms), below a client's patience. */
const COMMAND_TIMEOUT_MS = 3000;

declare module 'ioredis' {
  interface RedisCommander {
    bpCreate(...args: string[]): Promise<ScriptReply>;
    bpUpdate(...args: string[]): Promise<ScriptReply>;
    bpClaim(...args: string[]): Promise<ScriptReply>;
    bpPrune(...args: string[]): Promise<number>;
  }
}

export class RedisStore implements Store {
  readonly #redis: Redis;
  readonly #subscriber: Redis;
  readonly #bus: RedisBus;
  readonly #prefix: string;
  #closed: Promise<void> | undefined;

  private constructor(options: RedisStoreOptions) {
    this.#prefix = options.prefix ?? 'bp:';
    // Fail a command after one reconnect attempt rather than queueing it for long: an HTTP
    // client is better served by a quick 503 than by a request that hangs. A Redis that stops
    // answering on a live connection (frozen, overloaded) triggers no reconnect at all, so
    // each command also gives up after COMMAND_TIMEOUT_MS.
    this.#redis = new Redis(options.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      commandTimeout: COMMAND_TIMEOUT_MS,
    });
    this.#subscriber = this.#redis.duplicate();
    const onConnectionError = options.onConnectionError ?? (() => undefined);
    this.#redis.on('error', onConnectionError);
    this.#subscriber.on('error', onConnectionError);
    this.#redis.defineCommand('bpCreate', { numberOfKeys: 0, lua: CREATE_SCRIPT });
    this.#redis.defineCommand('bpUpdate', { numberOfKeys: 0, lua: UPDATE_SCRIPT });
    this.#redis.defineCommand('bpClaim', { numberOfKeys: 0, lua: CLAIM_SCRIPT });
    this.#redis.defineCommand('bpPrune', { numberOfKeys: 0, lua: PRUNE_SCRIPT });
    this.#bus = new RedisBus(
      this.#subscriber,
      this.#redis,
      this.#prefix,
      options.onListenerError ?? (() => undefined),
    );
  }

  /** Connects, checks the server's eviction policy, and subscribes to the events channel. */
  static async open(options: RedisStoreOptions): Promise<RedisStore> {
    const store = new RedisStore(options);
    try {
      await store.#redis.connect();
      await store.#checkEvictionPolicy();
      await store.#bus.start();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  create(request: NewJob): Promise<CreateResult> {
    return guard(this.#create(request));
  }

  async #create(request: NewJob): Promise<CreateResult> {
    const hash = requestHash(request.type, request.input);
    const reply = await this.#redis.bpCreate(
      this.#prefix,
      newJobId(),
      request.type,
      JSON.stringify(request.input ?? null),
      request.idempotencyKey ?? '',
      hash,
      String(Date.now()),
      request.owner ?? '',
    );
    if (reply[0] === 'existing') {
      const existing = hashFromList(reply[1] as string[]);
      const outcome = existing.hash === hash ? 'replayed' : 'conflict';
      return { outcome, job: jobFromHash(existing) };
    }
    return { outcome: 'created', job: jobFromHash(hashFromList(reply[2] as string[])) };
  }

  get(id: string): Promise<Job | undefined> {
    return guard(this.#get(id));
  }

  async #get(id: string): Promise<Job | undefined> {
    const hash = await this.#redis.hgetall(this.#key('job', id));
    return hash.id === undefined ? undefined : jobFromHash(hash);
  }

  list(query: ListQuery): Promise<JobPage> {
    return guard(this.#list(query));
  }

  async #list(query: ListQuery): Promise<JobPage> {
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    // The most selective index is read in chunks; the other filters apply to what it returns.
    const index = query.owner
      ? this.#key('ow', query.owner)
      : query.status
        ? this.#key('st', query.status)
        : query.type
          ? this.#key('ty', query.type)
          : `${this.#prefix}all`;
    const wanted = query.limit + 1;
    const found: Record<string, string>[] = [];
    let max = before === undefined ? '+inf' : `(${before}`;
    while (found.length < wanted) {
      const ids = await this.#redis.zrevrangebyscore(index, max, '-inf', 'LIMIT', 0, wanted);
      if (ids.length === 0) break;
      const pipeline = this.#redis.pipeline();
      for (const id of ids) pipeline.hgetall(this.#key('job', id));
      const hashes = ((await pipeline.exec()) ?? []).map(([, h]) => h as Record<string, string>);
      for (const hash of hashes) {
        if (hash.id === undefined) continue; // pruned between the two reads
        if (query.type && hash.type !== query.type) continue;
        if (query.status && hash.status !== query.status) continue;
        if (found.length < wanted) found.push(hash);
      }
      const last = hashes.at(-1);
      if (ids.length < wanted || !last) break;
      max = `(${String(jobNumber(last))}`;
    }
    const page = found.slice(0, query.limit);
    const last = page.at(-1);
    const nextCursor = found.length > query.limit && last ? encodeCursor(jobNumber(last)) : null;
    return { jobs: page.map(jobFromHash), nextCursor };
  }

  update(id: string, change: JobChange): Promise<{ job: Job; event: JobEvent }> {
    return guard(this.#update(id, change));
  }

  async #update(id: string, change: JobChange): Promise<{ job: Job; event: JobEvent }> {
    const reply = await this.#redis.bpUpdate(this.#prefix, id, ...changeArgs(change));
    return this.#applied(id, change.kind, reply);
  }

  claimNext(): Promise<Job | undefined> {
    return guard(this.#claimNext());
  }

  async #claimNext(): Promise<Job | undefined> {
    const reply = await this.#redis.bpClaim(this.#prefix, String(Date.now()));
    if (reply[0] === 'none') return undefined;
    const hash = hashFromList(reply[2] as string[]);
    return this.#applied(hash.id ?? '', 'started', reply).job;
  }

  events(id: string, afterSeq: number, limit = 1000): Promise<EventPage | undefined> {
    return guard(this.#events(id, afterSeq, limit));
  }

  async #events(id: string, afterSeq: number, limit: number): Promise<EventPage | undefined> {
    const key = this.#key('ev', id);
    const [[, exists], [, first], [, entries]] = ((await this.#redis
      .multi()
      .exists(this.#key('job', id))
      .xrange(key, '-', '+', 'COUNT', 1)
      .xrange(key, `(0-${afterSeq}`, '+', 'COUNT', limit)
      .exec()) ?? []) as [unknown, unknown][] as [
      [unknown, number],
      [unknown, StreamEntry[]],
      [unknown, StreamEntry[]],
    ];
    if (!exists) return undefined;
    const firstEntry = first[0];
    return {
      events: entries.map((entry) => eventFromEntry(id, entry)),
      firstSeq: firstEntry ? eventFromEntry(id, firstEntry).seq : 1,
    };
  }

  prune(before: Date): Promise<number> {
    return guard(this.#prune(before));
  }

  async #prune(before: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.#redis.bpPrune(
        this.#prefix,
        String(before.getTime()),
        String(PRUNE_BATCH),
      );
      total += deleted;
      if (deleted < PRUNE_BATCH) return total;
    }
  }

  countByStatus(): Promise<Record<JobStatus, number>> {
    return guard(this.#countByStatus());
  }

  async #countByStatus(): Promise<Record<JobStatus, number>> {
    const pipeline = this.#redis.pipeline();
    for (const status of JOB_STATUSES) pipeline.zcard(this.#key('st', status));
    const replies = (await pipeline.exec()) ?? [];
    return Object.fromEntries(
      JOB_STATUSES.map((status, i) => [status, Number(replies[i]?.[1] ?? 0)]),
    ) as Record<JobStatus, number>;
  }

  ping(): Promise<void> {
    return guard(this.#ping());
  }

  async #ping(): Promise<void> {
    await this.#redis.ping();
  }

  subscribe(topic: Topic, listener: EventListener): Unsubscribe {
    return this.#bus.subscribe(topic, listener);
  }

  subscribeMessages(topic: MessageTopic, listener: MessageListener): Unsubscribe {
    return this.#bus.subscribeMessages(topic, listener);
  }

  publishMessage(topic: MessageTopic, data: unknown): Promise<void> {
    return guard(this.#bus.publishMessage(topic, data));
  }

  get subscriptionCount(): number {
    return this.#bus.size;
  }

  close(): Promise<void> {
    this.#closed ??= Promise.allSettled([this.#subscriber.quit(), this.#redis.quit()]).then(
      () => undefined,
    );
    return this.#closed;
  }

  #key(kind: string, name: string): string {
    return `${this.#prefix}${kind}:${name}`;
  }

  #applied(id: string, kind: string, reply: ScriptReply): { job: Job; event: JobEvent } {
    if (reply[0] === 'missing') throw new AppError('job_not_found', `no job has id ${id}`);
    if (reply[0] === 'illegal') {
      throw new AppError('illegal_transition', `a ${String(reply[1])} job cannot become ${kind}`);
    }
    return {
      job: jobFromHash(hashFromList(reply[2] as string[])),
      event: eventFromPayload(reply[1] as string),
    };
  }

  /** Evicting keys would silently lose jobs and logs: refuse to run on such a Redis. */
  async #checkEvictionPolicy(): Promise<void> {
    let policy: string | undefined;
    try {
      const reply = (await this.#redis.config('GET', 'maxmemory-policy')) as string[];
      policy = reply[1];
    } catch {
      return; // CONFIG is disabled on some managed services: nothing to check with
    }
    if (policy !== undefined && policy !== 'noeviction') {
      throw new Error(
        `Redis maxmemory-policy is "${policy}"; it must be "noeviction" or jobs can silently disappear`,
      );
    }
  }
}

/**
 * Connection failures become `store_unavailable` (503: retry later) instead of an internal
 * error; the job store's own errors (job_not_found, illegal_transition) pass through.
 */
async function guard<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('store_unavailable', 'the job store cannot be reached; retry later');
  }
}

/** The update script's arguments after prefix and id: kind, progress, data, result, error, now. */
function changeArgs(change: JobChange): string[] {
  const effect = changeEffect(change);
  // The script reads `progress` for progress changes only, and sets it for the others.
  const progress = String(effect.progress ?? 0);
  const data = effect.data === undefined ? '' : JSON.stringify(effect.data);
  const result = 'result' in effect ? JSON.stringify(effect.result) : '';
  const error = effect.error ? JSON.stringify(effect.error) : '';
  return [change.kind, progress, data, result, error, String(Date.now())];
}
