// Real xAPI clients against the statement resource on a free port: the npm packages @xapi/xapi
// (what beklijf's puller uses) and tincanjs (what much e-learning content embeds).
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";

import type { PrismaClient } from "@beklijf/db";
import {
  aCompletedStatement,
  aLearner,
  anLmsConnection,
  aTenant,
  type ListeningServer,
  serveMounted,
  serviceTestDeps,
  testDb,
  testQueues,
} from "@beklijf/testing";
import XAPI, { type Statement } from "@xapi/xapi";

import { buildApp } from "./app";

function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (
      (typeof current !== "object" && typeof current !== "function") ||
      current === null
    )
      return undefined;
    current = Reflect.get(current, key);
  }
  return current;
}

// tincanjs ships no types: this is the part of its API the test uses, checked when loaded.
type Callback = (error: unknown, result: unknown) => void;
interface TinCanLrs {
  saveStatement(statement: unknown, cfg: { callback: Callback }): void;
  saveStatements(statements: unknown[], cfg: { callback: Callback }): void;
  about(cfg: { callback: Callback }): void;
  queryStatements(cfg: {
    params: Record<string, unknown>;
    callback: Callback;
  }): void;
  moreStatements(cfg: { url: string; callback: Callback }): void;
  retrieveStatement(id: string, cfg: { callback: Callback }): void;
}
interface TinCanModule {
  LRS: new (cfg: {
    endpoint: string;
    username: string;
    password: string;
    allowFail: boolean;
  }) => TinCanLrs;
  Statement: new (cfg: object) => unknown;
  Verb: new (cfg: { id: string }) => unknown;
}
function isTinCan(value: unknown): value is TinCanModule {
  return ["LRS", "Statement", "Verb"].every(
    (name) => typeof field(value, name) === "function",
  );
}
function loadTinCan(): TinCanModule {
  const load = createRequire(__filename);
  const module: unknown = load("tincanjs");
  if (!isTinCan(module)) throw new Error("tincanjs has another API");
  return module;
}

/** Runs a tincanjs call with a node-style callback; tincanjs passes null as the error on success. */
function call(run: (callback: Callback) => void): Promise<unknown> {
  return new Promise((resolve, reject) => {
    run((error, result) => {
      if (error === null) resolve(result);
      else
        reject(new Error(`tincanjs request failed: ${JSON.stringify(error)}`));
    });
  });
}

