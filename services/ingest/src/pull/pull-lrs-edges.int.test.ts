// Pull mode against a purpose-built LRS whose answers the test dictates: a consistent-through
// that falls between two pages, an invalid statement, and failures.
import { randomUUID } from "node:crypto";

import { noMetrics, systemClock } from "@beklijf/core";
import {
  createConnection,
  getConnectionById,
  getConnectionHealth,
  listRejections,
  type PrismaClient,
} from "@beklijf/db";
import {
  aCompletedStatement,
  aLearner,
  aTenant,
  type ListeningServer,
  listenOnFreePort,
  type OwnTestDb,
  ownTestDb,
  testLogger,
} from "@beklijf/testing";
import express from "express";

import { pullConnection, type PullDeps } from "./pull-connection";

const SECRET = "another-test-secret-of-32-characters-or-more";

/** A statement as an LRS returns it: with id and stored. */
function stored(at: string, extra: Record<string, unknown> = {}) {
  return {
    ...aCompletedStatement({ learner: aLearner() }),
    id: randomUUID(),
    stored: at,
    timestamp: at,
    ...extra,
  };
}

describe("pullConnection against a purpose-built LRS", () => {
  let own: OwnTestDb;
  let db: PrismaClient;
  let server: ListeningServer;
  let deps: PullDeps;
  /** What the LRS answers next; set per test. */
  let answer: (req: express.Request, res: express.Response) => void;
  const requests: string[] = [];

  beforeAll(async () => {
    // Its own database: lrs workers of other test files must not find these pull connections.
    own = await ownTestDb();
    db = own.db;
    const app = express();
    app.get("/xapi/statements", (req, res) => {
      requests.push(req.originalUrl);
      answer(req, res);
    });
    server = await listenOnFreePort(app);
    deps = {
      db,
      clock: systemClock,
      logger: testLogger,
      metrics: noMetrics,
      secrets: [SECRET],
    };
  });

  afterAll(async () => {
    await server.close();
    await own.drop();
  });

  beforeEach(() => {
    requests.length = 0;
  });

  const aPullConnection = async (): Promise<string> => {
    const tenantId = await aTenant(db, "pull-edges");
    const { connection } = await createConnection(db, {
      tenantId,
      name: "lrs",
      mode: "pull",
      lrs: {
        endpoint: `${server.url}/xapi/`,
        username: "reader",
        password: "p4ss",
      },
      pullIntervalSeconds: 30,
      sealingSecret: SECRET,
    });
    return connection.id;
  };

  const importedIds = async (connectionId: string) =>
    (
      await db.statement.findMany({
        where: { connectionId },
        select: { id: true },
      })
    )
      .map((s) => s.id)
      .sort();

  it("never reads past the first answer's consistent-through, even on a later page", async () => {
    const a = stored("2026-01-05T10:00:00.000Z");
    const b = stored("2026-01-05T10:00:01.000Z");
    const c = stored("2026-01-05T10:00:02.000Z");
    const late = stored("2026-01-05T10:00:04.000Z");
    answer = (req, res) => {
      res.set(
        "X-Experience-API-Consistent-Through",
        "2026-01-05T10:00:03.000Z",
      );
      if (req.query["more"] === undefined)
        res.json({ statements: [a, b], more: "/xapi/statements?more=page2" });
      // A later page may claim a later consistent-through; the run keeps the first one.
      else {
        res.set(
          "X-Experience-API-Consistent-Through",
          "2026-01-05T10:00:09.000Z",
        );
        res.json({ statements: [c, late], more: "" });
      }
    };
    const id = await aPullConnection();
    expect(await pullConnection(deps, id)).toEqual({
      kind: "pulled",
      imported: 3,
      pages: 2,
    });
    expect(await importedIds(id)).toEqual([a.id, b.id, c.id].sort());
    expect(requests[0]).toContain("ascending=true");
    expect(requests[0]).not.toContain("since=");
    expect(requests[0]).not.toContain("p4ss");
    const cursor = await getConnectionById(db, id);
    expect(cursor?.pullCursorStored?.toISOString()).toBe(c.stored);
    expect(cursor?.pullCursorIds).toEqual([c.id]);

    // The next run asks from just before the cursor and skips what it already has.
    await db.connection.update({
      where: { id },
      data: { pullNextRunAt: null },
    });
    answer = (_req, res) => {
      res.set(
        "X-Experience-API-Consistent-Through",
        "2026-01-05T10:00:09.000Z",
      );
      res.json({ statements: [c, late], more: "" });
    };
    expect(await pullConnection(deps, id)).toMatchObject({ imported: 1 });
    expect(requests.at(-1)).toContain(
      `since=${encodeURIComponent("2026-01-05T10:00:01.999Z")}`,
    );
    expect(await importedIds(id)).toEqual([a.id, b.id, c.id, late.id].sort());
  });

  it("follows an absolute more link on the LRS's own host, and no other", async () => {
    const first = stored("2026-01-07T08:00:00.000Z");
    const second = stored("2026-01-07T08:00:01.000Z");
    let moreLink = "";
    answer = (req, res) => {
      res.set(
        "X-Experience-API-Consistent-Through",
        "2026-01-07T09:00:00.000Z",
      );
      if (req.query["more"] === undefined)
        res.json({ statements: [first], more: moreLink });
      else res.json({ statements: [second], more: "" });
    };
    moreLink = `${server.url}/xapi/statements?more=abc`;
    const id = await aPullConnection();
    expect(await pullConnection(deps, id)).toMatchObject({
      imported: 2,
      pages: 2,
    });

    moreLink = "http://elsewhere.example.test/xapi/statements?more=abc";
    const other = await aPullConnection();
    const outcome = await pullConnection(deps, other);
    if (outcome.kind !== "failed")
      throw new Error(`not failed: ${outcome.kind}`);
    expect(outcome.error).toMatch(/another host/);
    // What came before the refused link was imported, and the cursor stands after it.
    expect((await getConnectionById(db, other))?.pullCursorIds).toEqual([
      first.id,
    ]);
  });

  it("records an invalid statement as a rejection, imports the rest and moves past it", async () => {
    const good = stored("2026-01-06T08:00:00.000Z");
    const bad = stored("2026-01-06T08:00:01.000Z", {
      verb: { id: "not an IRI" },
    });
    answer = (_req, res) => {
      res.set(
        "X-Experience-API-Consistent-Through",
        "2026-01-06T09:00:00.000Z",
      );
      res.json({ statements: [good, bad], more: "" });
    };
    const id = await aPullConnection();
    expect(await pullConnection(deps, id)).toMatchObject({ imported: 1 });
    const [rejection] = await listRejections(db, id);
    expect(rejection).toMatchObject({
      status: 400,
      code: "STATEMENT_INVALID",
      path: ["verb", "id"],
    });
    expect(rejection?.statement).toMatchObject({ id: bad.id });
    expect((await getConnectionById(db, id))?.pullCursorIds).toEqual([bad.id]);
  });

  it("backs off with growing delays while the LRS answers 500, and recovers", async () => {
    answer = (_req, res) => {
      res.status(500).send("database unavailable");
    };
    const id = await aPullConnection();
    const failures: number[] = [];
    for (let run = 1; run <= 3; run += 1) {
      expect(
        await pullConnection(deps, id, { random: () => 0.999 }),
      ).toMatchObject({ kind: "failed" });
      const connection = await getConnectionById(db, id);
      if (connection === null) throw new Error("connection gone");
      const health = await getConnectionHealth(db, connection);
      expect(health.pull?.consecutiveFailures).toBe(run);
      expect(health.pull?.lastError).toMatch(
        /answered 500: database unavailable/,
      );
      failures.push(
        (health.pull?.nextRunAt?.getTime() ?? 0) -
          (health.pull?.lastRunAt?.getTime() ?? 0),
      );
      await db.connection.update({
        where: { id },
        data: { pullNextRunAt: null },
      });
    }
    // 30 s interval, doubling, near-full jitter: about 30, 60, 120 s.
    expect(failures[0]).toBeGreaterThan(29_000);
    expect(failures[1]).toBeGreaterThan(59_000);
    expect(failures[2]).toBeGreaterThan(119_000);

    answer = (_req, res) => {
      res.set("X-Experience-API-Consistent-Through", new Date().toISOString());
      res.json({ statements: [], more: "" });
    };
    expect(await pullConnection(deps, id)).toMatchObject({ kind: "pulled" });
    const recovered = await getConnectionById(db, id);
    expect(recovered).toMatchObject({
      pullConsecutiveFailures: 0,
      pullLastError: null,
    });
  });

  it("fails clearly when the LRS is unreachable", async () => {
    const tenantId = await aTenant(db, "pull-edges");
    const { connection } = await createConnection(db, {
      tenantId,
      name: "gone",
      mode: "pull",
      // Nothing listens on port 1.
      lrs: {
        endpoint: "http://127.0.0.1:1/xapi",
        username: "u",
        password: "p",
      },
      sealingSecret: SECRET,
    });
    const outcome = await pullConnection(deps, connection.id);
    if (outcome.kind !== "failed")
      throw new Error(`not failed: ${outcome.kind}`);
    expect(outcome.error).toMatch(/127\.0\.0\.1:1.*failed/);
  });
});
