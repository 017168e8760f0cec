/**
 * Sync: `readFileSync` returns only when the whole file is in memory, so the line after it
 * runs after the read, and so does everything else the process had to do.
 *
 *   npx tsx demos/sync-async/sync.ts
 */
import { readFileSync } from 'node:fs';
import { say } from './clock.js';

const file = new URL('./sample.txt', import.meta.url);

setTimeout(() => {
  say('other work (a timer due at 0 ms; it had to wait for the whole script)');
}, 0);

say('before read');
const contents = readFileSync(file, 'utf8');
say(`file contents: "${contents.split('\n')[0] ?? ''}" (${contents.length} bytes)`);
say('after read call: the read was already done when this line ran');
