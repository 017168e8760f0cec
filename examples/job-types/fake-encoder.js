#!/usr/bin/env node
/**
 * Stands in for ffmpeg in the encode example, so it runs anywhere Node does. It speaks the part
 * of ffmpeg's `-progress pipe:1` output the job reads — `frame=N` and `progress=continue|end`
 * lines on stdout — and fails the way a real encoder does: a message on stderr and an exit code.
 *
 *   node fake-encoder.js --frames 100 [--frame-ms 10] [--corrupt-frame 7] [--ignore-sigterm]
 *
 * Exit codes: 0 done, 2 bad arguments, 3 a corrupt frame, 255 stopped by SIGTERM (as ffmpeg).
 */
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';

const { values } = parseArgs({
  options: {
    frames: { type: 'string' },
    'frame-ms': { type: 'string', default: '10' },
    'corrupt-frame': { type: 'string' },
    'ignore-sigterm': { type: 'boolean', default: false },
  },
});
const frames = Number(values.frames);
const frameMs = Number(values['frame-ms']);
if (!Number.isSafeInteger(frames) || frames < 1 || !(frameMs >= 0)) {
  console.error('usage: fake-encoder.js --frames N [--frame-ms MS] [--corrupt-frame K]');
  process.exit(2);
}
const corruptFrame = values['corrupt-frame'] === undefined ? 0 : Number(values['corrupt-frame']);

process.on('SIGTERM', () => {
  if (values['ignore-sigterm']) return; // a hung encoder: only SIGKILL stops it
  console.error('Exiting normally, received signal 15.');
  process.exit(255);
});

for (let frame = 1; frame <= frames; frame++) {
  await sleep(frameMs);
  if (frame === corruptFrame) {
    console.error(`[h264 @ 0x5581] error while decoding frame ${frame}: invalid data`);
    process.exit(3);
  }
  process.stdout.write(`frame=${frame}\nprogress=${frame === frames ? 'end' : 'continue'}\n`);
}
