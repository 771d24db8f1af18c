// The web app through buildApp on port 0, against the run's real PostgreSQL.
import { randomBytes, randomUUID } from "node:crypto";

import { sha256Hex, signToken, systemClock } from "@beklijf/core";
import {
  createApiToken,
  createConnection,
  type PrismaClient,
} from "@beklijf/db";
import {
  aLearner,
  aTenant,
  type ListeningServer,
  listenOnFreePort,
  testDb,
  testLogger,
} from "@beklijf/testing";

import { buildApp } from "./app";
import type { OutboxMessage, OutboxPort } from "./deps";

const SECRET = "web-int-test-secret-web-int-test-secret";
const PUBLIC_URL = "https://beklijf.example.test";
const HOUR_S = 3600;

/** The rows behind one sent email: person, rule, trigger statement, plan, nudge and delivery. */
async function aDelivery(
  db: PrismaClient,
  tenantId: string,
  options: { locale?: string } = {},
) {
  const learner = aLearner();
  const now = new Date();
  const person = await db.person.create({
    data: {
      tenantId,
      email: learner.email,
      name: learner.name,
      locale: options.locale ?? "en",
      timeZone: "Europe/Amsterdam",
    },
  });
  const ruleSet = await db.ruleSet.create({
    data: {
      tenantId,
      key: `pack-${randomBytes(4).toString("hex")}`,
      name: "Test pack",
    },
  });
  const rule = await db.rule.create({
    data: { ruleSetId: ruleSet.id, key: "after-completion", currentVersion: 1 },
  });
  const ruleVersion = await db.ruleVersion.create({
    data: { ruleId: rule.id, version: 1, definition: {} },
  });
  const statementId = randomUUID();
  await db.statement.create({
    data: {
      tenantId,
      id: statementId,
      actorKey: `mbox:mailto:${learner.email}`,
      personId: person.id,
      verbId: "http://adlnet.gov/expapi/verbs/completed",
      objectId: "https://lms.example.test/course/view.php?id=1",
      timestamp: now,
      stored: now,
      contentHash: sha256Hex(statementId),
      raw: { id: statementId },
    },
  });
  const plan = await db.plan.create({
    data: {
      tenantId,
      entryKey: randomUUID(),
      ruleVersionId: ruleVersion.id,
      personId: person.id,
      triggerStatementId: statementId,
      startedAt: now,
    },
  });
  const nudge = await db.plannedNudge.create({
    data: {
      tenantId,
      planId: plan.id,
      jobId: `nudge-${randomUUID()}`,
      stepKey: "apply",
      recipientKind: "learner",
      recipientPersonId: person.id,
      template: "apply",
      dueAt: now,
      status: "handed-off",
    },
  });
  const delivery = await db.delivery.create({
    data: {
      tenantId,
      plannedNudgeId: nudge.id,
      toAddress: learner.email,
      status: "sent",
      sentAt: now,
    },
  });
  return { person, delivery, address: learner.email };
}

/** Reads one field of a JSON answer, without trusting its shape. */
function field(value: unknown, name: string): unknown {
  if (typeof value !== "object" || value === null) return undefined;
  const found: unknown = Reflect.get(value, name);
  return found;
}

function unsubscribeToken(
  deliveryId: string,
  overrides: { purpose?: string; exp?: number } = {},
): string {
  return signToken(
    {
      purpose: overrides.purpose ?? "unsubscribe",
      sub: deliveryId,
      exp: overrides.exp ?? Math.floor(Date.now() / 1000) + HOUR_S,
    },
    SECRET,
  );
}

/** The same token with one character of its signed claims changed. */
function tampered(token: string): string {
  const at = Math.floor(token.indexOf(".") / 2);
  return `${token.slice(0, at)}${token[at] === "A" ? "B" : "A"}${token.slice(at + 1)}`;
}

