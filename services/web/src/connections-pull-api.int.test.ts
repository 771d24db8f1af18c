// Pull connections and answer forwarding through the admin API: the LRS password goes in, is
// stored sealed, and never comes out.
import { systemClock } from "@beklijf/core";
import {
  createApiToken,
  getConnectionById,
  openLrsPassword,
  type PrismaClient,
} from "@beklijf/db";
import {
  aTenant,
  type ListeningServer,
  listenOnFreePort,
  type OwnTestDb,
  ownTestDb,
  testLogger,
} from "@beklijf/testing";

import { buildApp } from "./app";

const SECRET = "p".repeat(40);

describe("/api/connections in pull mode", () => {
  let own: OwnTestDb;
  let db: PrismaClient;
  let server: ListeningServer;
  let token: string;

  const call = async (
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(`${server.url}/api${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const parsed: unknown = text === "" ? {} : JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null)
      throw new Error(`not an object: ${text}`);
    return { status: response.status, body: { ...parsed } };
  };

  const lrs = {
    endpoint: "https://lrs.example.test/xapi",
    username: "reader",
    password: "correct horse battery staple",
  };

  beforeAll(async () => {
    // Its own database: lrs workers of other test files must not pull these (made-up) LRSs.
    own = await ownTestDb();
    db = own.db;
    const tenantId = await aTenant(db, "api-pull");
    token = await createApiToken(db, { tenantId, name: "a", role: "admin" });
    server = await listenOnFreePort(
      buildApp({
        db,
        clock: systemClock,
        logger: testLogger,
        secret: SECRET,
        publicUrl: "https://beklijf.example.test",
      }),
    );
  });

  afterAll(async () => {
    await server.close();
    await own.drop();
  });

  it("creates a pull connection, seals the password and never returns it", async () => {
    const created = await call("POST", "/connections", {
      name: "learning-locker",
      mode: "pull",
      lrs,
      pullIntervalSeconds: 120,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ mode: "pull" });
    const id = String(created.body["id"]);
    const detail = await call("GET", `/connections/${id}`);
    expect(detail.body).toMatchObject({
      mode: "pull",
      lrs: { endpoint: lrs.endpoint, username: lrs.username },
      pullIntervalSeconds: 120,
      forwardAnswers: false,
      health: { pull: { consecutiveFailures: 0, lastError: null } },
    });
    expect(JSON.stringify(detail.body)).not.toContain(lrs.password);
    const row = await getConnectionById(db, id);
    expect(row?.lrsPasswordSealed).not.toContain(lrs.password);
    expect(openLrsPassword(row?.lrsPasswordSealed ?? "", [SECRET])).toBe(
      lrs.password,
    );
  });

  it.each([
    [{ name: "x", mode: "pull" }, ["lrs"], "is required when mode is pull"],
    [
      { name: "x", mode: "pull", lrs: { ...lrs, endpoint: "ftp://lrs" } },
      ["lrs", "endpoint"],
      "http or https",
    ],
    [
      {
        name: "x",
        mode: "pull",
        lrs: { ...lrs, endpoint: "https://u:p@lrs.example.test/xapi" },
      },
      ["lrs", "endpoint"],
      "must not contain credentials",
    ],
    [
      { name: "x", mode: "pull", lrs, pullIntervalSeconds: 1 },
      ["pullIntervalSeconds"],
      "at least 10",
    ],
    [{ name: "x", forwardAnswers: true }, ["lrs"], "forwardAnswers"],
  ])("refuses %j with a clear 400", async (body, path, message) => {
    const answer = await call("POST", "/connections", body);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      error: {
        code: "CONNECTION_INVALID",
        issues: [{ path, message: expect.stringContaining(message) as string }],
      },
    });
  });

  it("switches a push connection to pull and back, and lets it forward answers", async () => {
    const created = await call("POST", "/connections", { name: "moodle" });
    const id = String(created.body["id"]);
    const refused = await call("PATCH", `/connections/${id}`, {
      mode: "pull",
    });
    expect(refused.status).toBe(400);
    const pulled = await call("PATCH", `/connections/${id}`, {
      mode: "pull",
      lrs,
    });
    expect(pulled.body).toMatchObject({
      mode: "pull",
      pullIntervalSeconds: 60,
    });
    const pushed = await call("PATCH", `/connections/${id}`, {
      mode: "push",
      forwardAnswers: true,
    });
    expect(pushed.body).toMatchObject({
      mode: "push",
      forwardAnswers: true,
      pullIntervalSeconds: null,
      lrs: { endpoint: lrs.endpoint },
    });
    expect(pushed.body["health"]).not.toHaveProperty("pull");
  });
});
