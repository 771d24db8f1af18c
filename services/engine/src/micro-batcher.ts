/** What one item of a batch came to: a value, or the error its caller should see. */
export type BatchResult<R> =
  | { readonly ok: true; readonly value: R }
  | { readonly ok: false; readonly error: unknown };

export interface MicroBatcher<T, R> {
  /** Adds an item to the next batch; settles with that item's result. */
  submit(item: T): Promise<R>;
}

/**
 * Gathers items submitted within `windowMs` of the first one (or until `maxBatch` are waiting)
 * and hands them to `run` together, which returns one result per item, in order. Batches may
 * overlap (a new one starts while an earlier one runs). When `run` throws, every item of that
 * batch rejects with the error.
 */
export function createMicroBatcher<T, R>(
  run: (items: readonly T[]) => Promise<readonly BatchResult<R>[]>,
  options: {
    /** Real milliseconds to wait for more items after the first. */
    readonly windowMs: number;
    /** Items that make a batch go at once. */
    readonly maxBatch: number;
  },
): MicroBatcher<T, R> {
  interface Waiting {
    readonly item: T;
    readonly resolve: (value: R) => void;
    readonly reject: (error: unknown) => void;
  }
  let waiting: Waiting[] = [];
  let timer: NodeJS.Timeout | undefined;

  const flush = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const batch = waiting;
    waiting = [];
    if (batch.length === 0) return;
    run(batch.map((w) => w.item)).then(
      (results) => {
        batch.forEach((w, i) => {
          const result = results[i];
          if (result === undefined)
            w.reject(new Error(`the batch returned no result for item ${i}`));
          else if (result.ok) w.resolve(result.value);
          else w.reject(result.error);
        });
      },
      (error: unknown) => {
        for (const w of batch) w.reject(error);
      },
    );
  };

  return {
    submit: (item) =>
      new Promise<R>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        if (waiting.length >= options.maxBatch) flush();
        else timer ??= setTimeout(flush, options.windowMs);
      }),
  };
}