describe("the web app", () => {
  let db: PrismaClient;
  let server: ListeningServer;
  let url: string;
  let tenantId: string;
  let token: string;
  const messages: OutboxMessage[] = [
    {
      id: "m1",
      to: "anna@example.test",
      subject: "Hello <b>x</b> & more",
      receivedAt: new Date("2026-05-04T10:00:00Z"),
      text: "Hoi Anna",
      html: "<p>Hoi <b>Anna</b></p>",
    },
  ];
  const outbox: OutboxPort = {
    list: (limit) => Promise.resolve(messages.slice(0, limit)),
    get: (id) => Promise.resolve(messages.find((m) => m.id === id)),
  };

  const bearer = (value: string) => ({ authorization: `Bearer ${value}` });
  const form = (body: string) => ({
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body,
  });
  const suppressionsOf = (address: string) =>
    db.suppression.findMany({ where: { tenantId, address } });

  beforeAll(async () => {
    db = testDb();
    tenantId = await aTenant(db, "web");
    token = await createApiToken(db, {
      tenantId,
      name: "web test",
      role: "admin",
    });
    server = await listenOnFreePort(
      buildApp({
        db,
        clock: systemClock,
        logger: testLogger,
        secret: SECRET,
        publicUrl: PUBLIC_URL,
        outbox,
      }),
    );
    ({ url } = server);
  });

  afterAll(async () => {
    await server.close();
    await db.$disconnect();
  });

  describe("GET /", () => {
    it("answers a home page that names the xAPI endpoint", async () => {
      const response = await fetch(`${url}/`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      expect(await response.text()).toContain(`${PUBLIC_URL}/xapi`);
    });
  });

  describe("/api/connections", () => {
    it("answers 401 JSON with WWW-Authenticate without a token", async () => {
      const response = await fetch(`${url}/api/connections`);
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
      expect(response.headers.get("content-type")).toMatch(
        /^application\/json/,
      );
      expect(await response.json()).toMatchObject({
        error: { code: "TOKEN_MISSING" },
      });
    });

    it("answers 401 for a token it does not know", async () => {
      const response = await fetch(`${url}/api/connections`, {
        headers: bearer(`bkt_${randomBytes(24).toString("base64url")}`),
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({
        error: { code: "TOKEN_INVALID" },
      });
    });

    it("refuses to create a connection without a valid token", async () => {
      const before = await db.connection.count({ where: { tenantId } });
      const response = await fetch(`${url}/api/connections`, {
        method: "POST",
        headers: { "content-type": "application/json", ...bearer("bkt_wrong") },
        body: JSON.stringify({ name: "sneaky" }),
      });
      expect(response.status).toBe(401);
      expect(await db.connection.count({ where: { tenantId } })).toBe(before);
    });

    describe("with a valid token", () => {
      it("creates a connection (201) with its key and a secret that is stored only as a hash", async () => {
        const response = await fetch(`${url}/api/connections`, {
          method: "POST",
          headers: { "content-type": "application/json", ...bearer(token) },
          body: JSON.stringify({ name: "moodle" }),
        });
        expect(response.status).toBe(201);
        const body: unknown = await response.json();
        const secret = field(body, "secret");
        if (typeof secret !== "string")
          throw new Error("the answer carries no secret");
        const row = await db.connection.findUniqueOrThrow({
          where: { tenantId_name: { tenantId, name: "moodle" } },
        });
        expect(body).toEqual({
          id: row.id,
          name: "moodle",
          mode: "push",
          endpoint: `${PUBLIC_URL}/xapi`,
          key: row.key,
          secret,
        });
        expect(row.key).toMatch(/^bk_/);
        expect(secret.length).toBeGreaterThanOrEqual(32);
        expect(row.secretHash).toMatch(/^scrypt\$/);
        expect(row.secretHash).not.toContain(secret);
      });

      it("lists the tenant's connections without secrets", async () => {
        const elsewhere = await aTenant(db, "web-other");
        await createConnection(db, {
          tenantId: elsewhere,
          name: "other tenant's lms",
        });
        const listed = await createConnection(db, {
          tenantId,
          name: "listed lms",
        });

        const response = await fetch(`${url}/api/connections`, {
          headers: bearer(token),
        });

        expect(response.status).toBe(200);
        const body: unknown = await response.json();
        expect(body).toContainEqual({
          id: listed.connection.id,
          name: "listed lms",
          mode: "push",
          key: listed.connection.key,
          enabled: true,
          endpoint: `${PUBLIC_URL}/xapi`,
        });
        expect(JSON.stringify(body)).not.toMatch(/secret|scrypt/i);
        expect(JSON.stringify(body)).not.toContain("other tenant's lms");
      });

      it("accepts the token as the password of HTTP Basic", async () => {
        const response = await fetch(`${url}/api/connections`, {
          headers: {
            authorization: `Basic ${Buffer.from(`admin:${token}`).toString("base64")}`,
          },
        });
        expect(response.status).toBe(200);
      });

      it("answers 409 CONNECTION_NAME_TAKEN for a name the tenant already uses", async () => {
        const create = () =>
          fetch(`${url}/api/connections`, {
            method: "POST",
            headers: { "content-type": "application/json", ...bearer(token) },
            body: JSON.stringify({ name: "twice" }),
          });
        expect((await create()).status).toBe(201);
        const again = await create();
        expect(again.status).toBe(409);
        expect(await again.json()).toMatchObject({
          error: { code: "CONNECTION_NAME_TAKEN" },
        });
        expect(
          await db.connection.count({ where: { tenantId, name: "twice" } }),
        ).toBe(1);
      });

      it("answers 400 with issues for an empty name, and creates nothing", async () => {
        const before = await db.connection.count({ where: { tenantId } });
        const response = await fetch(`${url}/api/connections`, {
          method: "POST",
          headers: { "content-type": "application/json", ...bearer(token) },
          body: JSON.stringify({ name: "  " }),
        });
        expect(response.status).toBe(400);
        expect(await response.json()).toMatchObject({
          error: {
            code: "CONNECTION_INVALID",
            issues: [{ path: ["name"], message: "must not be empty" }],
          },
        });
        expect(await db.connection.count({ where: { tenantId } })).toBe(before);
      });
    });

    describe("with a viewer's token", () => {
      it("lists connections but may not create one (403)", async () => {
        const viewer = await createApiToken(db, {
          tenantId,
          name: "viewer",
          role: "viewer",
        });
        expect(
          (await fetch(`${url}/api/connections`, { headers: bearer(viewer) }))
            .status,
        ).toBe(200);
        const before = await db.connection.count({ where: { tenantId } });
        const response = await fetch(`${url}/api/connections`, {
          method: "POST",
          headers: { "content-type": "application/json", ...bearer(viewer) },
          body: JSON.stringify({ name: "by-a-viewer" }),
        });
        expect(response.status).toBe(403);
        expect(await response.json()).toMatchObject({
          error: { code: "ROLE_REQUIRED" },
        });
        expect(await db.connection.count({ where: { tenantId } })).toBe(before);
      });
    });
  });

  describe("/u/:token (unsubscribe)", () => {
    describe("GET with a valid link", () => {
      it("shows the address and a confirm form, and changes nothing", async () => {
        const { delivery, person, address } = await aDelivery(db, tenantId);
        const link = unsubscribeToken(delivery.id);

        const response = await fetch(`${url}/u/${link}`);

        expect(response.status).toBe(200);
        const html = await response.text();
        expect(html).toContain(address);
        expect(html).toContain(`<form method="post" action="/u/${link}">`);
        expect(await suppressionsOf(address)).toHaveLength(0);
        expect(
          await db.preference.findUnique({ where: { personId: person.id } }),
        ).toBeNull();
      });

      it("speaks the recipient's language", async () => {
        const { delivery } = await aDelivery(db, tenantId, { locale: "nl-NL" });
        const html = await (
          await fetch(`${url}/u/${unsubscribeToken(delivery.id)}`)
        ).text();
        expect(html).toContain("Ja, meld mij af");
      });
    });

    describe("POST from the confirm form", () => {
      it("suppresses the address and stops every nudge to the person", async () => {
        const { delivery, person, address } = await aDelivery(db, tenantId);

        const response = await fetch(
          `${url}/u/${unsubscribeToken(delivery.id)}`,
          form(""),
        );

        expect(response.status).toBe(200);
        expect(await response.text()).toContain("You are unsubscribed");
        expect(await suppressionsOf(address)).toEqual([
          expect.objectContaining({ reason: "unsubscribed" }),
        ]);
        expect(
          await db.preference.findUnique({ where: { personId: person.id } }),
        ).toMatchObject({ stoppedAll: true });
      });
    });

    describe("the RFC 8058 one-click POST", () => {
      it("unsubscribes, and answers 200 again when repeated without a second suppression", async () => {
        const { delivery, person, address } = await aDelivery(db, tenantId);
        const link = `${url}/u/${unsubscribeToken(delivery.id)}`;

        const first = await fetch(link, form("List-Unsubscribe=One-Click"));
        const second = await fetch(link, form("List-Unsubscribe=One-Click"));

        expect([first.status, second.status]).toEqual([200, 200]);
        expect(await suppressionsOf(address)).toHaveLength(1);
        expect(
          await db.preference.findUnique({ where: { personId: person.id } }),
        ).toMatchObject({ stoppedAll: true });
      });
    });

    describe("with a link that is not valid", () => {
      const refused = async (link: string, address: string) => {
        const page = await fetch(`${url}/u/${link}`, {
          headers: { "accept-language": "en-GB,en;q=0.9" },
        });
        expect(page.status).toBe(403);
        expect(page.headers.get("content-type")).toMatch(/^text\/html/);
        const html = await page.text();
        expect(html).toContain('<html lang="en">');
        expect(html).toContain("This link does not work");
        const post = await fetch(
          `${url}/u/${link}`,
          form("List-Unsubscribe=One-Click"),
        );
        expect(post.status).toBe(403);
        expect(await suppressionsOf(address)).toHaveLength(0);
      };

      it("answers 403 to a token with one character changed", async () => {
        const { delivery, address } = await aDelivery(db, tenantId);
        const link = unsubscribeToken(delivery.id);
        expect((await fetch(`${url}/u/${link}`)).status).toBe(200);
        await refused(tampered(link), address);
      });

      it("answers 403 to an expired token", async () => {
        const { delivery, address } = await aDelivery(db, tenantId);
        await refused(
          unsubscribeToken(delivery.id, {
            exp: Math.floor(Date.now() / 1000) - 60,
          }),
          address,
        );
      });

      it("answers 403 to a token made for another purpose", async () => {
        const { delivery, address } = await aDelivery(db, tenantId);
        await refused(
          unsubscribeToken(delivery.id, { purpose: "reflection" }),
          address,
        );
      });

      it("answers 403 to a token signed with another secret", async () => {
        const { delivery, address } = await aDelivery(db, tenantId);
        const forged = signToken(
          {
            purpose: "unsubscribe",
            sub: delivery.id,
            exp: Math.floor(Date.now() / 1000) + HOUR_S,
          },
          "not-the-secret",
        );
        await refused(forged, address);
      });

      it("explains it in Dutch to a Dutch browser, with the page's language set to match", async () => {
        const page = await fetch(`${url}/u/not-a-token`, {
          headers: { "accept-language": "nl-NL,nl;q=0.9,en;q=0.5" },
        });
        expect(page.status).toBe(403);
        const html = await page.text();
        expect(html).toContain('<html lang="nl">');
        expect(html).toContain("Deze link werkt niet");
      });

      it("answers 403 to a valid token for a delivery that does not exist", async () => {
        const { address } = await aDelivery(db, tenantId);
        await refused(unsubscribeToken(randomUUID()), address);
      });
    });
  });

  describe("/outbox", () => {
    it("answers 401 without a token", async () => {
      const response = await fetch(`${url}/outbox`);
      expect(response.status).toBe(401);
      expect(await response.text()).not.toContain("Hello");
    });

    it("lists the captured mail with the subject escaped", async () => {
      const response = await fetch(`${url}/outbox`, { headers: bearer(token) });
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(html).toContain("Hello &lt;b&gt;x&lt;/b&gt; &amp; more");
      expect(html).not.toContain("<b>x</b>");
      expect(html).toContain("anna@example.test");
    });

    it("shows one message with its subject escaped, and 404 for an unknown one", async () => {
      const response = await fetch(`${url}/outbox/m1`, {
        headers: bearer(token),
      });
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(html).toContain("<h1>Hello &lt;b&gt;x&lt;/b&gt; &amp; more</h1>");
      expect(html).not.toContain("<b>x</b>");
      expect(
        (await fetch(`${url}/outbox/nope`, { headers: bearer(token) })).status,
      ).toBe(404);
    });
  });
});

describe("the web app without an outbox", () => {
  it("has no /outbox page", async () => {
    const db = testDb();
    const server = await listenOnFreePort(
      buildApp({
        db,
        clock: systemClock,
        logger: testLogger,
        secret: SECRET,
        publicUrl: PUBLIC_URL,
      }),
    );
    try {
      expect((await fetch(`${server.url}/outbox`)).status).toBe(404);
    } finally {
      await server.close();
      await db.$disconnect();
    }
  });
});
