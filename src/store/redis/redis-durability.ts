/**
 * What a Redis's persistence settings guarantee for an acknowledged job, and whether they meet
 * `--redis-durability`. Pure: redis-safety.ts reads the settings and acts on the plan.
 *
 * Why `everysec` is not enough for "acknowledged means stored": Redis answers a command before
 * its AOF write reaches the disk, and with `everysec`, while the background fsync of the
 * previous second is still running, it holds the AOF *write* back (up to 2 s) yet keeps
 * answering. A kill of the Redis process in that window loses writes it acknowledged (issue 14
 * saw 758 jobs acknowledged in the last ~575 ms lost). With `always` the write and the fsync
 * happen before the answer. Redis ≥ 7.2 offers `WAITAOF numlocal 0 timeout`, which blocks a
 * client until its writes are fsynced: with it, `everysec` can confirm each acknowledgement.
 */

/** `warn`: log what the settings can lose; `fsync`: acknowledge only what is on disk. */
export type Durability = 'warn' | 'fsync';

export const DURABILITIES: readonly Durability[] = ['warn', 'fsync'];

/** The settings as read from Redis; undefined where CONFIG is not allowed (managed services). */
export interface Persistence {
  version: string;
  appendonly?: string;
  appendfsync?: string;
}

export interface DurabilityPlan {
  /** Every acknowledged write is on disk before it is acknowledged. */
  onDisk: boolean;
  /** Confirm acknowledged writes with WAITAOF (fsync demanded, Redis ≥ 7.2, `everysec`). */
  waitAof: boolean;
  /** The guarantee in plain words, for the start-up log line and the docs. */
  guarantee: string;
  /** Set when `demanded` is `fsync` and cannot be met: why, and what to change. */
  refusal?: string;
}

/** WAITAOF arrived in Redis 7.2.0. */
export function hasWaitAof(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 7 || (major === 7 && minor >= 2);
}

export function durabilityPlan(settings: Persistence, demanded: Durability): DurabilityPlan {
  const { appendonly, appendfsync, version } = settings;
  const aof = appendonly === 'yes';
  const waitAof = demanded === 'fsync' && aof && appendfsync === 'everysec' && hasWaitAof(version);
  const onDisk = (aof && appendfsync === 'always') || waitAof;
  const guarantee = waitAof
    ? `appendfsync everysec with WAITAOF: each acknowledged job is on disk before it is acknowledged`
    : describe(settings);
  if (demanded !== 'fsync' || onDisk) return { onDisk, waitAof, guarantee };
  const fix =
    appendonly === undefined
      ? 'CONFIG is not allowed on this Redis, so its persistence cannot be checked'
      : `run it with --appendonly yes --appendfsync always${hasWaitAof(version) ? '' : ` (WAITAOF would allow everysec, but needs Redis 7.2; this is ${version})`}`;
  return {
    onDisk,
    waitAof,
    guarantee,
    refusal: `--redis-durability fsync: ${guarantee}; ${fix}`,
  };
}

function describe({ appendonly, appendfsync }: Persistence): string {
  if (appendonly === undefined) return 'persistence unknown (CONFIG GET is not allowed)';
  if (appendonly !== 'yes') {
    return 'appendonly no: a Redis restart loses every write since its last RDB snapshot, if any';
  }
  switch (appendfsync) {
    case 'always':
      return 'appendfsync always: every write is on disk before Redis answers; nothing acknowledged is lost';
    case 'everysec':
      return 'appendfsync everysec: Redis may answer before writing, so a kill of the Redis process or a crash of its host can lose about the last 2 s of acknowledged writes';
    case 'no':
      return 'appendfsync no: a kill of the Redis process loses nothing, a crash or power loss of its host what the OS had not flushed (up to about 30 s on Linux)';
    default:
      return `appendfsync ${appendfsync ?? 'unknown'}: guarantee unknown`;
  }
}
