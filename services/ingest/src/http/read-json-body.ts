import type { IncomingMessage } from "node:http";

// The request body of POST /xapi/statements, read straight from the request: one Buffer, one
// JSON.parse. The generic body parsers (express.json, express.urlencoded) still handle every other
// request; this path takes only what it can read exactly as express.json would, and its errors
// carry the same `status`, `type`, `limit`, `length` and `body` fields, so the one error mapping
// in http/errors.ts answers them the same way (400 BODY_NOT_JSON, 413 BODY_TOO_LARGE).

/** Units a body limit may be given in ("512kb", "2mb"), in multiples of 1024 like body-parser. */
const UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1024,
  mb: 1024 ** 2,
  gb: 1024 ** 3,
};

/** A body limit such as "2mb" or "1kb" in bytes; throws on anything else (a wiring mistake). */
export function parseByteLimit(limit: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(limit);
  const unit = UNITS[(match?.[2] ?? "b").toLowerCase()];
  if (match?.[1] === undefined || unit === undefined)
    throw new Error(
      `Body limit "${limit}" is not a size such as "2mb", "512kb" or "1024".`,
    );
  return Math.floor(Number(match[1]) * unit);
}

/**
 * Whether this path can read the request's body: a JSON content type (application/json or
 * application/*+json, as express.json takes) in UTF-8 or without a charset, not compressed, and
 * with a body announced by Content-Length or Transfer-Encoding. Anything else (another charset, a
 * gzip body, a form) is left to the generic parsers.
 */
export function isPlainJsonRequest(req: IncomingMessage): boolean {
  const headers = req.headers;
  if (headers["content-length"] === undefined) {
    if (headers["transfer-encoding"] === undefined) return false;
  }
  const encoding = headers["content-encoding"];
  if (encoding !== undefined && encoding.toLowerCase() !== "identity")
    return false;
  const contentType = headers["content-type"];
  if (contentType === undefined) return false;
  const semicolon = contentType.indexOf(";");
  const type = (semicolon < 0 ? contentType : contentType.slice(0, semicolon))
    .trim()
    .toLowerCase();
  if (
    type !== "application/json" &&
    !(type.startsWith("application/") && type.endsWith("+json"))
  )
    return false;
  if (semicolon < 0) return true;
  // Only a charset parameter, and only UTF-8; anything unusual goes the generic way.
  return /^\s*charset\s*=\s*(?:"utf-8"|utf-8)\s*$/i.test(
    contentType.slice(semicolon + 1),
  );
}

/** An error in body-parser's shape, so the app's error mapping treats it the same. */
function bodyError(
  status: number,
  message: string,
  fields: Record<string, unknown>,
): Error {
  return Object.assign(new Error(message), {
    status,
    statusCode: status,
    expose: status < 500,
    ...fields,
  });
}

/**
 * Reads the whole body into one Buffer, at most `limitBytes` (413 beyond, decided from
 * Content-Length before reading when it is given). On an error the rest of the body is read and
 * dropped before the promise rejects, so the answer can still go out on the connection.
 */
export function readBody(
  req: IncomingMessage,
  limitBytes: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = req.headers["content-length"];
    const length = declared === undefined ? undefined : Number(declared);
    const chunks: Buffer[] = [];
    let received = 0;
    const fail = (error: Error): void => {
      req.removeListener("data", onData);
      req.removeListener("end", onEnd);
      req.removeListener("aborted", onAborted);
      req.removeListener("error", onAborted);
      if (req.complete) {
        reject(error);
        return;
      }
      req.once("end", () => {
        reject(error);
      });
      req.once("close", () => {
        reject(error);
      });
      req.once("error", () => {
        reject(error);
      });
      req.resume();
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limitBytes) {
        fail(
          bodyError(413, "request entity too large", {
            type: "entity.too.large",
            received,
            limit: limitBytes,
          }),
        );
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      req.removeListener("aborted", onAborted);
      req.removeListener("error", onAborted);
      resolve(
        chunks.length === 1 && chunks[0] !== undefined
          ? chunks[0]
          : Buffer.concat(chunks, received),
      );
    };
    const onAborted = (): void => {
      req.removeListener("data", onData);
      req.removeListener("end", onEnd);
      reject(
        bodyError(400, "request aborted", {
          type: "request.aborted",
          received,
          ...(length === undefined ? {} : { expected: length }),
        }),
      );
    };
    if (length !== undefined && length > limitBytes) {
      fail(
        bodyError(413, "request entity too large", {
          type: "entity.too.large",
          expected: length,
          length,
          limit: limitBytes,
        }),
      );
      return;
    }
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("aborted", onAborted);
    // A stream error (the client went away mid-body) rejects like an abort; never unhandled.
    req.once("error", onAborted);
  });
}

/** Whitespace JSON allows before a value. */
function isJsonSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/**
 * The body as JSON, as express.json (strict) reads it: an empty body is `{}`, a UTF-8 byte order
 * mark is skipped, and the text must be an object or an array. Otherwise throws a 400 error of
 * type "entity.parse.failed" that keeps the text (the rejection log shows it).
 */
export function parseJsonBody(buffer: Buffer): unknown {
  if (buffer.length === 0) return {};
  let text = buffer.toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let i = 0;
  while (i < text.length && isJsonSpace(text.charCodeAt(i))) i += 1;
  const first = text[i];
  if (first !== "{" && first !== "[")
    throw bodyError(
      400,
      first === undefined
        ? "Unexpected end of JSON input"
        : `Unexpected token ${first} in JSON at position ${i}`,
      { type: "entity.parse.failed", body: text },
    );
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw bodyError(
      400,
      error instanceof Error ? error.message : "invalid JSON",
      { type: "entity.parse.failed", body: text },
    );
  }
}
