import { type BatchResult, createMicroBatcher } from "./micro-batcher";

describe("createMicroBatcher", () => {
  /** A batcher that records its batches and answers each item with its double (odd: an error). */
  function recording(maxBatch: number) {
    const batches: number[][] = [];
    const batcher = createMicroBatcher(
      (items: readonly number[]) => {
        batches.push([...items]);
        return Promise.resolve(
          items.map((n): BatchResult<number> =>
            n % 2 === 0
              ? { ok: true, value: n * 2 }
              : { ok: false, error: new Error(`odd ${n}`) },
          ),
        );
      },
      { windowMs: 0, maxBatch },
    );
    return { batches, batcher };
  }

  describe("when items arrive together", () => {
    it("runs them as one batch and gives each its own result", async () => {
      const { batches, batcher } = recording(10);
      const settled = await Promise.allSettled([
        batcher.submit(2),
        batcher.submit(3),
        batcher.submit(4),
      ]);
      expect(batches).toEqual([[2, 3, 4]]);
      expect(settled).toEqual([
        { status: "fulfilled", value: 4 },
        { status: "rejected", reason: new Error("odd 3") },
        { status: "fulfilled", value: 8 },
      ]);
    });
  });

  describe("when more items arrive than a batch holds", () => {
    it("splits them into batches of at most maxBatch", async () => {
      const { batches, batcher } = recording(2);
      await Promise.all([2, 4, 6, 8, 10].map((n) => batcher.submit(n)));
      expect(batches).toEqual([[2, 4], [6, 8], [10]]);
    });
  });

  describe("when the batch itself fails", () => {
    it("rejects every item of that batch with its error, and the next batch runs", async () => {
      let calls = 0;
      const batcher = createMicroBatcher(
        (items: readonly string[]) => {
          calls += 1;
          return calls === 1
            ? Promise.reject(new Error("database down"))
            : Promise.resolve(
                items.map((s): BatchResult<string> => ({ ok: true, value: s })),
              );
        },
        { windowMs: 0, maxBatch: 10 },
      );
      const first = await Promise.allSettled([
        batcher.submit("a"),
        batcher.submit("b"),
      ]);
      expect(first).toEqual([
        { status: "rejected", reason: new Error("database down") },
        { status: "rejected", reason: new Error("database down") },
      ]);
      await expect(batcher.submit("c")).resolves.toBe("c");
    });
  });
});
