import { describe, expect, it } from 'vitest';
import { durabilityPlan, hasWaitAof } from './redis-durability.js';

describe('Redis durability plan', () => {
  it('knows which versions have WAITAOF', () => {
    expect(['6.2.14', '7.0.15', '7.1.0'].map(hasWaitAof)).toEqual([false, false, false]);
    expect(['7.2.0', '7.4.1', '8.0.0'].map(hasWaitAof)).toEqual([true, true, true]);
  });

  it('accepts appendfsync always on any version, without WAITAOF', () => {
    for (const version of ['7.0.15', '7.2.4']) {
      const plan = durabilityPlan({ version, appendonly: 'yes', appendfsync: 'always' }, 'fsync');
      expect(plan).toMatchObject({ onDisk: true, waitAof: false });
      expect(plan.refusal).toBeUndefined();
    }
  });

  it('confirms everysec with WAITAOF from Redis 7.2, and refuses it before', () => {
    const settings = { appendonly: 'yes', appendfsync: 'everysec' };
    const recent = durabilityPlan({ ...settings, version: '7.2.4' }, 'fsync');
    expect(recent).toMatchObject({ onDisk: true, waitAof: true });
    expect(recent.refusal).toBeUndefined();
    const old = durabilityPlan({ ...settings, version: '7.0.15' }, 'fsync');
    expect(old).toMatchObject({ onDisk: false, waitAof: false });
    expect(old.refusal).toContain('needs Redis 7.2; this is 7.0.15');
  });

  it('refuses no AOF, appendfsync no and unknown settings under fsync; warn mode only describes', () => {
    for (const settings of [
      { appendonly: 'no', appendfsync: 'always' },
      { appendonly: 'yes', appendfsync: 'no' },
      {},
    ]) {
      const version = '7.2.4';
      expect(durabilityPlan({ ...settings, version }, 'fsync').refusal).toBeDefined();
      const warned = durabilityPlan({ ...settings, version }, 'warn');
      expect(warned).toMatchObject({ onDisk: false, waitAof: false });
      expect(warned.refusal).toBeUndefined();
    }
    expect(durabilityPlan({ version: '7.0.15', appendonly: 'no' }, 'warn').guarantee).toContain(
      'a Redis restart loses every write',
    );
  });
});
