import { ConflictError, errorMessage, ValidationError } from "@beklijf/core";
import {
  advancePullCursor,
  type ConnectionView,
  getConnectionById,
  openLrsPassword,
  type PullCursor,
  pullCursorOf,
  recordPullOutcome,
  recordRejection,
  storeStatements,
} from "@beklijf/db";
import { statementSliceHandOffs } from "@beklijf/queue";
import {
  parseTimestamp,
  type PreparedStatement,
  prepareStatement,
} from "@beklijf/xapi";

import type { IngestDeps } from "../deps";
import { createLrsClient } from "../lrs-client";
import { pullBackoffMs } from "./backoff";

export type PullDeps = Pick<
  IngestDeps,
  "db" | "clock" | "logger" | "metrics"
> & {
  /** Secrets that may open the LRS password: BEKLIJF_SECRET first. */
  readonly secrets: readonly string[];
};

export interface PullOptions {
  /** Statements asked for per page. @defaultValue 200 */
  readonly pageSize?: number;
  /** Deadline per request to the LRS, in ms. @defaultValue 30000 */
  readonly timeoutMs?: number;
  /** Pages read in one run at most; the next run goes on from the cursor. @defaultValue 50 */
  readonly maxPages?: number;
  /** For the back-off's jitter; tests pin it. @defaultValue Math.random */
  readonly random?: () => number;
}

export type PullOutcome =
  | { readonly kind: "skipped"; readonly reason: string }
  | {
      readonly kind: "pulled";
      readonly imported: number;
      readonly pages: number;
    }
  | { readonly kind: "failed"; readonly error: string };

/** The part of an LRS's StatementResult a pull uses; anything else in it is ignored. */
interface StatementPage {
  readonly statements: readonly unknown[];
  readonly more: string;
}

/**
 * One run of a pull connection: reads its external LRS from the cursor on (`since` one
 * millisecond before the cursor's `stored`, `ascending=true`), follows `more`, and stops at the
 * first statement stored after the LRS's `X-Experience-API-Consistent-Through` of the first
 * answer: those are left for the next run, since the LRS may still store earlier ones. Each page
 * is stored like a push (validation, idempotent by id, outbox hand-off), and the cursor moves in
 * the same transaction, so a crash repeats at most a page, which then stores nothing twice.
 *
 * A statement that fails validation or conflicts with a stored one is recorded as a rejection of
 * the connection and passed over. A failed run records its error and a back-off with jitter on
 * the connection (its health shows both); it never throws for an LRS or credential problem.
 */
export async function pullConnection(
  deps: PullDeps,
  connectionId: string,
  options: PullOptions = {},
): Promise<PullOutcome> {
  const connection = await getConnectionById(deps.db, connectionId);
  if (connection === null)
    return { kind: "skipped", reason: "no such connection" };
  if (
    !connection.enabled ||
    connection.mode !== "pull" ||
    connection.lrsEndpoint === null ||
    connection.lrsUsername === null ||
    connection.lrsPasswordSealed === null
  )
    return { kind: "skipped", reason: "not an enabled pull connection" };
  const startedAt = deps.clock.now();
  if (connection.pullNextRunAt !== null && connection.pullNextRunAt > startedAt)
    return { kind: "skipped", reason: "backing off" };
  const intervalMs = (connection.pullIntervalSeconds ?? 60) * 1000;
  try {
    const result = await readLrs(
      deps,
      connection,
      {
        endpoint: connection.lrsEndpoint,
        username: connection.lrsUsername,
        sealedPassword: connection.lrsPasswordSealed,
      },
      options,
    );
    await recordPullOutcome(deps.db, connection.id, {
      at: startedAt,
      nextRunAt: new Date(startedAt.getTime() + intervalMs / 2),
    });
    deps.metrics.count("statements_stored_total", result.imported);
    return { kind: "pulled", ...result };
  } catch (error) {
    const message = errorMessage(error);
    const delayMs = pullBackoffMs(
      intervalMs,
      connection.pullConsecutiveFailures + 1,
      options.random ?? Math.random,
    );
    await recordPullOutcome(deps.db, connection.id, {
      at: startedAt,
      nextRunAt: new Date(startedAt.getTime() + delayMs),
      error: message,
    });
    deps.logger.warn(
      { connectionId: connection.id, err: message, retryInMs: delayMs },
      "pulling from the LRS failed; backing off",
    );
    return { kind: "failed", error: message };
  }
}

