import { describe, expect, it } from 'vitest';
import { refusedAddressReason, resolveTarget } from './address-policy.js';

describe('webhook address policy', () => {
  it.each(['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'allows the public unicast address %s',
    (address) => {
      expect(refusedAddressReason(address)).toBeUndefined();
    },
  );

  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['fe80::1', 'linkLocal'],
    ['::ffff:192.168.0.1', 'private'],
    ['::7f00:1', 'IPv4-compatible'],
  ])('refuses %s (%s)', (address, reason) => {
    expect(refusedAddressReason(address)).toContain(reason);
  });

  it('connects to the one address it checked, and allows private ones only when told', async () => {
    await expect(resolveTarget('http://127.0.0.1:1/x', false)).rejects.toMatchObject({
      code: 'webhook_url_refused',
    });
    const target = await resolveTarget('http://localhost:1/x', true);
    expect(['127.0.0.1', '::1']).toContain(target.address);
  });
});
