import { once } from "node:events";
import { createServer, type RequestListener } from "node:http";

import express from "express";

/** A server on a free loopback port. */
export interface ListeningServer {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly url: string;
  /** Stops listening and ends open (keep-alive) connections. */
  close(): Promise<void>;
}

/** Serves `app` (an Express app, or any request listener) on a free port of 127.0.0.1. */
export async function listenOnFreePort(
  app: RequestListener,
): Promise<ListeningServer> {
  const server = createServer(app).listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string")
    throw new Error("the test server has no TCP address");
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error === undefined) resolve();
          else reject(error);
        });
        server.closeAllConnections();
      }),
  };
}

/**
 * Serves `app` mounted at `path` (e.g. ingest's app at "/xapi", as the processes mount it) on a
 * free port of 127.0.0.1.
 */
export function serveMounted(
  path: string,
  app: RequestListener,
): Promise<ListeningServer> {
  const root = express();
  root.use(path, app);
  return listenOnFreePort(root);
}

/**
 * POSTs `body` as JSON to `<baseUrl>/xapi/statements`, as an LMS does: with
 * `X-Experience-API-Version: 1.0.3` and the given `authorization` unless either is null, or with
 * `raw` as the body instead. `timeoutMs` aborts a request that hangs.
 */
export function postStatements(
  baseUrl: string,
  body: unknown,
  options: {
    authorization: string | null;
    version?: string | null;
    raw?: string;
    timeoutMs?: number;
  },
): Promise<Response> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
  };
  if (options.authorization !== null)
    headers["authorization"] = options.authorization;
  const version = options.version === undefined ? "1.0.3" : options.version;
  if (version !== null) headers["x-experience-api-version"] = version;
  return fetch(`${baseUrl}/xapi/statements`, {
    method: "POST",
    headers,
    body: options.raw ?? JSON.stringify(body),
    ...(options.timeoutMs === undefined
      ? {}
      : { signal: AbortSignal.timeout(options.timeoutMs) }),
  });
}
