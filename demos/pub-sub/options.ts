/** The options the chapter's publisher and subscriber share. */
import type { OptionSpec } from '../command-line.js';

export const PUB_SUB_OPTIONS = {
  url: {
    kind: 'url',
    default: 'ws://localhost:8000/ws',
    protocols: ['ws:', 'wss:'],
    help: "the server's WebSocket endpoint",
  },
  name: { kind: 'text', default: 'subscriber', help: 'the name it shows in counters and rooms' },
  seconds: { kind: 'integer', default: 10, min: 1, max: 3600, help: 'how long it runs' },
} as const satisfies Record<string, OptionSpec>;
