// The bodies of POST /xapi/statements as they arrive on the wire: the hot path reads plain JSON
// itself and leaves everything else to the generic body parsers, with the same answers either
// way. Real PostgreSQL and Redis, buildApp on port 0, requests written byte for byte.
import { request } from "node:http";

import { noMetrics, systemClock } from "@beklijf/core";
import type { PrismaClient } from "@beklijf/db";
import {
  aCompletedStatement,
  aLearner,
  anLmsConnection,
  aStatementId,
  aTenant,
  type ListeningServer,
  listenOnFreePort,
  testDb,
  testLogger,
  testQueues,
} from "@beklijf/testing";
import express from "express";

import { buildApp } from "../app";
import type { IngestDeps } from "../deps";
import { INGEST_WAYS, serveIngest } from "../serve-for-tests";

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
}

/**
 * POSTs to /xapi/statements with exactly these headers and body parts, each part written on its
 * own once the previous one left (no Content-Length unless given: then the body is chunked).
 */
function send(
  server: ListeningServer,
  headers: Record<string, string>,
  parts: readonly (string | Buffer)[],
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${server.url}/xapi/statements`,
      { method: "POST", headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text === "" ? undefined : (JSON.parse(text) as unknown),
          });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.setNoDelay(true);
    const writeFrom = (index: number): void => {
      const part = parts[index];
      if (part === undefined) {
        req.end();
        return;
      }
      req.write(part, () => {
        // The next part goes in a later turn of the event loop, so in a packet of its own.
        setImmediate(() => {
          writeFrom(index + 1);
        });
      });
    };
    writeFrom(0);
  });
}

function errorCode(answer: Answer): unknown {
  const error: unknown =
    typeof answer.body === "object" && answer.body !== null
      ? Reflect.get(answer.body, "error")
      : undefined;
  return typeof error === "object" && error !== null
    ? Reflect.get(error, "code")
    : undefined;
}

describe.each(INGEST_WAYS)("the body of POST /xapi/statements (%s)", (way) => {
  const redis = testQueues("ingest-bodies");
  let db: PrismaClient;
  let served: ListeningServer;
  let small: ListeningServer;
  let tenantId: string;
  let authorization: string;

  const headers = (
    contentType: string,
    more: Record<string, string> = {},
  ): Record<string, string> => ({
    authorization,
    "x-experience-api-version": "1.0.3",
    "content-type": contentType,
    ...more,
  });
  const isStored = async (id: string): Promise<boolean> =>
    (await db.statement.count({ where: { tenantId, id } })) === 1;
  const aStatement = (id = aStatementId()) =>
    aCompletedStatement({ learner: aLearner(), id });

  beforeAll(async () => {
    db = testDb();
    tenantId = await aTenant(db, "ingest-bodies");
    ({ authorization } = await anLmsConnection(db, tenantId));
    const deps: IngestDeps = {
      db,
      queues: redis.queues,
      clock: systemClock,
      logger: testLogger,
      metrics: noMetrics,
    };
    served = await serveIngest(deps, way);
    small = await serveIngest({ ...deps, bodyLimit: "1kb" }, way);
  });

  afterAll(async () => {
    await served.close();
    await small.close();
    await redis.close();
    await db.$disconnect();
  });

  describe("when the JSON arrives in many small chunks", () => {
    it("reads it whole, stores the statement and answers its id", async () => {
      const id = aStatementId();
      const text = JSON.stringify(aStatement(id));
      const parts: string[] = [];
      for (let i = 0; i < text.length; i += 7) parts.push(text.slice(i, i + 7));
      const answer = await send(served, headers("application/json"), parts);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual([id]);
      expect(answer.headers["content-type"]).toBe(
        "application/json; charset=utf-8",
      );
      expect(answer.headers["x-experience-api-version"]).toBe("1.0.3");
      expect(answer.headers["x-experience-api-consistent-through"]).toEqual(
        expect.any(String),
      );
      expect(answer.headers["access-control-allow-origin"]).toBe("*");
      expect(await isStored(id)).toBe(true);
    });

    it("cuts a multi-byte character between chunks without harm", async () => {
      const id = aStatementId();
      const statement = {
        ...aStatement(id),
        result: { completion: true, response: "één ✓ 学习" },
      };
      const bytes = Buffer.from(JSON.stringify(statement), "utf8");
      const cut = bytes.indexOf(Buffer.from("✓", "utf8")) + 1;
      const answer = await send(
        served,
        headers("application/json", {
          "content-length": String(bytes.length),
        }),
        [bytes.subarray(0, cut), bytes.subarray(cut)],
      );
      expect(answer.status).toBe(200);
      const row = await db.statement.findFirstOrThrow({
        where: { tenantId, id },
      });
      expect(row.raw).toMatchObject({ result: { response: "één ✓ 学习" } });
    });
  });

  describe("when the Content-Type names a charset", () => {
    it.each([
      "application/json; charset=utf-8",
      'application/json; charset="UTF-8"',
      "application/json;charset=UTF-8",
      "application/vnd.lms.statements+json",
    ])("accepts %s", async (contentType) => {
      const id = aStatementId();
      const answer = await send(served, headers(contentType), [
        JSON.stringify(aStatement(id)),
      ]);
      expect(answer.status).toBe(200);
      expect(await isStored(id)).toBe(true);
    });

    it("reads UTF-16 too, through the generic parser", async () => {
      const id = aStatementId();
      const answer = await send(
        served,
        headers("application/json; charset=utf-16le"),
        [Buffer.from(JSON.stringify(aStatement(id)), "utf16le")],
      );
      expect(answer.status).toBe(200);
      expect(await isStored(id)).toBe(true);
    });

    it("refuses a charset that is not Unicode with 415", async () => {
      const id = aStatementId();
      const answer = await send(
        served,
        headers("application/json; charset=latin1"),
        [JSON.stringify(aStatement(id))],
      );
      expect(answer.status).toBe(415);
      expect(errorCode(answer)).toBe("UNSUPPORTED_MEDIA_TYPE");
      expect(await isStored(id)).toBe(false);
    });

    it("skips a UTF-8 byte order mark, as the generic parser does", async () => {
      const id = aStatementId();
      const answer = await send(served, headers("application/json"), [
        `\uFEFF${JSON.stringify(aStatement(id))}`,
      ]);
      expect(answer.status).toBe(200);
      expect(await isStored(id)).toBe(true);
    });
  });

  describe("when the body is not a JSON object or array", () => {
    it.each([
      ["cut off", '{"actor": {"mbox": "mailto:anna@example.test"'],
      ["a string", '"a statement"'],
      ["a number", "42"],
      ["only whitespace", "  \n "],
      ["not JSON at all", "actor=anna"],
    ])("answers 400 BODY_NOT_JSON for a body %s", async (_name, text) => {
      const answer = await send(served, headers("application/json"), [text]);
      expect(answer.status).toBe(400);
      expect(errorCode(answer)).toBe("BODY_NOT_JSON");
      expect(answer.headers["x-experience-api-version"]).toBe("1.0.3");
    });

    it("answers 400 BODY_NOT_JSON before it looks at the credentials", async () => {
      const answer = await send(
        served,
        {
          ...headers("application/json"),
          authorization: "Basic d3Jvbmc6d3Jvbmc=",
        },
        ["{"],
      );
      expect(answer.status).toBe(400);
      expect(errorCode(answer)).toBe("BODY_NOT_JSON");
    });
  });

  describe("when the body is empty", () => {
    it("reads it as {} and names what a statement needs (400 STATEMENT_INVALID)", async () => {
      const answer = await send(
        served,
        headers("application/json", { "content-length": "0" }),
        [],
      );
      expect(answer.status).toBe(400);
      expect(errorCode(answer)).toBe("STATEMENT_INVALID");
    });
  });

  describe("when the Content-Type is not JSON", () => {
    it("does not read the body as JSON, and refuses the request with 400", async () => {
      const id = aStatementId();
      const answer = await send(served, headers("text/plain"), [
        JSON.stringify(aStatement(id)),
      ]);
      expect(answer.status).toBe(400);
      expect(await isStored(id)).toBe(false);
    });
  });

  describe("when a JSON parser in front of the app has read the body already", () => {
    it("uses what that parser read", async () => {
      const outer = express();
      outer.use(express.json());
      outer.use(
        "/xapi",
        buildApp({
          db,
          queues: redis.queues,
          clock: systemClock,
          logger: testLogger,
          metrics: noMetrics,
        }),
      );
      const server = await listenOnFreePort(outer);
      try {
        const id = aStatementId();
        const answer = await send(server, headers("application/json"), [
          JSON.stringify(aStatement(id)),
        ]);
        expect(answer.status).toBe(200);
        expect(await isStored(id)).toBe(true);
      } finally {
        await server.close();
      }
    });
  });

  describe("when the client goes away in the middle of the body", () => {
    it("stores nothing and goes on serving others", async () => {
      const id = aStatementId();
      const text = JSON.stringify(aStatement(id));
      const gone = new Promise<void>((resolve) => {
        const req = request(`${served.url}/xapi/statements`, {
          method: "POST",
          headers: headers("application/json", {
            "content-length": String(Buffer.byteLength(text)),
          }),
        });
        req.on("error", () => {
          resolve();
        });
        req.write(text.slice(0, 40), () => {
          req.destroy();
        });
      });
      await gone;
      const next = aStatementId();
      const answer = await send(served, headers("application/json"), [
        JSON.stringify(aStatement(next)),
      ]);
      expect(answer.status).toBe(200);
      expect(await isStored(next)).toBe(true);
      expect(await isStored(id)).toBe(false);
    });
  });

  describe("when the body is larger than the limit", () => {
    const big = () => ({
      ...aStatement(),
      result: { completion: true, response: "x".repeat(2_048) },
    });

    it("answers 413 from the Content-Length, with the size and the limit", async () => {
      const text = JSON.stringify(big());
      const answer = await send(
        small,
        headers("application/json", {
          "content-length": String(Buffer.byteLength(text)),
        }),
        [text],
      );
      expect(answer.status).toBe(413);
      expect(errorCode(answer)).toBe("BODY_TOO_LARGE");
      expect(JSON.stringify(answer.body)).toMatch(
        /The request body \(2\.\d KB\) is larger than the 1\.0 KB this endpoint accepts/,
      );
      expect(answer.headers["x-experience-api-version"]).toBe("1.0.3");
    });

    it("answers 413 for a chunked body once it passes the limit", async () => {
      const text = JSON.stringify(big());
      const parts: string[] = [];
      for (let i = 0; i < text.length; i += 256)
        parts.push(text.slice(i, i + 256));
      const answer = await send(small, headers("application/json"), parts);
      expect(answer.status).toBe(413);
      expect(JSON.stringify(answer.body)).toMatch(
        /larger than the 1\.0 KB this endpoint accepts/,
      );
    });

    it("goes on accepting statements under the limit after one over it", async () => {
      const text = JSON.stringify(big());
      const tooLarge = await send(small, headers("application/json"), [text]);
      expect(tooLarge.status).toBe(413);
      const id = aStatementId();
      const next = await send(small, headers("application/json"), [
        JSON.stringify(aStatement(id)),
      ]);
      expect(next.status).toBe(200);
      expect(await isStored(id)).toBe(true);
    });
  });
});