async function readLrs(
  deps: PullDeps,
  connection: ConnectionView,
  lrs: { endpoint: string; username: string; sealedPassword: string },
  options: PullOptions,
): Promise<{ imported: number; pages: number }> {
  const client = createLrsClient(
    {
      endpoint: lrs.endpoint,
      username: lrs.username,
      password: openLrsPassword(lrs.sealedPassword, deps.secrets),
    },
    options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs },
  );
  let cursor = pullCursorOf(connection);
  const first = await client.getStatements({
    ascending: true,
    limit: options.pageSize ?? 200,
    ...(cursor.stored === null
      ? {}
      : { since: new Date(cursor.stored.getTime() - 1).toISOString() }),
  });
  const boundMs = consistentThrough(first.headers);
  let page = statementPage(first.data);
  let imported = 0;
  let pages = 1;
  for (;;) {
    const { taken, reachedBound } = takeUpTo(page.statements, cursor, boundMs);
    if (taken.length > 0) {
      const next = cursorAfter(cursor, taken);
      imported += await storePage(deps, connection, taken, cursor, next);
      cursor = next;
    }
    if (reachedBound || page.more === "" || pages >= (options.maxPages ?? 50))
      break;
    page = statementPage(
      (
        await client.getMoreStatements({
          more: serverRelative(page.more, lrs.endpoint),
        })
      ).data,
    );
    pages += 1;
  }
  return { imported, pages };
}

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null
    ? (Reflect.get(value, key) as unknown)
    : undefined;
}

/** A statement read from the LRS, with its `stored` instant in ms. */
interface Pulled {
  readonly raw: unknown;
  readonly id: string | undefined;
  readonly storedMs: number;
}

/**
 * `more` as a path from the LRS's server root, which is how @xapi/xapi follows it. xAPI allows a
 * relative IRL there, but some LRSs answer an absolute URL: that is accepted on the LRS's own
 * origin only, so the credentials never go to another host.
 */
function serverRelative(more: string, endpoint: string): string {
  if (more.startsWith("/")) return more;
  let url: URL;
  try {
    url = new URL(more);
  } catch {
    throw new Error(`the LRS's more link is not a URL: ${more.slice(0, 200)}`);
  }
  if (url.origin !== new URL(endpoint).origin)
    throw new Error(
      `the LRS's more link points to another host (${url.origin}); not following it`,
    );
  return `${url.pathname}${url.search}`;
}

function statementPage(data: unknown): StatementPage {
  if (typeof data !== "object" || data === null)
    throw new Error("the LRS did not answer with a StatementResult");
  const statements: unknown = Reflect.get(data, "statements");
  const more: unknown = Reflect.get(data, "more");
  if (!Array.isArray(statements))
    throw new Error("the LRS's StatementResult has no statements array");
  return { statements, more: typeof more === "string" ? more : "" };
}

/** X-Experience-API-Consistent-Through in ms; undefined when the LRS sent none (or nonsense). */
function consistentThrough(
  headers: Record<string, unknown>,
): number | undefined {
  const value = headers["x-experience-api-consistent-through"];
  if (typeof value !== "string") return undefined;
  const parsed = parseTimestamp(value);
  return parsed.ok ? parsed.epochMs : undefined;
}

/**
 * The page's statements to import, in order: those stored up to the bound and not already
 * imported at the cursor's instant. Stops at the first one past the bound.
 */
