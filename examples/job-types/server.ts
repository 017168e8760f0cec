/**
 * Embedding: the server in a program of your own, with this folder's job types, instead of
 * `backend-patterns serve --job-types`. createServer takes every option the command has.
 *
 *   npx tsx examples/job-types/server.ts        (PORT, DATA_DIR as for the command)
 */
import { createServer } from 'backend-patterns';
import jobTypes from './index.js';

const server = await createServer(
  { port: Number(process.env.PORT ?? 8000), dataDir: process.env.DATA_DIR ?? './data' },
  { jobTypes },
);
console.log(`listening on ${await server.listen()}`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void server.close());
}
