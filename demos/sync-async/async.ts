/**
 * Async: `readFile` starts the read and returns at once; libuv does the reading on its thread
 * pool, and the callback runs later, when the loop is told the read is done. The lines after the
 * call, and any other work that is ready, run first.
 *
 *   npx tsx demos/sync-async/async.ts
 */
import { readFile } from 'node:fs';
import { say } from './clock.js';

const file = new URL('./sample.txt', import.meta.url);

setTimeout(() => {
  say('other work (a timer due at 0 ms) ran while the file was being read');
}, 0);

say('before read');
readFile(file, 'utf8', (error, contents) => {
  if (error) throw error;
  say(`file contents: "${contents.split('\n')[0] ?? ''}" (${contents.length} bytes)`);
});
say('after read call: the read has only been started');
