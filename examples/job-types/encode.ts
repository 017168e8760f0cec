/**
 * A job that runs a program: the shape of a video transcode. It starts the encoder, turns its
 * progress lines into job progress, and maps how it ended onto the job: exit 0 is the result,
 * an exit code or a signal is a JobFailure with a stable code, and cancel, timeout and shutdown
 * stop the program (run-process.ts). The encoder here is fake-encoder.js; for ffmpeg, the
 * command would be `ffmpeg -progress pipe:1 -nostats -i <in> ... <out>`, and the same lines
 * (`frame=N`) carry its progress.
 *
 * Clients never choose the program or its arguments, only validated values that become
 * arguments: no shell, no path from the request.
 */
import { fileURLToPath } from 'node:url';
import { defineJobType, JobFailure, Type } from 'backend-patterns';
import { ProcessExit, runProcess } from './run-process.js';

const ENCODER = fileURLToPath(new URL('./fake-encoder.js', import.meta.url));

export const encode = defineJobType({
  name: 'encode',
  description: 'Runs an encoder program with progress per frame; cancel stops the program.',
  execution: 'io',
  input: Type.Object(
    {
      frames: Type.Integer({ minimum: 1, maximum: 100_000 }),
      frameMs: Type.Integer({ minimum: 0, maximum: 1000, default: 10 }),
      corruptFrame: Type.Optional(
        Type.Integer({ minimum: 1, description: 'Make the encoder fail at this frame.' }),
      ),
    },
    { additionalProperties: false },
  ),
  timeoutMs: 30 * 60_000,
  async handler(input, ctx) {
    const args = [ENCODER, '--frames', String(input.frames), '--frame-ms', String(input.frameMs)];
    if (input.corruptFrame !== undefined) args.push('--corrupt-frame', String(input.corruptFrame));
    let frame = 0;
    let reported = 0;
    const onStdoutLine = (line: string) => {
      const match = /^frame=(\d+)$/.exec(line);
      if (!match) return;
      frame = Number(match[1]);
      const percent = Math.floor((frame * 100) / input.frames);
      if (percent > reported && percent < 100) {
        reported = percent;
        void ctx.progress(percent, { frame, frames: input.frames });
      }
    };
    try {
      await runProcess(process.execPath, args, { signal: ctx.signal, onStdoutLine });
    } catch (error) {
      if (!(error instanceof ProcessExit)) throw error; // aborted, or the encoder did not start
      // The message is for clients; the encoder's own words (stderr) go to the server log.
      const internal = `encoder stderr: ${error.stderrTail}`;
      if (error.exitCode === 3) {
        throw new JobFailure(
          'corrupt_input',
          `the input is corrupt at frame ${frame + 1}`,
          internal,
        );
      }
      throw new JobFailure('encoder_failed', `the encoder ${error.message}`, internal);
    }
    return { frames: frame };
  },
});
