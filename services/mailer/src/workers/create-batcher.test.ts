import { createBatcher } from "./create-batcher";

/** A runBatch whose calls the test sees and settles itself. */
function controlledRunner<I, O>() {
  const calls: {
    inputs: readonly I[];
    resolve: (outputs: readonly O[]) => void;
    reject: (error: unknown) => void;
  }[] = [];
  const runBatch = (inputs: readonly I[]) =>
    new Promise<readonly O[]>((resolve, reject) => {
      calls.push({ inputs, resolve, reject });
    });
  return { calls, runBatch };
}

/** Lets setImmediate callbacks (the batcher's flush) and the microtasks after them run. */
const nextTurn = () =>
  new Promise<void>((resolve) => {
    setImmediate(resolve);
  });

describe("createBatcher", () => {
  describe("when several callers ask in the same turn of the event loop", () => {
    it("runs them as one batch and gives each caller its own result", async () => {
      const { calls, runBatch } = controlledRunner<number, string>();
      const batcher = createBatcher(runBatch, {
        maxBatchSize: 10,
        maxInFlight: 1,
      });
      const results = Promise.all([1, 2, 3].map((n) => batcher.run(n)));
      await nextTurn();
      expect(calls.map((c) => c.inputs)).toEqual([[1, 2, 3]]);
      calls[0]?.resolve(["one", "two", "three"]);
      expect(await results).toEqual(["one", "two", "three"]);
    });

    it("splits them into batches of at most maxBatchSize", async () => {
      const { calls, runBatch } = controlledRunner<number, number>();
      const batcher = createBatcher(runBatch, {
        maxBatchSize: 2,
        maxInFlight: 3,
      });
      const results = Promise.all([1, 2, 3, 4, 5].map((n) => batcher.run(n)));
      await nextTurn();
      expect(calls.map((c) => c.inputs)).toEqual([[1, 2], [3, 4], [5]]);
      for (const call of calls) call.resolve(call.inputs.map((n) => n * 10));
      expect(await results).toEqual([10, 20, 30, 40, 50]);
    });
  });

  describe("when maxInFlight batches are running", () => {
    it("gathers new callers and runs them together once a batch is done", async () => {
      const { calls, runBatch } = controlledRunner<string, string>();
      const batcher = createBatcher(runBatch, {
        maxBatchSize: 10,
        maxInFlight: 1,
      });
      const first = batcher.run("a");
      await nextTurn();
      const later = [batcher.run("b")];
      await nextTurn();
      later.push(batcher.run("c"));
      await nextTurn();
      expect(calls.map((c) => c.inputs)).toEqual([["a"]]);
      calls[0]?.resolve(["A"]);
      expect(await first).toBe("A");
      // The batch's bookkeeping ends in a microtask after the caller's; give it a turn too.
      await nextTurn();
      await nextTurn();
      expect(calls.map((c) => c.inputs)).toEqual([["a"], ["b", "c"]]);
      calls[1]?.resolve(["B", "C"]);
      expect(await Promise.all(later)).toEqual(["B", "C"]);
    });
  });

  describe("when a batch fails", () => {
    it("runs each input alone, so only the input that breaks it fails", async () => {
      const seen: (readonly string[])[] = [];
      const batcher = createBatcher(
        (inputs: readonly string[]) => {
          seen.push(inputs);
          return inputs.includes("bad")
            ? Promise.reject(new Error("bad input"))
            : Promise.resolve(inputs.map((s) => s.toUpperCase()));
        },
        { maxBatchSize: 10, maxInFlight: 1 },
      );
      const outcomes = await Promise.allSettled(
        ["x", "bad", "y"].map((s) => batcher.run(s)),
      );
      expect(outcomes).toEqual([
        { status: "fulfilled", value: "X" },
        { status: "rejected", reason: new Error("bad input") },
        { status: "fulfilled", value: "Y" },
      ]);
      expect(seen).toEqual([["x", "bad", "y"], ["x"], ["bad"], ["y"]]);
    });

    it("counts results that do not match the inputs as a failure, and runs each input alone", async () => {
      const batcher = createBatcher(() => Promise.resolve(["only one"]), {
        maxBatchSize: 10,
        maxInFlight: 1,
      });
      expect(await Promise.all([batcher.run(1), batcher.run(2)])).toEqual([
        "only one",
        "only one",
      ]);
    });

    it("rejects a lone caller with the batch's error", async () => {
      const batcher = createBatcher(
        (): Promise<readonly number[]> => Promise.reject(new Error("down")),
        { maxBatchSize: 10, maxInFlight: 1 },
      );
      await expect(batcher.run(1)).rejects.toThrow("down");
    });
  });
});
