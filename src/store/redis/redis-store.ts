/**
 * The store in Redis mode (`--redis`): jobs as hashes, each job's event log as a stream whose
 * entry ids are `0-<seq>`, secondary indexes as sorted sets, and every change as one Lua script
 * (scripts.ts) so the state machine, the log and the PUBLISH are atomic. Live events travel
 * over RedisBus. Passes the same conformance suite as the SQLite store.
 *
 * Durability is Redis's (redis-durability.ts): with `appendfsync always` nothing acknowledged
 * is lost; `--redis-durability fsync` refuses any setting that could lose an acknowledged job.
 * Whether Redis still holds this deployment's data safely (epoch, eviction policy) is checked
 * by redis-safety.ts; timestamps come from Redis's clock (scripts.ts). See docs/scaling.md.
 */
import { Redis } from 'ioredis';
import { AppError } from '../../model/errors/app-error.js';
import { newJobId } from '../job-id.js';
import { JOB_STATUSES, type Job, type JobEvent, type JobStatus } from '../../model/job.js';
import type { DispatchOutbox, OutboxEntry } from '../dispatch-outbox.js';
import { decodeCursor, pageOf } from '../cursor.js';
import { requestHash } from '../request-hash.js';
import type {
  ClaimResult,
  CreateResult,
  EventListener,
  EventPage,
  FaultListener,
  JobChange,
  MessageListener,
  NewJob,
  Store,
  Unsubscribe,
} from '../store.js';
import type { MessageTopic, Topic } from '../../model/topic.js';
import type { JobPage, ListQuery } from '../../model/job-page.js';
import { eventFromEntry, hashFromList, jobFromHash, jobNumber, type StreamEntry } from './codec.js';
import { AofConfirmer } from './aof-confirmer.js';
import { RedisBus } from './redis-bus.js';
import { RedisClock } from './redis-clock.js';
import { RedisSchedules } from './redis-schedules.js';
import type { Durability } from './redis-durability.js';
import { listIndexKey } from './redis-keys.js';
import { RedisSafety } from './redis-safety.js';
import { appliedChange, changeArgs, defineScripts, guard } from './redis-commands.js';
import { RedisLeases } from './redis-leases.js';
import { RedisTypeSlots } from './redis-type-slots.js';
import { RedisWebhookEndpoints } from './redis-webhook-endpoints.js';
import { RedisWebhookOutbox } from './redis-webhook-outbox.js';
import type { LeasedJob, LeasedOutcome } from '../leases.js';
import {
  inParallel,
  Lifecycle,
  warnOnStageError,
  type LifecycleState,
  type StageErrorHandler,
} from '../../lifecycle/lifecycle.js';
import { retryDelay } from '../retry-decision.js';
import type { BackoffPolicy } from '../../model/backoff.js';

export interface RedisStoreOptions {
  url: string;
  /** Key prefix, so several deployments can share one Redis. */
  prefix?: string;
  /** `--redis-durability` (default `warn`). */
  durability?: Durability;
  /** How often Redis's settings are re-checked besides on reconnects (default 5 s; 0: never). */
  checkIntervalMs?: number;
  /** Most finished jobs one prune() deletes (default 10,000); the rest wait for the next. */
  pruneLimit?: number;
  onListenerError?: (error: unknown) => void;
  /** Told about connection errors; ioredis keeps reconnecting by itself. */
  onConnectionError?: (error: Error) => void;
  /** Told what Redis's settings risk, and when it lost or endangers the data. */
  onWarning?: (message: string) => void;
  /** Reports a failed close stage (default: a process warning). */
  onCloseError?: StageErrorHandler;
  /** The random source of backoff jitter (default Math.random). */
  random?: () => number;
}

const PRUNE_BATCH = 500;
/** Most finished jobs one prune() call deletes by default. */
export const PRUNE_PASS_LIMIT = 10_000;
/** Far above a command's time on a working Redis (well under 10 ms), below a client's patience. */
const COMMAND_TIMEOUT_MS = 3000;
/** How long a WAITAOF may wait for the fsync of an acknowledged write. */
const WAITAOF_TIMEOUT_MS = 2000;

export class RedisStore implements Store {
  readonly #redis: Redis;
  readonly #subscriber: Redis;
  readonly #bus: RedisBus;
  readonly #prefix: string;
  readonly #options: RedisStoreOptions;
  #safety: RedisSafety | undefined;
  #clock: RedisClock | undefined;
  /** With WAITAOF: the connection and group commit for acknowledged writes. */
  #durable: { redis: Redis; confirmer: AofConfirmer } | undefined;
  readonly #leases: RedisLeases;
  readonly typeSlots: RedisTypeSlots;
  readonly schedules: RedisSchedules;
  readonly #lifecycle: Lifecycle;
  /** Webhook deliveries, written by the same scripts as the events they report. */
  readonly webhooks: RedisWebhookOutbox;
  readonly webhookEndpoints: RedisWebhookEndpoints;

