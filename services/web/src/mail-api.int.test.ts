// /api/suppressions, /api/preview and /api/test-send through buildApp on port 0, against the
// run's PostgreSQL, with the default content pack and a real SMTP sink on loopback.
import path from "node:path";

import {
  type ContentPack,
  loadContentPack,
  TEMPLATES_DIR,
} from "@beklijf/content";
import { systemClock } from "@beklijf/core";
import {
  createApiToken,
  type PrismaClient,
  type Role,
  suppressAddress,
} from "@beklijf/db";
import { createTestSender, type TestSender } from "@beklijf/mailer";
import {
  aTenant,
  type ListeningServer,
  listenOnFreePort,
  type SmtpSink,
  startSmtpSink,
  testDb,
  testLogger,
} from "@beklijf/testing";

import { buildApp } from "./app";

describe("the mail admin API", () => {
  const db: PrismaClient = testDb();
  let server: ListeningServer;
  let sink: SmtpSink;
  let sender: TestSender;
  let pack: ContentPack;
  let tenantId: string;
  let tokens: Record<Role, string>;

  const call = async (
    method: string,
    route: string,
    options: { role?: Role; body?: unknown } = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(`${server.url}/api${route}`, {
      method,
      headers: {
        authorization: `Bearer ${tokens[options.role ?? "editor"]}`,
        "content-type": "application/json",
      },
      ...(options.body === undefined
        ? {}
        : { body: JSON.stringify(options.body) }),
    });
    return {
      status: response.status,
      body: z(await response.json()),
    };
  };

  beforeAll(async () => {
    sink = await startSmtpSink();
    sender = createTestSender(sink.url, "Academie <academie@example.test>");
    pack = await loadContentPack(path.join(TEMPLATES_DIR, "werkplekleren"));
    tenantId = await aTenant(db, "mail-api");
    tokens = {
      admin: await createApiToken(db, { tenantId, name: "a", role: "admin" }),
      editor: await createApiToken(db, { tenantId, name: "e", role: "editor" }),
      viewer: await createApiToken(db, { tenantId, name: "v", role: "viewer" }),
    };
    server = await listenOnFreePort(
      buildApp({
        db,
        clock: systemClock,
        logger: testLogger,
        secret: "mail-api-secret-mail-api-secret-0123",
        publicUrl: "https://learn.example.test",
        mail: { pack, sendTest: (message) => sender.send(message) },
      }),
    );
  });

  afterAll(async () => {
    await server.close();
    await sender.close();
    await sink.close();
    await db.$disconnect();
  });

  describe("GET /api/suppressions", () => {
    it("lists the tenant's suppressed addresses for a viewer, and needs a token", async () => {
      await suppressAddress(db, {
        tenantId,
        address: "Bounced@Example.test",
        reason: "bounced",
      });
      const { status, body } = await call("GET", "/suppressions", {
        role: "viewer",
      });
      expect(status).toBe(200);
      expect(body["suppressions"]).toEqual([
        expect.objectContaining({
          address: "bounced@example.test",
          reason: "bounced",
        }),
      ]);
      expect(body["undelivered"]).toEqual([]);
      expect((await fetch(`${server.url}/api/suppressions`)).status).toBe(401);
    });
  });

  describe("POST /api/preview", () => {
    it("renders a template with sample data and the data given", async () => {
      const { status, body } = await call("POST", "/preview", {
        body: {
          template: "apply",
          locale: "nl",
          data: { recipient: { givenName: "Sam" } },
        },
      });
      expect(status).toBe(200);
      expect(body["subject"]).toBe("Sam, heb je Feedback geven al toegepast?");
      expect(body["html"]).toContain('<html lang="nl">');
      expect(body["text"]).toContain(
        "Ik heb het toegepast [https://learn.example.com/a/",
      );
    });

    it("refuses a viewer, an unknown template and data that breaks a template, saying why", async () => {
      expect(
        (
          await call("POST", "/preview", {
            role: "viewer",
            body: { template: "apply", locale: "nl" },
          })
        ).status,
      ).toBe(403);
      const unknown = await call("POST", "/preview", {
        body: { template: "nope", locale: "nl" },
      });
      expect(unknown.status).toBe(400);
      expect(JSON.stringify(unknown.body)).toContain(
        'The pack has no template \\"nope\\"',
      );
      const broken = await call("POST", "/preview", {
        body: { template: "apply", locale: "en", data: { recipient: null } },
      });
      expect(broken.status).toBe(400);
      expect(JSON.stringify(broken.body)).toMatch(
        /Template \\"apply\\" \(en, (subject|html), line \d+\) failed to render/,
      );
      const invalid = await call("POST", "/preview", {
        body: { template: "apply", locale: "not a locale" },
      });
      expect(invalid.status).toBe(400);
    });
  });

  describe("POST /api/test-send", () => {
    it("sends the rendered template to the given address, marked as a test", async () => {
      const { status } = await call("POST", "/test-send", {
        body: { template: "reflect", locale: "en", to: "editor@example.test" },
      });
      expect(status).toBe(202);
      const mail = await sink.waitFor(
        (m) => m.to.includes("editor@example.test"),
        10_000,
      );
      expect(mail.subject).toBe(
        "[test] A week after Giving feedback: what do you do differently?",
      );
      expect(mail.headers["x-beklijf-test"]).toBe("1");
      expect(mail.text).toContain("Write your reflection");
    });

    it("refuses an address that is not one", async () => {
      expect(
        (
          await call("POST", "/test-send", {
            body: { template: "reflect", locale: "en", to: "nobody" },
          })
        ).status,
      ).toBe(400);
    });
  });
});

function z(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null
    ? Object.fromEntries(Object.entries(value))
    : {};
}
