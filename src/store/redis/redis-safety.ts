/**
 * Whether this Redis still holds this deployment's data safely, checked at start, after every
 * reconnect, on every /healthz and every few seconds:
 *
 * - **Epoch.** The first process to open an empty Redis writes a random epoch key; every
 *   process remembers the one it found. A Redis restarted empty (or flushed, or given another
 *   deployment's data) has no epoch or another one: the data this process knew is gone. It then
 *   refuses reads and writes (`redis_unsafe`), /healthz fails, and every live follower is told
 *   (`onFault`), until the process is restarted — loudly, rather than answering 404 for every
 *   old job as if nothing happened. The write scripts check the epoch too, atomically.
 * - **Eviction.** A `maxmemory-policy` other than `noeviction` may silently delete jobs: refused
 *   at start; found later (a restart with `allkeys-lru`, a CONFIG SET), new jobs are refused and
 *   /healthz fails until it is `noeviction` again. Changes to existing jobs go on, so running
 *   jobs can still finish.
 * - **Persistence** against `--redis-durability` (redis-durability.ts): `warn` logs what the
 *   settings can lose whenever they change; `fsync` refuses to start, and later refuses new
 *   jobs, while an acknowledged job could be lost.
 */
import { randomUUID } from 'node:crypto';
import { ReplyError, type Redis } from 'ioredis';
import { AppError } from '../../model/errors/app-error.js';
import { OptionsError } from '../../model/errors/options-error.js';
import { durabilityPlan, type Durability, type DurabilityPlan } from './redis-durability.js';

export interface SafetyOptions {
  prefix: string;
  durability: Durability;
  /** Re-reads the settings this often besides on reconnects; 0: on reconnects only. */
  checkIntervalMs: number;
  onWarning: (message: string) => void;
}

type FaultListener = (error: AppError) => void;

export class RedisSafety {
  readonly #redis: Redis;
  readonly #options: SafetyOptions;
  readonly #faults = new Set<FaultListener>();
  #epoch = '';
  #plan: DurabilityPlan | undefined;
  /** The data is gone: permanent for this process. */
  #lost: AppError | undefined;
  /** New jobs are refused until a check finds the settings safe again. */
  #unsafe: AppError | undefined;
  /** False from a disconnect until the next check has passed. */
  #verified = true;
  #checking: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;

  private constructor(redis: Redis, options: SafetyOptions) {
    this.#redis = redis;
    this.#options = options;
  }

  /** Checks a freshly connected Redis; refuses (OptionsError, one line) one that is unsafe. */
  static async open(redis: Redis, url: string, options: SafetyOptions): Promise<RedisSafety> {
    const safety = new RedisSafety(redis, options);
    await safety.#check();
    if (safety.#unsafe) throw new OptionsError(`--redis ${url}: ${safety.#unsafe.message}`);
    const key = `${options.prefix}epoch`;
    await redis.set(key, randomUUID(), 'NX');
    safety.#epoch = (await redis.get(key)) ?? '';
    redis.on('close', () => {
      safety.#verified = false;
    });
    redis.on('ready', () => {
      void safety.check().catch(() => undefined);
    });
    if (options.checkIntervalMs > 0) {
      safety.#timer = setInterval(() => {
        void safety.check().catch(() => undefined);
      }, options.checkIntervalMs).unref();
    }
    return safety;
  }

  get epoch(): string {
    return this.#epoch;
  }

  /** Confirm acknowledged writes with WAITAOF (see redis-durability.ts). */
  get waitAof(): boolean {
    return this.#plan?.waitAof ?? false;
  }

  /** Re-reads epoch and settings; concurrent calls share one check. */
  check(): Promise<void> {
    this.#checking ??= this.#check().finally(() => {
      this.#checking = undefined;
    });
    return this.#checking;
  }

  /** Before storing a new job: throws why it must be refused, if anything. */
  async admitNewJob(): Promise<void> {
    if (!this.#verified && !this.#lost) await this.check();
    if (this.#lost) throw this.#lost;
    if (this.#unsafe) throw this.#unsafe;
  }

  /** Before reading or changing existing jobs: throws once the data is known to be lost. */
  assertDataKept(): void {
    if (this.#lost) throw this.#lost;
  }

  /** /healthz: the epoch is re-read, and any reason to refuse work makes it fail. */
  async assertHealthy(): Promise<void> {
    await this.#checkEpoch();
    if (this.#lost) throw this.#lost;
    if (this.#unsafe) throw this.#unsafe;
  }

  /**
   * A script refused for another epoch, or a read found nothing: finds out whether the data
   * is gone (then throws), or the job simply does not exist.
   */
  async confirmDataKept(): Promise<void> {
    await this.#checkEpoch();
    if (this.#lost) throw this.#lost;
  }

  /** Calls `listener` once, when the data is found lost. */
  onFault(listener: FaultListener): () => void {
    this.#faults.add(listener);
    return () => this.#faults.delete(listener);
  }

  close(): void {
    clearInterval(this.#timer);
    this.#faults.clear();
  }

  async #check(): Promise<void> {
    if (this.#epoch !== '') await this.#checkEpoch();
    const [policy, appendonly, appendfsync] = await Promise.all([
      this.#config('maxmemory-policy'),
      this.#config('appendonly'),
      this.#config('appendfsync'),
    ]);
    const server = await this.#allowed(() => this.#redis.info('server'));
    const version = /redis_version:([\d.]+)/.exec(server ?? '')?.[1] ?? '0';
    const plan = durabilityPlan({ version, appendonly, appendfsync }, this.#options.durability);
    if (plan.guarantee !== this.#plan?.guarantee && !plan.onDisk && !plan.refusal) {
      this.#options.onWarning(
        `Redis persistence: ${plan.guarantee} (--redis-durability fsync would refuse it)`,
      );
    }
    this.#plan = plan;
    const reason =
      policy !== undefined && policy !== 'noeviction'
        ? `Redis maxmemory-policy is "${policy}"; it must be "noeviction" or jobs can silently disappear`
        : plan.refusal;
    // At start an unsafe Redis is refused instead (open); later, each change is logged.
    if (this.#epoch !== '' && reason !== this.#unsafe?.message) {
      this.#options.onWarning(
        reason === undefined
          ? 'Redis is safe again: new jobs are accepted'
          : `new jobs refused: ${reason}`,
      );
    }
    this.#unsafe = reason === undefined ? undefined : new AppError('redis_unsafe', reason);
    this.#verified = true;
  }

  async #checkEpoch(): Promise<void> {
    if (this.#lost) return;
    const found = await this.#redis.get(`${this.#options.prefix}epoch`);
    if (found === this.#epoch) return;
    this.#lost = new AppError(
      'redis_unsafe',
      found === null
        ? 'Redis lost the data of this deployment (restarted empty or flushed): restart the server processes to start afresh'
        : 'Redis now holds the data of another deployment epoch: restart the server processes to use it',
    );
    this.#options.onWarning(this.#lost.message);
    for (const listener of [...this.#faults]) listener(this.#lost);
  }

  /** A CONFIG value, or undefined where CONFIG is disabled (some managed services). */
  async #config(name: string): Promise<string | undefined> {
    const reply = await this.#allowed(() => this.#redis.config('GET', name) as Promise<string[]>);
    return reply?.[1];
  }

  /** The command's reply, or undefined when Redis refuses the command itself. */
  async #allowed<T>(command: () => Promise<T>): Promise<T | undefined> {
    try {
      return await command();
    } catch (error) {
      if (error instanceof ReplyError) return undefined; // unknown command, NOPERM
      throw error; // unreachable: the check did not happen
    }
  }
}
