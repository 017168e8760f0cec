/**
 * An HTTP server in this process and a client in a worker thread that keeps asking it for a
 * tiny answer while a read runs: the response times are the user-visible cost of a blocked loop.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../execution/start-worker.js';
import { siblingModule } from '../../execution/worker-task.js';
import type { ProbeCommand, ProbeReply } from './http-probe-worker.js';

export interface ProbeResult {
  requests: number;
  p50Ms: number | null;
  maxMs: number | null;
}

export class HttpProbe {
  readonly #server: Server;
  readonly #worker: Worker;

  private constructor(server: Server, worker: Worker) {
    this.#server = server;
    this.#worker = worker;
  }

  static async start(): Promise<HttpProbe> {
    const server = createServer((_request, response) => {
      response.end('ok');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const module = siblingModule(import.meta.url, 'http-probe-worker');
    const worker = startWorker(module, { workerData: { url: `http://127.0.0.1:${port}/` } });
    await once(worker, 'online');
    return new HttpProbe(server, worker);
  }

  /** Resolves once the client is sending, so a read started next is probed from its start. */
  async begin(): Promise<void> {
    await this.#send('begin');
  }

  async end(): Promise<ProbeResult> {
    const reply = await this.#send('end');
    const latencies = reply.kind === 'ended' ? reply.latencies.sort((a, b) => a - b) : [];
    return {
      requests: latencies.length,
      p50Ms: latencies[Math.floor(latencies.length / 2)] ?? null,
      maxMs: latencies.at(-1) ?? null,
    };
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
    this.#server.closeAllConnections();
    this.#server.close();
  }

  async #send(command: ProbeCommand): Promise<ProbeReply> {
    const replied = once(this.#worker, 'message') as Promise<[ProbeReply]>;
    this.#worker.postMessage(command);
    const [reply] = await replied;
    return reply;
  }
}