function takeUpTo(
  statements: readonly unknown[],
  cursor: PullCursor,
  boundMs: number | undefined,
): { taken: Pulled[]; reachedBound: boolean } {
  const taken: Pulled[] = [];
  const seen = new Set(cursor.ids);
  const cursorMs = cursor.stored?.getTime();
  for (const raw of statements) {
    const stored = field(raw, "stored");
    const parsed =
      typeof stored === "string" ? parseTimestamp(stored) : undefined;
    if (parsed?.ok !== true)
      throw new Error(
        "the LRS sent a statement without a valid stored timestamp",
      );
    const storedMs = parsed.epochMs;
    if (boundMs !== undefined && storedMs > boundMs)
      return { taken, reachedBound: true };
    const idValue = field(raw, "id");
    const id = typeof idValue === "string" ? idValue.toLowerCase() : undefined;
    if (cursorMs !== undefined && storedMs < cursorMs) continue;
    if (storedMs === cursorMs && id !== undefined && seen.has(id)) continue;
    taken.push({ raw, id, storedMs });
  }
  return { taken, reachedBound: false };
}

/** The cursor after importing `taken`: its newest instant and every id seen at that instant. */
function cursorAfter(cursor: PullCursor, taken: readonly Pulled[]): PullCursor {
  const newestMs = Math.max(...taken.map((t) => t.storedMs));
  const ids = new Set(cursor.stored?.getTime() === newestMs ? cursor.ids : []);
  for (const t of taken)
    if (t.storedMs === newestMs && t.id !== undefined) ids.add(t.id);
  return { stored: new Date(newestMs), ids: [...ids].sort() };
}

/**
 * Stores one page and moves the cursor in the same transaction. Invalid statements are recorded
 * as rejections; a conflict with a stored statement sends the page one statement at a time, so
 * only the conflicting one is passed over.
 */
async function storePage(
  deps: PullDeps,
  connection: ConnectionView,
  taken: readonly Pulled[],
  expected: PullCursor,
  next: PullCursor,
): Promise<number> {
  const valid: PreparedStatement[] = [];
  for (const pulled of taken) {
    const prepared = prepareStatement(pulled.raw, { clock: deps.clock });
    if (prepared.ok) valid.push(prepared.value);
    else {
      const first = prepared.error[0];
      await reject(deps, connection, pulled.raw, {
        status: 400,
        code: "STATEMENT_INVALID",
        reason: `The LRS's statement is not valid xAPI: ${first === undefined ? "" : `${first.path.join(".") || "(root)"}: ${first.message}`}`,
        path: first?.path ?? null,
      });
    }
  }
  const request = {
    tenantId: connection.tenantId,
    connectionId: connection.id,
    handOffs: (ids: readonly string[]) =>
      statementSliceHandOffs(connection.tenantId, ids),
  };
  try {
    const result = await storeStatements(deps.db, {
      ...request,
      statements: valid,
      alsoInTransaction: (tx) =>
        advancePullCursor(tx, connection.id, expected, next),
    });
    return result.newIds.length;
  } catch (error) {
    if (!(error instanceof ConflictError || error instanceof ValidationError))
      throw error;
  }
  let stored = 0;
  for (const statement of valid) {
    try {
      stored += (
        await storeStatements(deps.db, { ...request, statements: [statement] })
      ).newIds.length;
    } catch (error) {
      if (!(error instanceof ConflictError || error instanceof ValidationError))
        throw error;
      await reject(deps, connection, statement.statement, {
        status: 409,
        code: error.code,
        reason: error.message,
        path: null,
      });
    }
  }
  await deps.db.$transaction((tx) =>
    advancePullCursor(tx, connection.id, expected, next),
  );
  return stored;
}

async function reject(
  deps: PullDeps,
  connection: ConnectionView,
  statement: unknown,
  rejection: {
    status: number;
    code: string;
    reason: string;
    path: readonly (string | number)[] | null;
  },
): Promise<void> {
  deps.metrics.count("statements_rejected_total", 1);
  await recordRejection(deps.db, {
    connectionId: connection.id,
    at: deps.clock.now(),
    ...rejection,
    statement,
  });
}
