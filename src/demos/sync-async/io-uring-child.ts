/**
 * The child process that measures the async strategies again with UV_USE_IO_URING=1 (libuv
 * reads the environment once, when the process starts, so it takes a process of its own).
 * It answers `measure` requests over the IPC channel and exits when the parent disconnects.
 */
import { asyncReadStrategies } from '../../execution/file-read-strategies.js';
import { HttpProbe } from './http-probe.js';
import { ioUringRings, measureRead, type ReadMeasurement } from './measure-read.js';

export interface MeasureRequest {
  strategy: string;
  path: string;
}

export type ChildMessage =
  | { kind: 'ready'; ioUringRings: number; strategies: string[] }
  | { kind: 'measured'; measurement: ReadMeasurement }
  | { kind: 'failed'; message: string };

const send = (message: ChildMessage) => process.send?.(message);
const strategies = asyncReadStrategies(Number(process.argv[2]));
const probe = await HttpProbe.start();

process.on('message', (request: MeasureRequest) => {
  const strategy = strategies.find((s) => s.name === request.strategy);
  if (!strategy) {
    send({ kind: 'failed', message: `no strategy "${request.strategy}"` });
    return;
  }
  measureRead(strategy, request.path, probe).then(
    (measurement) => send({ kind: 'measured', measurement }),
    (error: unknown) => send({ kind: 'failed', message: String(error) }),
  );
});
process.on('disconnect', () => {
  void probe.close();
});

send({ kind: 'ready', ioUringRings: ioUringRings(), strategies: strategies.map((s) => s.name) });
