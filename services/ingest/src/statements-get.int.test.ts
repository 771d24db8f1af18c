// GET/HEAD /xapi/statements (xAPI 1.0.3 Communication 2.1.3) against real PostgreSQL and Redis.
import { randomBytes, randomUUID } from "node:crypto";

import type { PrismaClient } from "@beklijf/db";
import {
  aCompletedStatement,
  aLearner,
  anLmsConnection,
  aTenant,
  type ListeningServer,
  postStatements,
  serveMounted,
  serviceTestDeps,
  testDb,
  testQueues,
} from "@beklijf/testing";

import { buildApp } from "./app";

const VOIDED = "http://adlnet.gov/expapi/verbs/voided";
const COMPLETED = "http://adlnet.gov/expapi/verbs/completed";

function field(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = Reflect.get(current, key);
  }
  return current;
}

function idsOf(result: unknown): string[] {
  const statements = field(result, "statements");
  return Array.isArray(statements)
    ? statements.map((s) => String(field(s, "id")))
    : [];
}

function keysOf(value: unknown): string[] {
  return typeof value === "object" && value !== null
    ? Object.keys(value).sort()
    : [];
}

const sorted = (ids: readonly string[]) => [...ids].sort();

describe("GET /xapi/statements", () => {
  const redis = testQueues("ingest-get");
  const run = randomBytes(4).toString("hex");
  const iri = (name: string) => `https://lms.example.test/${run}/${name}`;
  let db: PrismaClient;
  let served: ListeningServer;
  let tenantId: string;
  let auth: string;
  let key: string;
  let otherAuth: string;

  const anna = aLearner({ name: "Anna" });
  const bram = aLearner({ name: "Bram" });
  const teacher = aLearner({ name: "Tess" });
  const instructor = aLearner({ name: "Ines" });
  const registration = randomUUID();
  const ids = {
    annaCompletedX: randomUUID(),
    bramCompletedY: randomUUID(),
    annaExperiencedZ: randomUUID(),
    groupAttemptedX: randomUUID(),
    teacherConfirmsBram: randomUUID(),
    annaCompletedW: randomUUID(),
    voidingW: randomUUID(),
    subStatement: randomUUID(),
    teacherMentorsAnna: randomUUID(),
    byAccount: randomUUID(),
  };
  const paging = Array.from({ length: 7 }, () => randomUUID());

  const get = (
    query: string,
    options: {
      method?: string;
      headers?: Record<string, string>;
      auth?: string | null;
    } = {},
  ) =>
    fetch(`${served.url}/xapi/statements${query}`, {
      method: options.method ?? "GET",
      headers: {
        "x-experience-api-version": "1.0.3",
        ...(options.auth === null
          ? {}
          : { authorization: options.auth ?? auth }),
        ...options.headers,
      },
    });
  const getJson = async (query: string, headers?: Record<string, string>) => {
    const response = await get(query, headers === undefined ? {} : { headers });
    expect(response.status).toBe(200);
    const body: unknown = await response.json();
    return body;
  };
  const q = (params: Record<string, string>) =>
    `?${new URLSearchParams(params).toString()}`;
  const post = async (body: unknown) => {
    const response = await postStatements(served.url, body, {
      authorization: auth,
    });
    expect(response.status).toBe(200);
  };

  const activity = (id: string, name?: Record<string, string>) => ({
    objectType: "Activity",
    id,
    definition: {
      type: "https://w3id.org/xapi/cmi5/activitytype/course",
      ...(name === undefined ? {} : { name }),
    },
  });
  const agent = (learner: { name: string; email: string }) => ({
    objectType: "Agent",
    name: learner.name,
    mbox: `mailto:${learner.email}`,
  });

  beforeAll(async () => {
    db = testDb();
    tenantId = await aTenant(db, "ingest-get");
    ({ key, authorization: auth } = await anLmsConnection(db, tenantId));
    ({ authorization: otherAuth } = await anLmsConnection(
      db,
      await aTenant(db, "ingest-get-other"),
    ));
    served = await serveMounted(
      "/xapi",
      buildApp(serviceTestDeps({ db, queues: redis.queues })),
    );

    // One request each, oldest first, so their stored times follow this order.
    await post({
      ...aCompletedStatement({
        learner: anna,
        id: ids.annaCompletedX,
        courseId: iri("course-x"),
      }),
      context: {
        registration,
        instructor: agent(instructor),
        contextActivities: { parent: [activity(iri("programme-p"))] },
      },
    });
    await post(
      aCompletedStatement({
        learner: bram,
        id: ids.bramCompletedY,
        courseId: iri("course-y"),
      }),
    );
    await post({
      id: ids.annaExperiencedZ,
      actor: agent(anna),
      verb: {
        id: "http://adlnet.gov/expapi/verbs/experienced",
        display: { "en-US": "experienced", "nl-NL": "bekeek" },
      },
      object: activity(iri("video-z"), {
        "en-US": "The video",
        "nl-NL": "De video",
        "de-DE": "Das Video",
      }),
      context: {
        contextActivities: { category: [activity(iri("category-c"))] },
      },
    });
    await post({
      id: ids.groupAttemptedX,
      actor: {
        objectType: "Group",
        name: "Team Blue",
        mbox: `mailto:team-${run}@example.test`,
        member: [agent(anna), agent(teacher)],
      },
      verb: { id: "http://adlnet.gov/expapi/verbs/attempted" },
      object: activity(iri("course-x")),
    });
    await post({
      id: ids.teacherConfirmsBram,
      actor: agent(teacher),
      verb: { id: iri("verbs/confirmed") },
      object: { objectType: "StatementRef", id: ids.bramCompletedY },
    });
    await post(
      aCompletedStatement({
        learner: anna,
        id: ids.annaCompletedW,
        courseId: iri("course-w"),
      }),
    );
    await post({
      id: ids.voidingW,
      actor: agent(teacher),
      verb: { id: VOIDED, display: { "en-US": "voided" } },
      object: { objectType: "StatementRef", id: ids.annaCompletedW },
    });
    await post({
      id: ids.subStatement,
      actor: agent(teacher),
      verb: { id: iri("verbs/planned") },
      object: {
        objectType: "SubStatement",
        actor: agent(bram),
        verb: { id: iri("verbs/will-attend") },
        object: activity(iri("course-s")),
        context: { instructor: agent(instructor) },
      },
    });
    await post({
      id: ids.teacherMentorsAnna,
      actor: agent(teacher),
      verb: { id: iri("verbs/mentored") },
      object: agent(anna),
    });
    await post({
      id: ids.byAccount,
      actor: {
        objectType: "Agent",
        account: { homePage: "https://lms.example.test", name: `u-${run}` },
      },
      verb: { id: iri("verbs/logged-in") },
      object: activity(iri("portal")),
    });
    for (const id of paging)
      await post({
        id,
        actor: agent(bram),
        verb: { id: iri("verbs/paged") },
        object: activity(iri("course-page")),
      });
  });

  afterAll(async () => {
    await served.close();
    await redis.close();
    await db.$disconnect();
  });

  describe("with filters", () => {
    const annaAgent = () => JSON.stringify({ mbox: `mailto:${anna.email}` });
    const cases: [string, () => Record<string, string>, () => string[]][] = [
      [
        "agent: as actor, as object, as Group member, and statements targeting a match",
        () => ({ agent: annaAgent() }),
        () => [
          ids.annaCompletedX,
          ids.annaExperiencedZ,
          ids.groupAttemptedX,
          ids.voidingW,
          ids.teacherMentorsAnna,
        ],
      ],
      [
        "agent with different mbox case",
        () => ({
          agent: JSON.stringify({ mbox: `mailto:${anna.email.toUpperCase()}` }),
        }),
        () => [
          ids.annaCompletedX,
          ids.annaExperiencedZ,
          ids.groupAttemptedX,
          ids.voidingW,
          ids.teacherMentorsAnna,
        ],
      ],
      [
        "agent by account",
        () => ({
          agent: JSON.stringify({
            account: { homePage: "https://lms.example.test", name: `u-${run}` },
          }),
        }),
        () => [ids.byAccount],
      ],
      [
        "agent as an identified Group",
        () => ({
          agent: JSON.stringify({
            objectType: "Group",
            mbox: `mailto:team-${run}@example.test`,
          }),
        }),
        () => [ids.groupAttemptedX],
      ],
      [
        "agent as instructor only matches with related_agents",
        () => ({
          agent: JSON.stringify({ mbox: `mailto:${instructor.email}` }),
        }),
        () => [],
      ],
      [
        "related_agents: context instructor and inside a SubStatement",
        () => ({
          agent: JSON.stringify({ mbox: `mailto:${instructor.email}` }),
          related_agents: "true",
        }),
        () => [ids.annaCompletedX, ids.subStatement],
      ],
      [
        "related_agents: the authority (the connection)",
        () => ({
          agent: JSON.stringify({
            account: { homePage: `${served.url}/xapi`, name: key },
          }),
          related_agents: "true",
          verb: COMPLETED,
        }),
        () => [
          ids.annaCompletedX,
          ids.bramCompletedY,
          ids.teacherConfirmsBram,
          ids.voidingW,
        ],
      ],
      [
        "verb, including statements whose target has it",
        () => ({ verb: COMPLETED }),
        () => [
          ids.annaCompletedX,
          ids.bramCompletedY,
          ids.teacherConfirmsBram,
          ids.voidingW,
        ],
      ],
      [
        "verb and agent together",
        () => ({ verb: COMPLETED, agent: annaAgent() }),
        () => [ids.annaCompletedX, ids.voidingW],
      ],
      [
        "activity: the object only",
        () => ({ activity: iri("course-x") }),
        () => [ids.annaCompletedX, ids.groupAttemptedX],
      ],
      [
        "activity in context only matches with related_activities",
        () => ({ activity: iri("programme-p") }),
        () => [],
      ],
      [
        "related_activities: context activities",
        () => ({ activity: iri("category-c"), related_activities: "true" }),
        () => [ids.annaExperiencedZ],
      ],
      [
        "related_activities: inside a SubStatement",
        () => ({ activity: iri("course-s"), related_activities: "true" }),
        () => [ids.subStatement],
      ],
      [
        "registration",
        () => ({ registration: registration.toUpperCase() }),
        () => [ids.annaCompletedX],
      ],
      [
        "a verb nobody used",
        () => ({ verb: "http://adlnet.gov/expapi/non/existent" }),
        () => [],
      ],
    ];

    it.each(cases)("%s", async (_name, params, expected) => {
      const body = await getJson(q(params()));
      expect(sorted(idsOf(body))).toEqual(sorted(expected()));
      expect(field(body, "more")).toBe("");
    });
  });

  describe("without filters", () => {
    it("answers every statement of the tenant but the voided one, newest first", async () => {
      const body = await getJson("");
      const got = idsOf(body);
      expect(got).toHaveLength(Object.keys(ids).length - 1 + paging.length);
      expect(got).not.toContain(ids.annaCompletedW);
      expect(got).toContain(ids.voidingW);
      const stored = (field(body, "statements") as unknown[]).map((s) =>
        Date.parse(String(field(s, "stored"))),
      );
      expect(stored).toEqual([...stored].sort((a, b) => b - a));
    });

    it("answers oldest first with ascending=true", async () => {
      const body = await getJson("?ascending=true");
      const got = idsOf(body);
      expect(got[0]).toBe(ids.annaCompletedX);
      expect(got.at(-1)).toBe(paging.at(-1));
    });

    it("returns stored, version and the connection as authority", async () => {
      const body = await getJson(q({ verb: iri("verbs/confirmed") }));
      const statement = (field(body, "statements") as unknown[])[0];
      expect(field(statement, "version")).toBe("1.0.0");
      expect(Number.isNaN(Date.parse(String(field(statement, "stored"))))).toBe(
        false,
      );
      expect(field(statement, "authority")).toEqual({
        objectType: "Agent",
        account: { homePage: `${served.url}/xapi`, name: key },
      });
    });
  });

  describe("since and until", () => {
    it("since is exclusive and until inclusive, on stored", async () => {
      const pivot = await db.statement.findUniqueOrThrow({
        where: { tenantId_id: { tenantId, id: ids.groupAttemptedX } },
      });
      const after = await db.statement.findMany({
        where: { tenantId, stored: { gt: pivot.stored }, voided: false },
        select: { id: true },
      });
      const upTo = await db.statement.findMany({
        where: { tenantId, stored: { lte: pivot.stored }, voided: false },
        select: { id: true },
      });
      const since = await getJson(q({ since: pivot.stored.toISOString() }));
      const until = await getJson(q({ until: pivot.stored.toISOString() }));
      expect(sorted(idsOf(since))).toEqual(sorted(after.map((r) => r.id)));
      expect(sorted(idsOf(until))).toEqual(sorted(upTo.map((r) => r.id)));
      expect(idsOf(until)).toContain(ids.groupAttemptedX);
    });
  });

  describe("paging with more", () => {
    const pages = async (params: Record<string, string>) => {
      const seen: string[][] = [];
      let next = `/statements${q(params)}`;
      while (next !== "") {
        const response = await fetch(`${served.url}/xapi${next}`, {
          headers: { authorization: auth, "x-experience-api-version": "1.0.3" },
        });
        expect(response.status).toBe(200);
        const body: unknown = await response.json();
        seen.push(idsOf(body));
        const more = String(field(body, "more"));
        if (more !== "") {
          expect(more.startsWith("/xapi/statements?more=")).toBe(true);
          next = more.slice("/xapi".length);
        } else next = "";
      }
      return seen;
    };

    it("continues the same query across three pages, newest first", async () => {
      const seen = await pages({ verb: iri("verbs/paged"), limit: "3" });
      expect(seen.map((p) => p.length)).toEqual([3, 3, 1]);
      expect(seen.flat()).toEqual([...paging].reverse());
    });

    it("continues in ascending order", async () => {
      const seen = await pages({
        verb: iri("verbs/paged"),
        limit: "3",
        ascending: "true",
      });
      expect(seen.map((p) => p.length)).toEqual([3, 3, 1]);
      expect(seen.flat()).toEqual(paging);
    });

    it("keeps format across pages", async () => {
      const body = await getJson(
        q({ verb: iri("verbs/paged"), limit: "6", format: "ids" }),
      );
      const more = String(field(body, "more"));
      const next = await fetch(`${served.url}${more}`, {
        headers: { authorization: auth, "x-experience-api-version": "1.0.3" },
      });
      const statements = field(await next.json(), "statements") as unknown[];
      expect(statements).toHaveLength(1);
      expect(keysOf(field(statements[0], "actor"))).toEqual([
        "mbox",
        "objectType",
      ]);
    });

    it("refuses a tampered token, and another connection's token", async () => {
      const body = await getJson(q({ verb: iri("verbs/paged"), limit: "2" }));
      const more = String(field(body, "more"));
      const token = more.slice(more.indexOf("=") + 1);
      const [payload = "", signature = ""] = token.split(".");
      const forged = Buffer.from(
        Buffer.from(payload, "base64url")
          .toString("utf8")
          .replace("limit=2", "limit=3"),
      ).toString("base64url");
      for (const [query, authorization] of [
        [`?more=${forged}.${signature}`, auth],
        [`?more=${token}x`, auth],
        [`?more=${token}`, otherAuth],
        [`?more=${token}&limit=1`, auth],
      ] as const) {
        const response = await get(query, { auth: authorization });
        expect(response.status).toBe(400);
      }
    });
  });

  describe("format", () => {
    it("ids reduces agents, groups, verbs and activities to their identifiers", async () => {
      const body = await getJson(
        q({ activity: iri("course-x"), format: "ids" }),
      );
      const statements = field(body, "statements") as unknown[];
      const group = statements.find(
        (s) => field(s, "id") === ids.groupAttemptedX,
      );
      expect(field(group, "actor")).toEqual({
        objectType: "Group",
        mbox: `mailto:team-${run}@example.test`,
      });
      const completed = statements.find(
        (s) => field(s, "id") === ids.annaCompletedX,
      );
      expect(field(completed, "actor")).toEqual({
        objectType: "Agent",
        mbox: `mailto:${anna.email}`,
      });
      expect(field(completed, "verb")).toEqual({ id: COMPLETED });
      expect(field(completed, "object")).toEqual({ id: iri("course-x") });
      expect(field(completed, "context", "instructor")).toEqual({
        objectType: "Agent",
        mbox: `mailto:${instructor.email}`,
      });
      expect(
        field(completed, "context", "contextActivities", "parent"),
      ).toEqual([{ id: iri("programme-p") }]);
      expect(field(completed, "result")).toEqual({ completion: true });
    });

    it("canonical keeps one language per map, chosen by Accept-Language", async () => {
      const body = await getJson(
        q({ statementId: ids.annaExperiencedZ, format: "canonical" }),
        { "accept-language": "fr;q=0.9, nl;q=0.8, en;q=0.1" },
      );
      expect(field(body, "verb", "display")).toEqual({ "nl-NL": "bekeek" });
      expect(field(body, "object", "definition", "name")).toEqual({
        "nl-NL": "De video",
      });
      expect(field(body, "actor", "name")).toBe("Anna");
    });

    it("exact (the default) keeps every language", async () => {
      const body = await getJson(q({ statementId: ids.annaExperiencedZ }), {
        "accept-language": "nl",
      });
      expect(keysOf(field(body, "object", "definition", "name"))).toEqual([
        "de-DE",
        "en-US",
        "nl-NL",
      ]);
    });
  });

  describe("one statement", () => {
    it("answers it by statementId, with Last-Modified its stored time", async () => {
      const response = await get(q({ statementId: ids.annaCompletedX }));
      expect(response.status).toBe(200);
      const body: unknown = await response.json();
      expect(field(body, "id")).toBe(ids.annaCompletedX);
      const lastModified = Date.parse(
        response.headers.get("last-modified") ?? "",
      );
      const stored = Date.parse(String(field(body, "stored")));
      expect(Math.floor(stored / 1000) * 1000).toBe(lastModified);
    });

    it("finds a voided statement only by voidedStatementId", async () => {
      expect((await get(q({ statementId: ids.annaCompletedW }))).status).toBe(
        404,
      );
      const response = await get(q({ voidedStatementId: ids.annaCompletedW }));
      expect(response.status).toBe(200);
      expect(field(await response.json(), "id")).toBe(ids.annaCompletedW);
    });

    it("finds no statement that is not voided by voidedStatementId", async () => {
      expect(
        (await get(q({ voidedStatementId: ids.annaCompletedX }))).status,
      ).toBe(404);
    });

    it("answers 404 for an unknown id, and for another tenant's statement", async () => {
      expect((await get(q({ statementId: randomUUID() }))).status).toBe(404);
      expect(
        (
          await get(q({ statementId: ids.annaCompletedX }), {
            auth: otherAuth,
          })
        ).status,
      ).toBe(404);
    });

    it("answers statements with format and attachments=false", async () => {
      const body = await getJson(
        q({
          statementId: ids.annaCompletedX,
          format: "ids",
          attachments: "false",
        }),
      );
      expect(field(body, "verb")).toEqual({ id: COMPLETED });
    });
  });

  describe("tenant scoping", () => {
    it("shows another tenant's connection none of these statements", async () => {
      const response = await get("", { auth: otherAuth });
      expect(idsOf(await response.json())).toEqual([]);
    });
  });

  describe("refused queries", () => {
    const cases: [string, string][] = [
      [
        "statementId with voidedStatementId",
        q({ statementId: randomUUID(), voidedStatementId: randomUUID() }),
      ],
      [
        "statementId with verb",
        q({ statementId: randomUUID(), verb: COMPLETED }),
      ],
      ["statementId with limit", q({ statementId: randomUUID(), limit: "1" })],
      [
        "voidedStatementId with ascending",
        q({ voidedStatementId: randomUUID(), ascending: "true" }),
      ],
      [
        "voidedStatementId with agent",
        q({
          voidedStatementId: randomUUID(),
          agent: JSON.stringify({ mbox: "mailto:a@b.test" }),
        }),
      ],
      ["a statementId that is no UUID", q({ statementId: "42" })],
      ["an unknown parameter (names are case-sensitive)", "?LIMIT=1"],
      ["a repeated parameter", "?limit=1&limit=2"],
      ["a negative limit", q({ limit: "-1" })],
      ["format other than exact, ids, canonical", q({ format: "full" })],
      ["a boolean that is not true or false", q({ ascending: "yes" })],
      ["a registration that is no UUID", q({ registration: "abc" })],
      ["a since that is no timestamp", q({ since: "yesterday" })],
      ["an agent that is not JSON", q({ agent: "anna" })],
      [
        "an anonymous Group as agent",
        q({
          agent: JSON.stringify({
            objectType: "Group",
            member: [{ mbox: "mailto:a@b.test" }],
          }),
        }),
      ],
      ["a verb that is no IRI", q({ verb: "completed" })],
    ];

    it.each(cases)("refuses %s with 400", async (_name, query) => {
      const response = await get(query);
      expect(response.status).toBe(400);
      expect(
        response.headers.get("x-experience-api-consistent-through"),
      ).not.toBeNull();
      expect(field(await response.json(), "error", "message")).toEqual(
        expect.any(String),
      );
    });
  });

  describe("attachments=true", () => {
    it("answers multipart/mixed with the statements as its JSON part", async () => {
      const response = await get(
        q({ verb: iri("verbs/confirmed"), attachments: "true" }),
      );
      expect(response.status).toBe(200);
      const type = response.headers.get("content-type") ?? "";
      expect(type).toMatch(/^multipart\/mixed; boundary=[0-9a-f]+$/);
      const boundary = type.split("boundary=")[1] ?? "";
      const text = await response.text();
      const [, part = ""] = text.split(`--${boundary}\r\n`);
      const [headers = "", json = ""] = part.split("\r\n\r\n");
      expect(headers).toBe("Content-Type: application/json");
      const body: unknown = JSON.parse(
        json.slice(0, json.lastIndexOf(`\r\n--${boundary}--`)),
      );
      expect(idsOf(body)).toEqual([ids.teacherConfirmsBram]);
    });
  });

  describe("HEAD", () => {
    it("answers the headers of GET without a body", async () => {
      const single = await get(q({ statementId: ids.annaCompletedX }), {
        method: "HEAD",
      });
      expect(single.status).toBe(200);
      expect(single.headers.get("last-modified")).not.toBeNull();
      expect(
        single.headers.get("x-experience-api-consistent-through"),
      ).not.toBeNull();
      expect(await single.text()).toBe("");
      const list = await get("", { method: "HEAD" });
      expect(list.status).toBe(200);
      expect(list.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await list.text()).toBe("");
      expect(
        (await get(q({ statementId: randomUUID() }), { method: "HEAD" }))
          .status,
      ).toBe(404);
    });
  });

  describe("X-Experience-API-Consistent-Through", () => {
    it("is on every answer, errors included, and lies a little in the past", async () => {
      const answers = [
        await get(""),
        await get(q({ statementId: randomUUID() })),
        await get("?LIMIT=1"),
        await get("", { auth: null }),
        await get("", { headers: { "x-experience-api-version": "0.9" } }),
        await postStatements(served.url, [], { authorization: auth }),
        await postStatements(served.url, null, {
          authorization: auth,
          raw: "{nope",
        }),
      ];
      expect(answers.map((r) => r.status)).toEqual([
        200, 404, 400, 401, 400, 400, 400,
      ]);
      for (const response of answers) {
        const through = Date.parse(
          response.headers.get("x-experience-api-consistent-through") ?? "",
        );
        expect(through).toBeLessThanOrEqual(Date.now());
        expect(through).toBeGreaterThan(Date.now() - 60_000);
        expect(response.headers.get("x-experience-api-version")).toBe("1.0.3");
      }
    });
  });

  describe("CORS", () => {
    it("answers a preflight with 204 without credentials", async () => {
      const response = await fetch(`${served.url}/xapi/statements`, {
        method: "OPTIONS",
        headers: {
          origin: "https://content.example.test",
          "access-control-request-method": "PUT",
          "access-control-request-headers":
            "authorization, content-type, x-experience-api-version",
        },
      });
      expect(response.status).toBe(204);
      expect(response.headers.get("access-control-allow-origin")).toBe("*");
      expect(response.headers.get("access-control-allow-methods")).toBe(
        "GET, HEAD, PUT, POST, OPTIONS",
      );
      expect(response.headers.get("access-control-allow-headers")).toContain(
        "X-Experience-API-Version",
      );
      expect(
        response.headers.get("access-control-allow-credentials"),
      ).toBeNull();
    });

    it("lets content read the xAPI headers of an answer", async () => {
      const response = await get("", {
        headers: { origin: "https://content.example.test" },
      });
      expect(response.headers.get("access-control-allow-origin")).toBe("*");
      expect(response.headers.get("access-control-expose-headers")).toContain(
        "X-Experience-API-Consistent-Through",
      );
      const about = await fetch(`${served.url}/xapi/about`);
      expect(about.status).toBe(200);
      expect(about.headers.get("access-control-allow-origin")).toBe("*");
    });
  });

  describe("the alternate request syntax", () => {
    const form = (
      method: string,
      fields: Record<string, string>,
      headers: Record<string, string> = {},
    ) =>
      fetch(`${served.url}/xapi/statements?method=${method}`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          ...headers,
        },
        body: new URLSearchParams(fields).toString(),
      });

    it("runs a GET sent as a form POST", async () => {
      const response = await form(
        "GET",
        { limit: "1", verb: iri("verbs/paged") },
        { authorization: auth, "x-experience-api-version": "1.0.3" },
      );
      expect(response.status).toBe(200);
      const body: unknown = await response.json();
      expect(idsOf(body)).toEqual([paging.at(-1)]);
      expect(String(field(body, "more"))).toMatch(/^\/xapi\/statements\?more=/);
    });

    it("runs a PUT with the headers and the statement in the form", async () => {
      const id = randomUUID();
      const response = await form("PUT", {
        statementId: id,
        Authorization: auth,
        "X-Experience-API-Version": "1.0.3",
        content: JSON.stringify(aCompletedStatement({ learner: bram })),
      });
      expect(response.status).toBe(204);
      expect(await db.statement.count({ where: { tenantId, id } })).toBe(1);
    });

    it("refuses extra URL parameters, other methods, a missing content and a bad version", async () => {
      const statement = JSON.stringify(aCompletedStatement({ learner: bram }));
      const headers = {
        authorization: auth,
        "x-experience-api-version": "1.0.3",
      };
      const extra = await fetch(
        `${served.url}/xapi/statements?method=PUT&statementId=${randomUUID()}`,
        {
          method: "POST",
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            ...headers,
          },
          body: new URLSearchParams({ content: statement }).toString(),
        },
      );
      const notPost = await fetch(`${served.url}/xapi/statements?method=POST`, {
        method: "PUT",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          ...headers,
        },
        body: new URLSearchParams({ content: statement }).toString(),
      });
      const noContent = await form(
        "PUT",
        { statementId: randomUUID() },
        headers,
      );
      const oldVersion = await form("PUT", {
        statementId: randomUUID(),
        Authorization: auth,
        "X-Experience-API-Version": "0.8",
        content: statement,
      });
      expect([
        extra.status,
        notPost.status,
        noContent.status,
        oldVersion.status,
      ]).toEqual([400, 400, 400, 400]);
    });
  });

  it("refuses DELETE with 400", async () => {
    expect(
      (await get(q({ statementId: ids.annaCompletedX }), { method: "DELETE" }))
        .status,
    ).toBe(400);
  });
});