describe("xAPI clients against /xapi", () => {
  const redis = testQueues("ingest-clients");
  let db: PrismaClient;
  let served: ListeningServer;
  let tenantId: string;
  let key: string;
  let secret: string;
  const verb = (name: string) =>
    `https://beklijf.test/verbs/${name}-${randomUUID()}`;

  beforeAll(async () => {
    db = testDb();
    tenantId = await aTenant(db, "ingest-clients");
    const connection = await anLmsConnection(db, tenantId);
    key = connection.key;
    const decoded = Buffer.from(
      connection.authorization.slice("Basic ".length),
      "base64",
    ).toString("utf8");
    secret = decoded.slice(decoded.indexOf(":") + 1);
    served = await serveMounted(
      "/xapi",
      buildApp(serviceTestDeps({ db, queues: redis.queues })),
    );
  });

  afterAll(async () => {
    await served.close();
    await redis.close();
    await db.$disconnect();
  });

  const statement = (verbId: string, id?: string): Statement => {
    const built = aCompletedStatement({
      learner: aLearner(),
      ...(id === undefined ? {} : { id }),
    });
    return {
      ...(id === undefined ? {} : { id }),
      actor: {
        objectType: "Agent",
        mbox: String(field(built, "actor", "mbox")),
      },
      verb: { id: verbId, display: { "en-US": "completed" } },
      object: {
        objectType: "Activity",
        id: String(field(built, "object", "id")),
      },
      result: { completion: true },
    };
  };

  describe("@xapi/xapi", () => {
    let xapi: XAPI;

    beforeAll(() => {
      xapi = new XAPI({
        endpoint: `${served.url}/xapi/`,
        auth: XAPI.toBasicAuth(key, secret),
        version: "1.0.3",
      });
    });

    it("reads /about", async () => {
      const about = await xapi.getAbout();
      expect(about.data.version).toContain("1.0.3");
    });

    it("sends one statement and reads it back", async () => {
      const id = randomUUID();
      const sent = await xapi.sendStatement({
        statement: statement(verb("one"), id),
      });
      expect(sent.data).toEqual([id]);
      const got = await xapi.getStatement({ statementId: id });
      expect(got.data.id).toBe(id);
      expect(got.data.authority).toEqual({
        objectType: "Agent",
        account: { homePage: `${served.url}/xapi`, name: key },
      });
      expect(got.headers["x-experience-api-consistent-through"]).toEqual(
        expect.any(String),
      );
    });

    it("sends a batch, then queries it page by page with more", async () => {
      const verbId = verb("batch");
      const sent = await xapi.sendStatements({
        statements: [statement(verbId), statement(verbId), statement(verbId)],
      });
      expect(sent.data).toHaveLength(3);
      const first = await xapi.getStatements({ verb: verbId, limit: 2 });
      expect(first.data.statements).toHaveLength(2);
      expect(first.data.more).toMatch(/^\/xapi\/statements\?more=/);
      const second = await xapi.getMoreStatements({
        more: first.data.more,
      });
      const rest = second.data;
      expect("statements" in rest ? rest.statements : []).toHaveLength(1);
      const all = [
        ...first.data.statements,
        ...("statements" in rest ? rest.statements : []),
      ].map((s) => s.id);
      expect([...all].sort()).toEqual([...sent.data].sort());
    });

    it("voids a statement, which then answers only to voidedStatementId", async () => {
      const id = randomUUID();
      await xapi.sendStatement({ statement: statement(verb("void"), id) });
      await xapi.voidStatement({
        actor: { objectType: "Agent", mbox: "mailto:admin@example.test" },
        statementId: id,
      });
      await expect(xapi.getStatement({ statementId: id })).rejects.toThrow();
      const voided = await xapi.getVoidedStatement({ voidedStatementId: id });
      expect(voided.data.id).toBe(id);
    });
  });

  describe("tincanjs", () => {
    let TinCan: TinCanModule;
    let lrs: TinCanLrs;

    beforeAll(() => {
      TinCan = loadTinCan();
      lrs = new TinCan.LRS({
        endpoint: `${served.url}/xapi/`,
        username: key,
        password: secret,
        allowFail: false,
      });
    });

    it("reads /about", async () => {
      const about = await call((callback) => {
        lrs.about({ callback });
      });
      expect(field(about, "version")).toContain("1.0.3");
    });

    it("saves one statement (tincanjs PUTs it under its id) and retrieves it", async () => {
      const id = randomUUID();
      await call((callback) => {
        lrs.saveStatement(new TinCan.Statement(statement(verb("one"), id)), {
          callback,
        });
      });
      expect(await db.statement.count({ where: { tenantId, id } })).toBe(1);
      const got = await call((callback) => {
        lrs.retrieveStatement(id, { callback });
      });
      expect(field(got, "id")).toBe(id);
    });

    it("saves a batch, then queries it and follows more", async () => {
      const verbId = verb("batch");
      await call((callback) => {
        lrs.saveStatements(
          [1, 2, 3].map(() => new TinCan.Statement(statement(verbId))),
          { callback },
        );
      });
      const first = await call((callback) => {
        lrs.queryStatements({
          params: { verb: new TinCan.Verb({ id: verbId }), limit: 2 },
          callback,
        });
      });
      const firstStatements = field(first, "statements");
      expect(
        Array.isArray(firstStatements) ? firstStatements : [],
      ).toHaveLength(2);
      const more = field(first, "more");
      expect(more).toMatch(/^\/xapi\/statements\?more=/);
      const second = await call((callback) => {
        lrs.moreStatements({ url: String(more), callback });
      });
      const secondStatements = field(second, "statements");
      expect(
        Array.isArray(secondStatements) ? secondStatements : [],
      ).toHaveLength(1);
      expect(field(second, "more")).toBeFalsy();
    });
  });
});
