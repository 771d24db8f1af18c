import { systemClock } from "@beklijf/core";
import { createApiToken, type PrismaClient } from "@beklijf/db";
import {
  aTenant,
  listenOnFreePort,
  testDb,
  testLogger,
} from "@beklijf/testing";

import { buildApp } from "./app";

describe("/api/openapi.json", () => {
  let db: PrismaClient;
  let server: Awaited<ReturnType<typeof listenOnFreePort>>;
  let url: string;

  beforeAll(async () => {
    db = testDb();
    server = await listenOnFreePort(
      buildApp({
        db,
        clock: systemClock,
        logger: testLogger,
        secret: "s".repeat(40),
        publicUrl: "https://learn.example.test",
      }),
    );
    ({ url } = server);
  });

  afterAll(async () => {
    await server.close();
    await db.$disconnect();
  });

  it("is public and describes the routes with the schemas they validate with", async () => {
    const response = await fetch(`${url}/api/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      openapi: string;
      servers: { url: string }[];
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody?: {
              content: Record<
                string,
                {
                  schema: {
                    required?: string[];
                    properties?: Record<string, { maxLength?: number }>;
                  };
                }
              >;
            };
          }
        >
      >;
    };
    expect(document.openapi).toBe("3.0.3");
    expect(document.servers[0]?.url).toBe("https://learn.example.test/api");
    expect(Object.keys(document.paths["/connections"] ?? {}).sort()).toEqual([
      "get",
      "post",
    ]);
    const body =
      document.paths["/connections"]?.["post"]?.requestBody?.content[
        "application/json"
      ]?.schema;
    expect(body?.required).toEqual(["name"]);
    expect(body?.properties?.["name"]?.maxLength).toBe(80);
    expect(Object.keys(document.paths["/suppressions"] ?? {})).toEqual(["get"]);
    for (const route of ["/preview", "/test-send"]) {
      const schema =
        document.paths[route]?.["post"]?.requestBody?.content[
          "application/json"
        ]?.schema;
      expect({ route, required: schema?.required?.sort() }).toEqual({
        route,
        required:
          route === "/preview"
            ? ["locale", "template"]
            : ["locale", "template", "to"],
      });
    }
  });

  it("answers an unknown API route with 401 before sign-in and a JSON 404 after", async () => {
    expect((await fetch(`${url}/api/nope`)).status).toBe(401);
    const token = await createApiToken(db, {
      tenantId: await aTenant(db, "openapi"),
      name: "t",
      role: "viewer",
    });
    const response = await fetch(`${url}/api/nope`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({
      error: { code: "ROUTE_NOT_FOUND" },
    });
  });
});