  private constructor(options: RedisStoreOptions) {
    this.#lifecycle = new Lifecycle(options.onCloseError ?? warnOnStageError('the Redis store'));
    this.#options = options;
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
    defineScripts(this.#redis);
    this.#bus = new RedisBus(
      this.#subscriber,
      this.#redis,
      this.#prefix,
      options.onListenerError ?? (() => undefined),
    );
    this.schedules = new RedisSchedules({
      redis: this.#redis,
      prefix: this.#prefix,
      create: (job) => this.create(job),
    });
    this.#leases = new RedisLeases({
      redis: this.#redis,
      prefix: this.#prefix,
      epoch: () => this.#checked.epoch,
      refusedForEpoch: () => this.#refusedForEpoch(),
      retryArgs: (id, change) => this.#retryArgs(id, change),
    });
    this.typeSlots = new RedisTypeSlots({
      redis: this.#redis,
      prefix: this.#prefix,
      epoch: () => {
        this.#checked.assertDataKept();
        return this.#checked.epoch;
      },
      refusedForEpoch: () => this.#refusedForEpoch(),
    });
    this.webhooks = new RedisWebhookOutbox({
      redis: this.#redis,
      prefix: this.#prefix,
      epoch: () => this.#checked.epoch,
      refusedForEpoch: () => this.#refusedForEpoch(),
      onError: onConnectionError,
    });
    this.webhookEndpoints = new RedisWebhookEndpoints(this.#redis, this.#prefix);
  }

  /**
   * Connects, checks that Redis is safe to use (redis-safety.ts: eviction policy, persistence
   * against `durability`, the deployment epoch), and subscribes to the events channel.
   */
  static async open(options: RedisStoreOptions): Promise<RedisStore> {
    const store = new RedisStore(options);
    try {
      await store.#redis.connect();
      const safety = await RedisSafety.open(store.#redis, options.url, {
        prefix: store.#prefix,
        durability: options.durability ?? 'warn',
        checkIntervalMs: options.checkIntervalMs ?? 5000,
        onWarning: options.onWarning ?? (() => undefined),
      });
      store.#safety = safety;
      store.#clock = await RedisClock.open(store.#redis);
      if (safety.waitAof) {
        const redis = store.#redis.duplicate();
        defineScripts(redis);
        redis.on('error', options.onConnectionError ?? (() => undefined));
        store.#durable = { redis, confirmer: new AofConfirmer(redis, WAITAOF_TIMEOUT_MS) };
      }
      await store.#bus.start();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  /** The deployment's clock (Redis's TIME), for what is decided outside the scripts. */
  now(): number {
    return this.#clock?.now() ?? Date.now();
  }

  /** The outbox of jobs stored but not yet confirmed in the queue (dispatch-outbox.ts). */
  readonly outbox: DispatchOutbox = {
    due: (graceMs, limit) => guard(this.#due(graceMs, limit)),
    dispatched: (id) => guard(this.#redis.zrem(`${this.#prefix}outbox`, id).then(() => undefined)),
  };

  subscribeFaults(listener: FaultListener): Unsubscribe {
    return this.#checked.onFault(listener);
  }

  create(request: NewJob): Promise<CreateResult> {
    return guard(this.#create(request));
  }

  async #create(request: NewJob): Promise<CreateResult> {
    await this.#checked.admitNewJob();
    const hash = requestHash(request.type, request.input);
    const maxAttempts = request.maxAttempts ?? 1;
    const args = [
      this.#prefix,
      this.#checked.epoch,
      newJobId(),
      request.type,
      JSON.stringify(request.input ?? null),
      request.idempotencyKey ?? '',
      hash,
      request.owner ?? '',
      String(maxAttempts),
      maxAttempts > 1 && request.backoff ? JSON.stringify(request.backoff) : '',
      String(request.priority ?? 0),
      request.runAt === undefined ? '' : String(Math.round(request.runAt)),
      request.webhooks?.length ? JSON.stringify(request.webhooks) : '',
      request.keepForMs === undefined ? '' : String(Math.round(request.keepForMs)),
    ];
    const durable = this.#durable;
    const reply = durable
      ? await durable.confirmer.write(() => durable.redis.bpCreate(...args))
      : await this.#redis.bpCreate(...args);
    if (reply[0] === 'epoch') return this.#refusedForEpoch();
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
    this.#checked.assertDataKept();
    const hash = await this.#redis.hgetall(this.#key('job', id));
    if (hash.id !== undefined) return jobFromHash(hash);
    await this.#checked.confirmDataKept(); // a missing job, or a Redis that lost everything?
    return undefined;
  }

  list(query: ListQuery): Promise<JobPage> {
    return guard(this.#list(query));
  }

  /** One index holds exactly the matching jobs (redis-keys.ts): one range, one script. */
  async #list(query: ListQuery): Promise<JobPage> {
    this.#checked.assertDataKept();
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const [epoch, ...lists] = await this.#redis.bpList(
      this.#prefix,
      listIndexKey(this.#prefix, query),
      before === undefined ? '+inf' : `(${before}`,
      String(query.limit + 1),
    );
    if (epoch !== this.#checked.epoch) await this.#checked.confirmDataKept();
    const { page, nextCursor } = pageOf(lists.map(hashFromList), query.limit, jobNumber);
    return { jobs: page.map(jobFromHash), nextCursor };
  }

  update(id: string, change: JobChange): Promise<{ job: Job; event: JobEvent }> {
    return guard(this.#update(id, change));
  }

  async #update(id: string, change: JobChange): Promise<{ job: Job; event: JobEvent }> {
    this.#checked.assertDataKept();
    const retry = change.kind === 'failed' ? await this.#retryArgs(id, change) : ['', ''];
    const args = [this.#prefix, this.#checked.epoch, id, ...changeArgs(change), ...retry];
    // A cancel is acknowledged to a client: with WAITAOF it waits for the disk like a submit.
    const durable = change.kind === 'canceled' ? this.#durable : undefined;
    const reply = durable
      ? await durable.confirmer.write(() => durable.redis.bpUpdate(...args))
      : await this.#redis.bpUpdate(...args);
    if (reply[0] === 'epoch') return this.#refusedForEpoch();
    return appliedChange(id, change.kind, reply);
  }

  /**
   * The retry decision (retry-decision.ts) needs the job's attempts and backoff: read them,
   * decide here, and let the script apply the retry only if that run is still the current one.
   */
  async #retryArgs(id: string, change: JobChange): Promise<[string, string]> {
    const [status, attempt, maxAttempts, backoff] = await this.#redis.hmget(
      this.#key('job', id),
      'status',
      'attempt',
      'maxAttempts',
      'backoff',
    );
    if (!status || !attempt) return ['', ''];
    const delay = retryDelay(
      {
        status: status as JobStatus,
        attempt: Number(attempt),
        maxAttempts: Number(maxAttempts ?? 1),
        backoff: backoff ? (JSON.parse(backoff) as BackoffPolicy) : undefined,
      },
      change,
      this.#options.random,
    );
    return delay === undefined ? ['', ''] : [String(delay), attempt];
  }

  claimNext(
    limit = 1,
    exceptTypes: readonly string[] = [],
    typeLimits: Readonly<Record<string, number>> = {},
  ): Promise<ClaimResult> {
    return guard(this.#claimNext(limit, exceptTypes, typeLimits));
  }

  async #claimNext(
    limit: number,
    exceptTypes: readonly string[],
    typeLimits: Readonly<Record<string, number>>,
  ): Promise<ClaimResult> {
    this.#checked.assertDataKept();
    const limits = Object.entries(typeLimits).flatMap(([type, max]) => [type, String(max)]);
    const args = [
      this.#prefix,
      this.#checked.epoch,
      String(limit),
      String(limits.length / 2),
      ...limits,
      ...exceptTypes,
    ];
    const reply = await this.#redis.bpClaim(...args);
    if (reply[0] === 'epoch') return this.#refusedForEpoch();
    const jobs: Job[] = [];
    for (let i = 2; i + 1 < reply.length; i += 2) {
      const hash = hashFromList(reply[i + 1] as string[]);
      jobs.push(appliedChange(hash.id ?? '', 'started', ['ok', reply[i], reply[i + 1]]).job);
    }
    const next = reply[1] as string;
    return { jobs, nextDueAt: next === '' ? undefined : Number(next) };
  }

  claimLeased(
    types: readonly string[],
    worker: string,
    leaseMs: number,
    typeLimits: Readonly<Record<string, number>> = {},
  ): Promise<LeasedJob | undefined> {
    return this.#leased(() => this.#leases.claim(types, worker, leaseMs, typeLimits));
  }

  renewLease(
    id: string,
    token: string,
    leaseMs: number,
    progress?: { progress: number; data?: unknown },
  ): Promise<LeasedJob> {
    return this.#leased(() => this.#leases.renew(id, token, leaseMs, progress));
  }

  completeLeased(id: string, token: string, outcome: LeasedOutcome): Promise<Job> {
    return this.#leased(() => this.#leases.complete(id, token, outcome));
  }

  expireLeases(requeueBelowAttempt: number): Promise<string[]> {
    return this.#leased(() => this.#leases.expire(requeueBelowAttempt));
  }

  /** A lease operation, once the data is known to be kept, with connection failures mapped. */
  async #leased<T>(operation: () => Promise<T>): Promise<T> {
    this.#checked.assertDataKept();
    return guard(operation());
  }

  events(id: string, afterSeq: number, limit = 1000): Promise<EventPage | undefined> {
    return guard(this.#events(id, afterSeq, limit));
  }

  async #events(id: string, afterSeq: number, limit: number): Promise<EventPage | undefined> {
    this.#checked.assertDataKept();
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
    if (!exists) {
      await this.#checked.confirmDataKept();
      return undefined;
    }
    const firstEntry = first[0];
    return {
      events: entries.map((entry) => eventFromEntry(id, entry)),
      firstSeq: firstEntry ? eventFromEntry(id, firstEntry).seq : 1,
    };
  }

  prune(before: Date, now?: Date): Promise<number> {
    return guard(this.#prune(before, now));
  }

  /**
   * `before` and `now` are read on this process's clock only to learn the age asked for (and
   * how far ahead a test's `now` is): the scripts compare them with Redis's clock, so a skewed
   * or jumping clock here prunes nothing early. At most `pruneLimit` jobs go per call, in
   * batches (each one script) with other commands in between; the retention pruner calls again
   * for the rest.
   */
  async #prune(before: Date, now?: Date): Promise<number> {
    const here = Date.now();
    const ageMs = here - before.getTime();
    const aheadMs = now === undefined ? 0 : now.getTime() - here;
    const limit = this.#options.pruneLimit ?? PRUNE_PASS_LIMIT;
    let total = 0;
    while (total < limit) {
      const batch = Math.min(PRUNE_BATCH, limit - total);
      const deleted = await this.#redis.bpPrune(
        this.#prefix,
        this.#checked.epoch,
        String(ageMs),
        String(batch),
        String(aheadMs),
      );
      if (deleted < 0) return this.#refusedForEpoch();
      total += deleted;
      if (deleted < batch) break;
    }
    return total;
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
    await this.#checked.assertHealthy();
  }

  probeWrite(): Promise<void> {
    // A real write, which Redis refuses when it cannot persist (MISCONF) or is a replica.
    return guard(
      this.#ping().then(async () => {
        await this.#redis.set(`${this.#prefix}ready-probe`, '1', 'PX', 10_000);
      }),
    );
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

  get state(): LifecycleState {
    return this.#lifecycle.state;
  }

  /** Stops the safety checks and the clock, then closes every connection (the bus's too). */
  close(): Promise<void> {
    return this.#lifecycle.close(() => [
      { name: 'safety checks', run: () => this.#safety?.close() },
      { name: 'clock', run: () => this.#clock?.close() },
      inParallel('connections', [
        { name: 'bus connection', run: () => closeConnection(this.#subscriber) },
        { name: 'command connection', run: () => closeConnection(this.#redis) },
        { name: 'durable connection', run: () => closeConnection(this.#durable?.redis) },
        { name: 'webhook wake-up connection', run: () => this.webhooks.close() },
      ]),
    ]);
  }

  get #checked(): RedisSafety {
    if (!this.#safety) throw new Error('the Redis store is not open');
    return this.#safety;
  }

  async #due(graceMs: number, limit: number): Promise<OutboxEntry[]> {
    const args = [this.#prefix, this.#checked.epoch, String(graceMs), String(limit)];
    const reply = await this.#redis.bpOutbox(...args);
    if (reply[0] === 'epoch') return this.#refusedForEpoch();
    const entries: OutboxEntry[] = [];
    for (let i = 0; i + 3 < reply.length; i += 4) {
      const entry: OutboxEntry = {
        id: reply[i] ?? '',
        type: reply[i + 1] ?? '',
        priority: Number(reply[i + 2]),
      };
      const runAt = reply[i + 3];
      if (runAt) entry.runAt = new Date(Number(runAt)).toISOString();
      entries.push(entry);
    }
    return entries;
  }

  /** A script found another epoch: the data is gone (this throws why), or it changed twice. */
  async #refusedForEpoch(): Promise<never> {
    await this.#checked.confirmDataKept();
    throw new AppError('redis_unsafe', 'the deployment epoch in Redis changed during the write');
  }

  #key(kind: string, name: string): string {
    return `${this.#prefix}${kind}:${name}`;
  }
}

/**
 * QUIT on a live connection (replies already sent still arrive); a connection that is not
 * ready (never connected, reconnecting) is dropped instead, as QUIT would wait for it.
 */
async function closeConnection(redis: Redis | undefined): Promise<void> {
  if (!redis) return;
  if (redis.status === 'ready') await redis.quit();
  else redis.disconnect();
}
