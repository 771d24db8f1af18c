/** Runs many calls as one: each caller still gets its own result or error. */
export interface Batcher<I, O> {
  /** Adds `input` to the next batch and resolves with its own result. */
  run(input: I): Promise<O>;
}

export interface BatcherOptions {
  /** Most inputs in one batch; more wait for the next one. */
  readonly maxBatchSize: number;
  /**
   * Most batches running at once. While they all run, new inputs gather and go together in the
   * next batch, so batches grow with the load and a lone input waits for nothing.
   */
  readonly maxInFlight: number;
}

interface Waiting<I, O> {
  readonly input: I;
  readonly resolve: (output: O) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Micro-batching for the mailer's database work: the jobs that reach the same step in the same
 * moment (one turn of the event loop, or while the previous batch was running) share one query.
 * `runBatch` gets the inputs and returns one output per input, in the same order.
 *
 * When a batch of several fails, each of its inputs is run again on its own, so one input that
 * breaks a query fails only its own caller, never the others in its batch.
 */
export function createBatcher<I, O>(
  runBatch: (inputs: readonly I[]) => Promise<readonly O[]>,
  options: BatcherOptions,
): Batcher<I, O> {
  let pending: Waiting<I, O>[] = [];
  let inFlight = 0;
  let scheduled = false;

  const settle = async (batch: readonly Waiting<I, O>[]): Promise<void> => {
    let outputs: readonly O[];
    try {
      outputs = await runBatch(batch.map((waiting) => waiting.input));
      if (outputs.length !== batch.length)
        throw new Error(
          `a batch of ${batch.length} returned ${outputs.length} results`,
        );
    } catch (error) {
      if (batch.length === 1) batch[0]?.reject(error);
      else await Promise.all(batch.map((waiting) => settle([waiting])));
      return;
    }
    outputs.forEach((output, i) => {
      batch[i]?.resolve(output);
    });
  };

  const flush = (): void => {
    scheduled = false;
    while (pending.length > 0 && inFlight < options.maxInFlight) {
      const batch = pending.slice(0, options.maxBatchSize);
      pending = pending.slice(batch.length);
      inFlight += 1;
      void settle(batch).finally(() => {
        inFlight -= 1;
        schedule();
      });
    }
  };

  // setImmediate, not a microtask: every job that becomes ready in this turn of the event loop
  // (e.g. all the replies that arrived in one socket read) joins the same batch.
  const schedule = (): void => {
    if (scheduled || pending.length === 0 || inFlight >= options.maxInFlight)
      return;
    scheduled = true;
    setImmediate(flush);
  };

  return {
    run: (input) =>
      new Promise<O>((resolve, reject) => {
        pending.push({ input, resolve, reject });
        schedule();
      }),
  };
}
