/**
 * One lifecycle contract for every part that can be closed — server, back end, transports,
 * runners, worker pool, stores (the shape of ws's WebSocketServer and BullMQ's Worker#close):
 *
 * - an explicit state: `running` → `closing` → `closed`, never back;
 * - `close()` is memoised: every call, in any state, returns the same promise;
 * - closing runs ordered stages; a stage that throws (or rejects) is reported to `onError` and
 *   the later stages still run, so one broken part cannot leave the others open;
 * - the promise resolves once every stage has run, and never rejects: it is safe to await in a
 *   `finally` or a signal handler. Failures are the `onError` callback's to log.
 */
export type LifecycleState = 'running' | 'closing' | 'closed';

/** What every closeable part exposes. */
export interface Closeable {
  readonly state: LifecycleState;
  close(): Promise<void>;
}

/** One step of a close: a function to run, or steps that run at the same time or in turn. */
export type CloseStage =
  | {
      /** Names the stage in the failure report ("store", "worker pool", ...). */
      readonly name: string;
      run(): unknown;
    }
  | { readonly name: string; readonly parallel: readonly CloseStage[] }
  | { readonly name: string; readonly sequence: readonly CloseStage[] };

export type StageErrorHandler = (stage: string, error: unknown) => void;

/**
 * The handler for a part built without a logger (a store or pool used on its own): a process
 * warning on stderr, so that a failed stage is never silent. The composition root hands every
 * part a handler that logs instead.
 */
export function warnOnStageError(part: string): StageErrorHandler {
  return (stage, error) => {
    process.emitWarning(`closing ${part}: ${stage} failed: ${String(error)}`);
  };
}

export class Lifecycle {
  readonly #onError: StageErrorHandler;
  #state: LifecycleState = 'running';
  #closing: Promise<void> | undefined;

  constructor(onError: StageErrorHandler) {
    this.#onError = onError;
  }

  get state(): LifecycleState {
    return this.#state;
  }

  /** True until close() is first called. */
  get running(): boolean {
    return this.#state === 'running';
  }

  /**
   * Runs `stages` in order the first time it is called (they are built only then) and returns
   * the same promise on every later call.
   */
  close(stages: () => readonly CloseStage[]): Promise<void> {
    this.#closing ??= this.#run(stages);
    return this.#closing;
  }

  async #run(stages: () => readonly CloseStage[]): Promise<void> {
    this.#state = 'closing';
    let list: readonly CloseStage[] = [];
    try {
      list = stages();
    } catch (error) {
      this.#onError('close', error);
    }
    for (const stage of list) await runStage(stage, this.#onError);
    this.#state = 'closed';
  }
}

/** A stage that runs `stages` at the same time; each failure is reported on its own. */
export function inParallel(name: string, stages: readonly CloseStage[]): CloseStage {
  return { name, parallel: stages };
}

/**
 * A stage that runs `stages` one after the other, as close() does with its own list: for a
 * branch of an `inParallel` whose steps must keep their order. A failing step does not stop
 * the next.
 */
export function inSequence(name: string, stages: readonly CloseStage[]): CloseStage {
  return { name, sequence: stages };
}

/** Runs one stage; never rejects (failures go to `onError`). */
async function runStage(stage: CloseStage, onError: StageErrorHandler): Promise<void> {
  if ('parallel' in stage) {
    await Promise.all(stage.parallel.map((inner) => runStage(inner, onError)));
    return;
  }
  if ('sequence' in stage) {
    for (const inner of stage.sequence) await runStage(inner, onError);
    return;
  }
  try {
    await stage.run();
  } catch (error) {
    onError(stage.name, error);
  }
}
