import { describe, expect, it } from 'vitest';
import { OptionsError, optionsFromText } from '../src/config/options.js';
import { Guards } from '../src/edge/guards.js';
import { webSocketOptions } from '../src/transports/websocket.js';

describe('WebSocket options', () => {
  it('defaults to Socket.IO-like heartbeats, 64 KiB messages and a 1 MiB cap, same host only', () => {
    const options = optionsFromText({}, {});
    expect(webSocketOptions(options)).toMatchObject({
      heartbeatMs: 25_000,
      maxPayload: 65_536,
      maxBuffered: 1_048_576,
    });
    expect(new Guards(options).origins).toMatchObject({
      sameHost: true,
      any: false,
      allowNull: false,
    });
  });

  it('reads booleans and origin lists from flags and the environment', () => {
    const options = optionsFromText(
      { allowNullOrigin: 'yes' },
      { ORIGINS: 'same-host,https://app.example.com', WS_HEARTBEAT: '3s' },
    );
    expect(options).toMatchObject({ allowNullOrigin: true, wsHeartbeat: 3000 });
    expect(new Guards(options).origins.origins.has('https://app.example.com')).toBe(true);
  });

  it.each<[Record<string, string>, RegExp]>([
    [{ allowNullOrigin: 'maybe' }, /^--allow-null-origin: "maybe" is not true or false$/],
    [{ origins: 'null' }, /^--origins \(ORIGINS\): "null" is not listed here/],
    [{ origins: 'evil' }, /^--origins \(ORIGINS\): "evil" is not an origin/],
    [
      { wsHighWaterMark: '2mb' },
      /--ws-high-water-mark \(2097152\) must be below --ws-max-buffered/,
    ],
    [{ wsMaxPayload: '1mb' }, /--ws-max-payload \(1048576\) must be below --ws-max-buffered/],
  ])('rejects %j with a message naming the option', (flags, message) => {
    expect(() => optionsFromText(flags, {})).toThrowError(OptionsError);
    expect(() => optionsFromText(flags, {})).toThrowError(message);
  });
});
