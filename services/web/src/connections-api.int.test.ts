// /api/connections/:id and its actions, through buildApp on port 0 against the run's PostgreSQL.
import { randomUUID } from "node:crypto";

import { sha256Hex, systemClock, verifySecret } from "@beklijf/core";
import {
  createApiToken,
  createConnection,
  type PrismaClient,
  recordRejection,
  type Role,
} from "@beklijf/db";
import {
  aCompletedStatement,
  aLearner,
  aTenant,
  type ListeningServer,
  listenOnFreePort,
  storeStatement,
  testDb,
  testLogger,
} from "@beklijf/testing";

import { buildApp } from "./app";

const PUBLIC_URL = "https://beklijf.example.test";

describe("/api/connections/:id", () => {
  let db: PrismaClient;
  let server: ListeningServer;
  let tenantId: string;
  let tokens: Record<Role, string>;
  let otherTenantToken: string;

  const call = async (
    method: string,
    path: string,
    options: { role?: Role; token?: string; body?: unknown } = {},
  ): Promise<{ status: number; body: unknown }> => {
    const response = await fetch(`${server.url}/api${path}`, {
      method,
      headers: {
        authorization: `Bearer ${options.token ?? tokens[options.role ?? "admin"]}`,
        ...(options.body === undefined
          ? {}
          : { "content-type": "application/json" }),
      },
      ...(options.body === undefined
        ? {}
        : { body: JSON.stringify(options.body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text === "" ? undefined : (JSON.parse(text) as unknown),
    };
  };
  const aConnection = async () => {
    const { connection } = await createConnection(db, {
      tenantId,
      name: `lms-${randomUUID().slice(0, 8)}`,
    });
    return connection;
  };

  beforeAll(async () => {
    db = testDb();
    tenantId = await aTenant(db, "api-connections");
    tokens = {
      admin: await createApiToken(db, { tenantId, name: "a", role: "admin" }),
      editor: await createApiToken(db, { tenantId, name: "e", role: "editor" }),
      viewer: await createApiToken(db, { tenantId, name: "v", role: "viewer" }),
    };
    otherTenantToken = await createApiToken(db, {
      tenantId: await aTenant(db, "api-connections-other"),
      name: "a",
      role: "admin",
    });
    server = await listenOnFreePort(
      buildApp({
        db,
        clock: systemClock,
        logger: testLogger,
        secret: "s".repeat(40),
        publicUrl: PUBLIC_URL,
      }),
    );
  });

  afterAll(async () => {
    await server.close();
    await db.$disconnect();
  });

  describe("GET", () => {
    it("shows a viewer the connection with its health", async () => {
      const connection = await aConnection();
      for (let i = 0; i < 2; i += 1) {
        const { id } = await storeStatement({
          db,
          tenantId,
          statement: aCompletedStatement({ learner: aLearner() }),
          clock: systemClock,
        });
        await db.statement.update({
          where: { tenantId_id: { tenantId, id } },
          data: { connectionId: connection.id },
        });
      }
      await recordRejection(db, {
        connectionId: connection.id,
        at: new Date(),
        status: 400,
        code: "STATEMENT_INVALID",
        reason: "verb.id: must be an IRI",
        path: ["verb", "id"],
        statement: { verb: { id: "completed" } },
      });
      const receivedAt = new Date("2026-11-20T10:00:00.000Z");
      await db.connection.update({
        where: { id: connection.id },
        data: { lastReceivedAt: receivedAt },
      });
      const { status, body } = await call(
        "GET",
        `/connections/${connection.id}`,
        { role: "viewer" },
      );
      expect(status).toBe(200);
      expect(body).toMatchObject({
        id: connection.id,
        name: connection.name,
        key: connection.key,
        enabled: true,
        endpoint: `${PUBLIC_URL}/xapi`,
        rateLimitPerMinute: 600,
        hasBearerToken: false,
        health: {
          acceptedCount: 2,
          rejectedCount: 1,
          lastReceivedAt: receivedAt.toISOString(),
        },
      });
      expect(JSON.stringify(body)).not.toContain("secret");
    });

    it("answers 404 for another tenant's connection, an unknown id and a non-UUID", async () => {
      const connection = await aConnection();
      const paths = [
        `/connections/${connection.id}`,
        `/connections/${connection.id}/rejections`,
      ];
      for (const path of paths) {
        const { status, body } = await call("GET", path, {
          token: otherTenantToken,
        });
        expect(status).toBe(404);
        expect(body).toMatchObject({ error: { code: "CONNECTION_NOT_FOUND" } });
      }
      expect((await call("GET", `/connections/${randomUUID()}`)).status).toBe(
        404,
      );
      expect((await call("GET", "/connections/not-a-uuid")).status).toBe(404);
    });
  });

  describe("GET /rejections", () => {
    it("lists the kept rejections newest first, with reason, path and statement", async () => {
      const connection = await aConnection();
      for (const n of [1, 2, 3])
        await recordRejection(db, {
          connectionId: connection.id,
          at: new Date(),
          status: 400,
          code: "STATEMENT_INVALID",
          reason: `problem ${n}`,
          path: [0, "actor"],
          statement: { n },
        });
      const { status, body } = await call(
        "GET",
        `/connections/${connection.id}/rejections`,
        { role: "viewer" },
      );
      expect(status).toBe(200);
      expect(body).toMatchObject([
        { reason: "problem 3", path: [0, "actor"], statement: { n: 3 } },
        { reason: "problem 2" },
        { reason: "problem 1", status: 400, code: "STATEMENT_INVALID" },
      ]);
    });
  });

  describe("PATCH", () => {
    it("lets an admin disable a connection and change its rate limit", async () => {
      const connection = await aConnection();
      const { status, body } = await call(
        "PATCH",
        `/connections/${connection.id}`,
        { body: { enabled: false, rateLimitPerMinute: null } },
      );
      expect(status).toBe(200);
      expect(body).toMatchObject({ enabled: false, rateLimitPerMinute: null });
      const row = await db.connection.findUnique({
        where: { id: connection.id },
      });
      expect(row).toMatchObject({ enabled: false, rateLimitPerMinute: null });
      const again = await call("PATCH", `/connections/${connection.id}`, {
        body: { enabled: true, rateLimitPerMinute: 120 },
      });
      expect(again.body).toMatchObject({
        enabled: true,
        rateLimitPerMinute: 120,
      });
    });

    it("answers 400 naming the field for a bad body, and for an empty one", async () => {
      const connection = await aConnection();
      const bad = await call("PATCH", `/connections/${connection.id}`, {
        body: { rateLimitPerMinute: 0, secret: "x" },
      });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({
        error: {
          code: "CONNECTION_INVALID",
          issues: expect.arrayContaining([
            expect.objectContaining({ path: ["rateLimitPerMinute"] }),
          ]) as unknown,
        },
      });
      const empty = await call("PATCH", `/connections/${connection.id}`, {
        body: {},
      });
      expect(empty.status).toBe(400);
    });

    it("refuses a viewer and an editor (403) and another tenant's admin (404)", async () => {
      const connection = await aConnection();
      for (const role of ["viewer", "editor"] as const)
        expect(
          (
            await call("PATCH", `/connections/${connection.id}`, {
              role,
              body: { enabled: false },
            })
          ).status,
        ).toBe(403);
      expect(
        (
          await call("PATCH", `/connections/${connection.id}`, {
            token: otherTenantToken,
            body: { enabled: false },
          })
        ).status,
      ).toBe(404);
      const row = await db.connection.findUnique({
        where: { id: connection.id },
      });
      expect(row?.enabled).toBe(true);
    });
  });

  describe("POST /rotate", () => {
    it("gives an admin a new secret once, and only its hash is stored", async () => {
      const connection = await aConnection();
      const { status, body } = await call(
        "POST",
        `/connections/${connection.id}/rotate`,
      );
      expect(status).toBe(200);
      const { secret, key } = body as { secret: string; key: string };
      expect(key).toBe(connection.key);
      const row = await db.connection.findUniqueOrThrow({
        where: { id: connection.id },
      });
      expect(row.secretHash).not.toBe(connection.secretHash);
      expect(row.secretHash).not.toContain(secret);
      expect(await verifySecret(secret, row.secretHash)).toBe(true);
    });

    it("refuses a viewer (403) and another tenant (404), and changes nothing", async () => {
      const connection = await aConnection();
      const path = `/connections/${connection.id}/rotate`;
      expect((await call("POST", path, { role: "viewer" })).status).toBe(403);
      expect(
        (await call("POST", path, { token: otherTenantToken })).status,
      ).toBe(404);
      const row = await db.connection.findUniqueOrThrow({
        where: { id: connection.id },
      });
      expect(row.secretHash).toBe(connection.secretHash);
    });
  });

  describe("/bearer-token", () => {
    it("creates, replaces and removes the Bearer token (admin)", async () => {
      const connection = await aConnection();
      const path = `/connections/${connection.id}/bearer-token`;
      const created = await call("POST", path);
      expect(created.status).toBe(201);
      const { token } = created.body as { token: string };
      const row = await db.connection.findUniqueOrThrow({
        where: { id: connection.id },
      });
      expect(row.bearerTokenHash).toBe(sha256Hex(token));
      expect(
        (await call("GET", `/connections/${connection.id}`)).body,
      ).toMatchObject({ hasBearerToken: true });
      const replaced = await call("POST", path);
      expect((replaced.body as { token: string }).token).not.toBe(token);
      const removed = await call("DELETE", path);
      expect(removed.status).toBe(204);
      expect(
        (await call("GET", `/connections/${connection.id}`)).body,
      ).toMatchObject({ hasBearerToken: false });
    });

    it("refuses a viewer (403) and another tenant (404)", async () => {
      const connection = await aConnection();
      const path = `/connections/${connection.id}/bearer-token`;
      for (const method of ["POST", "DELETE"]) {
        expect((await call(method, path, { role: "viewer" })).status).toBe(403);
        expect(
          (await call(method, path, { token: otherTenantToken })).status,
        ).toBe(404);
      }
      const row = await db.connection.findUniqueOrThrow({
        where: { id: connection.id },
      });
      expect(row.bearerTokenHash).toBeNull();
    });
  });

  it("creates a connection with the rate limit given (POST /connections)", async () => {
    const { status, body } = await call("POST", "/connections", {
      body: {
        name: `unlimited-${randomUUID().slice(0, 8)}`,
        rateLimitPerMinute: null,
      },
    });
    expect(status).toBe(201);
    const { id } = body as { id: string };
    expect((await call("GET", `/connections/${id}`)).body).toMatchObject({
      rateLimitPerMinute: null,
    });
  });

  it("is documented in /api/openapi.json", async () => {
    const response = await fetch(`${server.url}/api/openapi.json`);
    const document = (await response.json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(
      Object.keys(document.paths)
        .filter((path) => path.startsWith("/connections"))
        .sort(),
    ).toEqual([
      "/connections",
      "/connections/{id}",
      "/connections/{id}/bearer-token",
      "/connections/{id}/rejections",
      "/connections/{id}/rotate",
    ]);
    expect(
      Object.keys(document.paths["/connections/{id}"] ?? {}).sort(),
    ).toEqual(["get", "parameters", "patch"]);
  });
});
