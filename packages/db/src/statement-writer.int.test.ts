import {
  ConflictError,
  createManualClock,
  silentLogger,
  ValidationError,
} from "@beklijf/core";
import { statementBatchJobId, statementSliceHandOffs } from "@beklijf/queue";
import {
  aCompletedStatement,
  aLearner,
  aStatementId,
  aTenant,
  outboxRowsCarrying,
  runDatabaseUrl,
  testDb,
} from "@beklijf/testing";
import { type PreparedStatement, prepareStatement } from "@beklijf/xapi";

import type { PrismaClient } from "./client";
import type { OutboxEntry } from "./repositories/outbox";
import { ensurePersonForMbox } from "./repositories/people";
import {
  createStatementWriter,
  type StatementWriter,
} from "./statement-writer";

const clock = createManualClock(new Date("2030-01-07T10:00:00Z"));

function prepared(
  overrides: {
    id?: string;
    courseId?: string;
    learner?: { name: string; email: string };
  } = {},
): PreparedStatement {
  const result = prepareStatement(
    aCompletedStatement({
      learner: aLearner(),
      timestamp: "2030-01-07T09:00:00Z",
      ...overrides,
    }),
    { clock },
  );
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value;
}

describe("createStatementWriter (group commit)", () => {
  let db: PrismaClient;
  let writer: StatementWriter;
  let tenantId: string;
  const committed: OutboxEntry[][] = [];
  const handOffsOf =
    (tenant: string) =>
    (ids: readonly string[]): OutboxEntry[] =>
      statementSliceHandOffs(tenant, ids);
  const write = (statements: PreparedStatement[], tenant = tenantId) =>
    writer.write({
      tenantId: tenant,
      connectionId: null,
      statements,
      handOffs: handOffsOf(tenant),
    });
  /** The outbox rows of `tenant` that name any of `ids`, with the ids each names. */
  const slicesNaming = async (ids: readonly string[], tenant = tenantId) => {
    const rows = await db.outboxEvent.findMany({
      where: { tenantId: tenant },
      orderBy: { id: "asc" },
    });
    const wanted = new Set(ids);
    return rows
      .map((row) => ({
        jobName: row.jobName,
        jobId: row.jobId,
        ids: (row.payload as { statementIds?: string[] }).statementIds ?? [],
      }))
      .filter((row) => row.ids.some((id) => wanted.has(id)));
  };

  beforeAll(async () => {
    db = testDb();
    tenantId = await aTenant(db, "writer");
    writer = createStatementWriter({
      connectionString: runDatabaseUrl(),
      db,
      logger: silentLogger,
      onCommitted: (entries) => committed.push([...entries]),
    });
  });

  afterAll(async () => {
    await writer.close();
    await db.$disconnect();
  });

  beforeEach(() => {
    committed.length = 0;
  });

  describe("when many requests arrive at once", () => {
    it("stores every statement with its pending row and a hand-off, an outbox row per commit rather than per statement", async () => {
      const requests = Array.from({ length: 40 }, () => [
        prepared(),
        prepared(),
      ]);
      const results = await Promise.all(
        requests.map((statements) => write(statements)),
      );
      results.forEach((result, index) => {
        expect(result.newIds).toEqual(requests[index]?.map((s) => s.id));
      });
      const ids = requests.flat().map((s) => s.id);
      expect(
        await db.statement.count({ where: { tenantId, id: { in: ids } } }),
      ).toBe(80);
      expect(
        await db.pendingStatement.count({
          where: { tenantId, statementId: { in: ids } },
        }),
      ).toBe(80);
      const slices = await slicesNaming(ids);
      // Each statement in exactly one statements.process slice, with the id dispatch derives.
      expect(slices.flatMap((slice) => slice.ids).sort()).toEqual(
        [...ids].sort(),
      );
      for (const slice of slices) {
        expect(slice.jobName).toBe("statements.process");
        expect(slice.jobId).toBe(statementBatchJobId(tenantId, slice.ids));
      }
      expect(committed.map((entries) => entries.length)).toEqual(
        committed.map(() => 1),
      );
      expect(slices).toHaveLength(committed.length);
      expect(committed.length).toBeLessThan(10);
    });
  });

  describe("when a group holds several tenants and more than a slice", () => {
    it("writes a slice per tenant, cut at 500 statements", async () => {
      const other = await aTenant(db, "writer-other");
      const big = Array.from({ length: 600 }, () => prepared());
      const small = [prepared(), prepared()];
      // The first request finds the writer idle; the next two wait and go together.
      const first = write([prepared()]);
      const [bigResult, smallResult] = await Promise.all([
        write(big),
        write(small, other),
      ]);
      await first;
      expect(bigResult.newIds).toHaveLength(600);
      expect(smallResult.newIds).toEqual(small.map((s) => s.id));
      const bigIds = big.map((s) => s.id);
      expect((await slicesNaming(bigIds)).map((slice) => slice.ids)).toEqual([
        bigIds.slice(0, 500),
        bigIds.slice(500),
      ]);
      expect(
        (
          await slicesNaming(
            small.map((s) => s.id),
            other,
          )
        ).map((slice) => slice.ids),
      ).toEqual([small.map((s) => s.id)]);
    });
  });

  describe("when a request in a group repeats a stored statement", () => {
    it("answers every request as if alone and hands each new statement off once", async () => {
      const stored = prepared();
      await write([stored]);
      const fresh = prepared();
      const bystander = [prepared(), prepared()];
      const blocker = write([prepared()]);
      const [repeating, other] = await Promise.all([
        write([stored, fresh]),
        write(bystander),
      ]);
      await blocker;
      expect(repeating.newIds).toEqual([fresh.id]);
      expect(other.newIds).toEqual(bystander.map((s) => s.id));
      for (const statement of [stored, fresh, ...bystander])
        expect(
          await outboxRowsCarrying(db, tenantId, statement.id),
        ).toHaveLength(1);
      expect(
        await db.pendingStatement.count({
          where: {
            tenantId,
            statementId: { in: [fresh, ...bystander].map((s) => s.id) },
          },
        }),
      ).toBe(3);
    });
  });

  describe("when a statement's learner is in the directory already", () => {
    it("links it to them when storing it, and leaves it pending for the engine", async () => {
      const known = aLearner();
      const person = await ensurePersonForMbox(db, {
        tenantId,
        email: known.email,
        name: known.name,
        locale: "nl",
        timeZone: "Europe/Amsterdam",
      });
      const ofKnown = prepared({ learner: known });
      const ofStranger = prepared();
      await write([ofKnown, ofStranger]);
      const rows = await db.statement.findMany({
        where: { tenantId, id: { in: [ofKnown.id, ofStranger.id] } },
        select: { id: true, personId: true },
      });
      expect(new Map(rows.map((row) => [row.id, row.personId]))).toEqual(
        new Map([
          [ofKnown.id, person.id],
          [ofStranger.id, null],
        ]),
      );
      const pending = await db.pendingStatement.findMany({
        where: { tenantId, statementId: { in: [ofKnown.id, ofStranger.id] } },
      });
      expect(pending).toHaveLength(2);
      expect(pending[0]?.stored).toEqual(ofKnown.stored);
    });
  });

  describe("when the hand-off has enqueued what a group stored", () => {
    it("marks exactly those outbox rows dispatched", async () => {
      const first = prepared();
      const second = prepared();
      await write([first]);
      await write([second]);
      const [ofFirst] = committed.flat();
      await writer.markDispatched([ofFirst?.jobId ?? ""]);
      const rows = [
        ...(await outboxRowsCarrying(db, tenantId, first.id)),
        ...(await outboxRowsCarrying(db, tenantId, second.id)),
      ];
      expect(rows.map((r) => [r.jobId, r.dispatchedAt === null])).toEqual([
        [ofFirst?.jobId, false],
        [committed.flat()[1]?.jobId, true],
      ]);
    });
  });

  describe("when the same statement arrives twice at once", () => {
    it("stores it once, answers both, and hands it off once", async () => {
      const statement = prepared({ id: aStatementId() });
      const [a, b] = await Promise.all([
        write([statement]),
        write([statement]),
      ]);
      expect([...a.newIds, ...b.newIds]).toEqual([statement.id]);
      expect(a.ids).toEqual([statement.id]);
      expect(b.ids).toEqual([statement.id]);
      expect(
        await db.statement.count({ where: { tenantId, id: statement.id } }),
      ).toBe(1);
      expect(await outboxRowsCarrying(db, tenantId, statement.id)).toHaveLength(
        1,
      );
    });
  });

  describe("when one request in a group conflicts with a stored statement", () => {
    it("refuses that request whole with STATEMENT_ID_CONFLICT and stores the others", async () => {
      const id = aStatementId();
      await write([prepared({ id })]);
      const innocent = [prepared(), prepared()];
      const bystander = prepared();
      const conflicting = [
        bystander,
        prepared({ id, courseId: "https://lms.example.test/other" }),
      ];
      const results = await Promise.allSettled([
        write(innocent),
        write(conflicting),
      ]);
      expect(results[0]).toMatchObject({
        status: "fulfilled",
        value: { newIds: innocent.map((s) => s.id) },
      });
      const refused: unknown =
        results[1].status === "rejected" ? results[1].reason : undefined;
      expect(refused).toBeInstanceOf(ConflictError);
      expect(
        results[1].status === "rejected" &&
          (results[1].reason as ConflictError).code,
      ).toBe("STATEMENT_ID_CONFLICT");
      expect(
        await db.statement.count({ where: { tenantId, id: bystander.id } }),
      ).toBe(0);
      expect(
        await db.statement.count({
          where: { tenantId, id: { in: innocent.map((s) => s.id) } },
        }),
      ).toBe(2);
    });
  });

  describe("when a request repeats an id with other content", () => {
    it("refuses it with STATEMENT_ID_REPEATED and stores nothing of it", async () => {
      const id = aStatementId();
      const other = prepared();
      const result = write([
        other,
        prepared({ id }),
        prepared({ id, courseId: "https://lms.example.test/x" }),
      ]);
      await expect(result).rejects.toBeInstanceOf(ValidationError);
      await expect(result).rejects.toMatchObject({
        code: "STATEMENT_ID_REPEATED",
      });
      expect(
        await db.statement.count({
          where: { tenantId, id: { in: [id, other.id] } },
        }),
      ).toBe(0);
    });
  });
});
