// Authentication of LMS connections at /xapi: HTTP Basic, Bearer, disable/enable and rotation,
// against real PostgreSQL and Redis through buildApp on port 0.

import {
  createConnection,
  type PrismaClient,
  removeConnectionBearerToken,
  rotateConnectionSecret,
  setConnectionBearerToken,
  updateConnection,
} from "@beklijf/db";
import {
  aCompletedStatement,
  aLearner,
  aTenant,
  basicAuth,
  eventually,
  type ListeningServer,
  postStatements,
  serviceTestDeps,
  testDb,
  testQueues,
} from "@beklijf/testing";

import { INGEST_WAYS, serveIngest } from "../serve-for-tests";
import { CONNECTION_ROW_TTL_MS } from "./authenticate";

/**
 * Ingest re-reads a connection's row at most CONNECTION_ROW_TTL_MS after it last read it, so a
 * change made elsewhere (the admin API, the CLI) holds within that. Waits for `status`, and fails
 * when it takes longer than the TTL plus slack.
 */
async function answersWithin(
  send: () => Promise<Response>,
  status: number,
): Promise<Response> {
  return eventually(
    async () => {
      const response = await send();
      return response.status === status ? response : undefined;
    },
    {
      timeoutMs: CONNECTION_ROW_TTL_MS + 1_000,
      what: `an answer ${status} within ${CONNECTION_ROW_TTL_MS} ms of the change`,
    },
  );
}

describe.each(INGEST_WAYS)("authenticating LMS connections (%s)", (way) => {
  const redis = testQueues("ingest-auth");
  let db: PrismaClient;
  let served: ListeningServer;
  let tenantId: string;

  const post = (authorization: string | null) =>
    postStatements(served.url, aCompletedStatement({ learner: aLearner() }), {
      authorization,
    });

  /** A fresh connection of the test tenant; returns its id and the Basic header an LMS sends. */
  const aConnection = async (label: string) => {
    const { connection, secret } = await createConnection(db, {
      tenantId,
      name: `${label}-${Math.random().toString(36).slice(2, 8)}`,
    });
    return {
      id: connection.id,
      key: connection.key,
      basic: basicAuth(connection.key, secret),
    };
  };

  beforeAll(async () => {
    db = testDb();
    tenantId = await aTenant(db, "ingest-auth");
    served = await serveIngest(
      serviceTestDeps({ db, queues: redis.queues }),
      way,
    );
  });

  afterAll(async () => {
    await served.close();
    await redis.close();
    await db.$disconnect();
  });

  describe("with a Bearer token", () => {
    it("accepts the connection's token, and refuses it once removed", async () => {
      const { id } = await aConnection("bearer");
      const { token } = await setConnectionBearerToken(db, tenantId, id);
      const accepted = await post(`Bearer ${token}`);
      expect(accepted.status).toBe(200);
      const [statementId] = (await accepted.json()) as string[];
      expect(
        await db.statement.findFirst({
          where: { tenantId, id: statementId ?? "" },
        }),
      ).toMatchObject({ connectionId: id });
      await removeConnectionBearerToken(db, tenantId, id);
      await answersWithin(() => post(`Bearer ${token}`), 401);
    });

    it("answers 401 CREDENTIALS_INVALID with both challenges for a wrong token", async () => {
      const response = await post("Bearer bkc_not-a-token-we-ever-made");
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({
        error: { code: "CREDENTIALS_INVALID" },
      });
      const challenge = response.headers.get("www-authenticate") ?? "";
      expect(challenge).toContain('Basic realm="beklijf xAPI"');
      expect(challenge).toContain('Bearer realm="beklijf xAPI"');
    });

    it("stops accepting the old token when it is replaced", async () => {
      const { id } = await aConnection("bearer-replaced");
      const first = await setConnectionBearerToken(db, tenantId, id);
      const second = await setConnectionBearerToken(db, tenantId, id);
      expect((await post(`Bearer ${first.token}`)).status).toBe(401);
      expect((await post(`Bearer ${second.token}`)).status).toBe(200);
    });
  });

  it("answers 401 CREDENTIALS_UNSUPPORTED for another scheme, with WWW-Authenticate", async () => {
    const response = await post("Digest username=moodle");
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      error: { code: "CREDENTIALS_UNSUPPORTED" },
    });
    expect(response.headers.get("www-authenticate")).toContain("Basic");
  });

  describe("when a connection is disabled and enabled again", () => {
    it("answers 401 CONNECTION_DISABLED within a second, and 200 within a second after enabling", async () => {
      const { id, basic } = await aConnection("toggled");
      const { token } = await setConnectionBearerToken(db, tenantId, id);
      expect((await post(basic)).status).toBe(200);
      await updateConnection(db, tenantId, id, { enabled: false });
      for (const authorization of [basic, `Bearer ${token}`]) {
        const refused = await answersWithin(() => post(authorization), 401);
        expect(await refused.json()).toMatchObject({
          error: { code: "CONNECTION_DISABLED" },
        });
        expect(refused.headers.get("www-authenticate")).toContain("Basic");
      }
      await updateConnection(db, tenantId, id, { enabled: true });
      await answersWithin(() => post(basic), 200);
      await answersWithin(() => post(`Bearer ${token}`), 200);
    });
  });

  describe("when a connection's secret is rotated", () => {
    it("refuses the old secret within a second, though it was just accepted, and accepts the new one", async () => {
      const { id, key, basic } = await aConnection("rotated");
      expect((await post(basic)).status).toBe(200);
      const { secret } = await rotateConnectionSecret(db, tenantId, id);
      const old = await answersWithin(() => post(basic), 401);
      expect(await old.json()).toMatchObject({
        error: { code: "CREDENTIALS_INVALID" },
      });
      await answersWithin(() => post(basicAuth(key, secret)), 200);
    });
  });

  it("notes when a connection was last received, not once per request", async () => {
    const { id, basic } = await aConnection("received");
    const before = new Date();
    expect((await post(basic)).status).toBe(200);
    const first = await eventually(
      async () =>
        (await db.connection.findUnique({ where: { id } }))?.lastReceivedAt ??
        undefined,
      { timeoutMs: 5_000, what: "lastReceivedAt to be set" },
    );
    expect(first.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1_000);
    expect((await post(basic)).status).toBe(200);
    const row = await db.connection.findUnique({ where: { id } });
    expect(row?.lastReceivedAt).toEqual(first);
  });
});
