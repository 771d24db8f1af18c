import {
  ConflictError,
  hashSecret,
  isUuid,
  NotFoundError,
  randomToken,
  sha256Hex,
  ValidationError,
} from "@beklijf/core";

import { type DbClient, Prisma } from "../client";
import { sealLrsPassword } from "../lrs-credentials";

export interface ConnectionView {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly mode: string;
  readonly key: string;
  readonly secretHash: string;
  readonly enabled: boolean;
  /** sha256 of the Bearer token; null when the connection has none. */
  readonly bearerTokenHash: string | null;
  /** Requests per minute; null: unlimited. */
  readonly rateLimitPerMinute: number | null;
  /** Requests refused after authentication, ever. */
  readonly rejectedCount: number;
  /** Approximate: written at most every few seconds. */
  readonly lastReceivedAt: Date | null;
  /** The external LRS (pull mode reads it; forwardAnswers writes to it). */
  readonly lrsEndpoint: string | null;
  readonly lrsUsername: string | null;
  /** The LRS password sealed under BEKLIJF_SECRET; never leaves the server. */
  readonly lrsPasswordSealed: string | null;
  readonly forwardAnswers: boolean;
  readonly pullIntervalSeconds: number | null;
  readonly pullCursorStored: Date | null;
  readonly pullCursorIds: string[];
  readonly pullLastRunAt: Date | null;
  readonly pullLastSuccessAt: Date | null;
  readonly pullLastError: string | null;
  readonly pullConsecutiveFailures: number;
  readonly pullNextRunAt: Date | null;
}

/** The external LRS of a connection, as an admin enters it. */
export interface LrsSettings {
  /** The LRS's xAPI base URL, e.g. https://lrs.example.com/xapi (http or https). */
  readonly endpoint: string;
  /** HTTP Basic user name. */
  readonly username: string;
  /** HTTP Basic password; sealed with `sealingSecret` before it is stored. */
  readonly password: string;
}

/** How often a pull connection reads its LRS unless told otherwise. */
export const DEFAULT_PULL_INTERVAL_SECONDS = 60;

/** What a new connection may make per minute unless it is given another limit. */
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 600;

/**
 * Creates a connection with fresh HTTP Basic credentials. The secret is returned once and only its
 * scrypt hash is stored. `rateLimitPerMinute`: null is unlimited. A `pull` connection needs `lrs`
 * (its password is sealed with `sealingSecret`, the deployment's BEKLIJF_SECRET); a push
 * connection may name an `lrs` too, to forward answers to.
 * @defaultValue rateLimitPerMinute {@link DEFAULT_RATE_LIMIT_PER_MINUTE}
 * @defaultValue pullIntervalSeconds {@link DEFAULT_PULL_INTERVAL_SECONDS} (pull mode only)
 */
export async function createConnection(
  db: DbClient,
  input: {
    tenantId: string;
    name: string;
    rateLimitPerMinute?: number | null;
    mode?: "push" | "pull";
    lrs?: LrsSettings;
    pullIntervalSeconds?: number;
    forwardAnswers?: boolean;
    sealingSecret?: string;
  },
): Promise<{ connection: ConnectionView; secret: string }> {
  const mode = input.mode ?? "push";
  if (mode === "pull" && input.lrs === undefined)
    throw new ValidationError(
      "A pull connection needs the external LRS: its endpoint, user name and password.",
      [{ path: ["lrs"], message: "is required in pull mode" }],
      "CONNECTION_INVALID",
    );
  if (input.forwardAnswers === true && input.lrs === undefined)
    throw new ValidationError(
      "Forwarding answers needs the external LRS to send them to.",
      [{ path: ["lrs"], message: "is required to forward answers" }],
      "CONNECTION_INVALID",
    );
  const key = randomToken(12, "bk_");
  const secret = randomToken(32);
  try {
    const connection = await db.connection.create({
      data: {
        tenantId: input.tenantId,
        name: input.name,
        mode,
        key,
        secretHash: await hashSecret(secret),
        rateLimitPerMinute:
          input.rateLimitPerMinute === undefined
            ? DEFAULT_RATE_LIMIT_PER_MINUTE
            : input.rateLimitPerMinute,
        ...(input.lrs === undefined
          ? {}
          : lrsColumns(input.lrs, input.sealingSecret)),
        forwardAnswers: input.forwardAnswers ?? false,
        pullIntervalSeconds:
          mode === "pull"
            ? (input.pullIntervalSeconds ?? DEFAULT_PULL_INTERVAL_SECONDS)
            : null,
      },
    });
    return { connection, secret };
  } catch (error) {
    if (
      error instanceof Prisma.PrismaClientKnownRequestError &&
      error.code === "P2002"
    ) {
      throw new ConflictError(
        `A connection named "${input.name}" already exists; pick another name.`,
        "CONNECTION_NAME_TAKEN",
      );
    }
    throw error;
  }
}

export async function findConnectionByKey(
  db: DbClient,
  key: string,
): Promise<ConnectionView | null> {
  return db.connection.findUnique({ where: { key } });
}

/** The connection whose Bearer token this is, or null. */
export async function findConnectionByBearerToken(
  db: DbClient,
  token: string,
): Promise<ConnectionView | null> {
  return db.connection.findUnique({
    where: { bearerTokenHash: sha256Hex(token) },
  });
}

export async function findConnectionByName(
  db: DbClient,
  tenantId: string,
  name: string,
): Promise<ConnectionView | null> {
  return db.connection.findUnique({
    where: { tenantId_name: { tenantId, name } },
  });
}

/** The tenant's connection with this id, or null (also for another tenant's id, or a non-UUID). */
export async function findConnection(
  db: DbClient,
  tenantId: string,
  id: string,
): Promise<ConnectionView | null> {
  if (!isUuid(id)) return null;
  return db.connection.findFirst({ where: { id, tenantId } });
}

export async function listConnections(
  db: DbClient,
  tenantId: string,
): Promise<ConnectionView[]> {
  return db.connection.findMany({
    where: { tenantId },
    orderBy: { createdAt: "asc" },
  });
}

/** What `updateConnection` may change; absent keys stay as they are. */
export interface ConnectionChanges {
  readonly enabled?: boolean;
  /** null: unlimited. */
  readonly rateLimitPerMinute?: number | null;
  readonly mode?: "push" | "pull";
  /** Replaces the external LRS (its cursor starts over when the endpoint changes); null removes it. */
  readonly lrs?: LrsSettings | null;
  readonly pullIntervalSeconds?: number;
  readonly forwardAnswers?: boolean;
}

/**
 * Changes a connection within its tenant (else CONNECTION_NOT_FOUND). Ingest reads the row at
 * most a second or two later, so a change holds from then on. Switching to pull mode needs an
 * LRS; a change of the LRS or the mode clears the pull back-off, so the next pull runs at once.
 * `sealingSecret` (BEKLIJF_SECRET) is needed when `lrs` is given.
 */
export async function updateConnection(
  db: DbClient,
  tenantId: string,
  id: string,
  changes: ConnectionChanges,
  sealingSecret?: string,
): Promise<ConnectionView> {
  const current = await findConnection(db, tenantId, id);
  if (current === null)
    throw new NotFoundError(
      `No connection ${id} in this tenant.`,
      "CONNECTION_NOT_FOUND",
    );
  const mode = changes.mode ?? current.mode;
  const hasLrs =
    changes.lrs === undefined
      ? current.lrsEndpoint !== null
      : changes.lrs !== null;
  if (mode === "pull" && !hasLrs)
    throw new ValidationError(
      "A pull connection needs the external LRS: its endpoint, user name and password.",
      [{ path: ["lrs"], message: "is required in pull mode" }],
      "CONNECTION_INVALID",
    );
  if ((changes.forwardAnswers ?? current.forwardAnswers) && !hasLrs)
    throw new ValidationError(
      "Forwarding answers needs the external LRS to send them to.",
      [{ path: ["lrs"], message: "is required to forward answers" }],
      "CONNECTION_INVALID",
    );
  const lrsChanged = changes.lrs !== undefined || changes.mode !== undefined;
  const endpointChanged =
    changes.lrs !== undefined &&
    (changes.lrs?.endpoint ?? null) !== current.lrsEndpoint;
  return updateOwned(db, tenantId, id, {
    ...(changes.enabled === undefined ? {} : { enabled: changes.enabled }),
    ...(changes.rateLimitPerMinute === undefined
      ? {}
      : { rateLimitPerMinute: changes.rateLimitPerMinute }),
    mode,
    ...(changes.lrs === undefined
      ? {}
      : changes.lrs === null
        ? { lrsEndpoint: null, lrsUsername: null, lrsPasswordSealed: null }
        : lrsColumns(changes.lrs, sealingSecret)),
    ...(changes.forwardAnswers === undefined
      ? {}
      : { forwardAnswers: changes.forwardAnswers }),
    pullIntervalSeconds:
      mode === "pull"
        ? (changes.pullIntervalSeconds ??
          current.pullIntervalSeconds ??
          DEFAULT_PULL_INTERVAL_SECONDS)
        : null,
    ...(endpointChanged ? { pullCursorStored: null, pullCursorIds: [] } : {}),
    ...(lrsChanged
      ? {
          pullConsecutiveFailures: 0,
          pullNextRunAt: null,
          pullLastError: null,
        }
      : {}),
  });
}

/** The columns of an external LRS, its password sealed. */
function lrsColumns(
  lrs: LrsSettings,
  sealingSecret: string | undefined,
): {
  lrsEndpoint: string;
  lrsUsername: string;
  lrsPasswordSealed: string;
} {
  if (sealingSecret === undefined)
    throw new Error(
      "An LRS password can only be stored with the deployment's secret (BEKLIJF_SECRET) to seal it",
    );
  return {
    lrsEndpoint: lrs.endpoint,
    lrsUsername: lrs.username,
    lrsPasswordSealed: sealLrsPassword(lrs.password, sealingSecret),
  };
}

/**
 * Whether an answer given on this planned nudge goes back to an LRS: the nudge's plan was
 * triggered by a statement of an enabled connection that forwards answers. `recordAnswer` asks
 * this to decide whether to write the `answer.forward` hand-off in the same transaction.
 */
export async function answerForwardingEnabled(
  db: DbClient,
  tenantId: string,
  plannedNudgeId: string | null,
): Promise<boolean> {
  if (plannedNudgeId === null || !isUuid(plannedNudgeId)) return false;
  const rows = await db.$queryRaw<{ forwards: boolean }[]>`
    SELECT c.forward_answers AND c.enabled AND c.lrs_endpoint IS NOT NULL AS forwards
    FROM planned_nudges n
    JOIN plans p ON p.id = n.plan_id
    JOIN statements s ON s.tenant_id = p.tenant_id AND s.id = p.trigger_statement_id
    JOIN connections c ON c.id = s.connection_id
    WHERE n.id = ${plannedNudgeId}::uuid AND n.tenant_id = ${tenantId}::uuid`;
  return rows[0]?.forwards === true;
}

/**
 * Replaces the HTTP Basic secret; returns the new one once. The old secret stops working within a
 * second: ingest checks every request against the row's hash, re-read at most a second later.
 */
export async function rotateConnectionSecret(
  db: DbClient,
  tenantId: string,
  id: string,
): Promise<{ connection: ConnectionView; secret: string }> {
  const secret = randomToken(32);
  const connection = await updateOwned(db, tenantId, id, {
    secretHash: await hashSecret(secret),
  });
  return { connection, secret };
}

/** Creates or replaces the connection's Bearer token; returns it once (only its sha256 is kept). */
export async function setConnectionBearerToken(
  db: DbClient,
  tenantId: string,
  id: string,
): Promise<{ connection: ConnectionView; token: string }> {
  // 192 bits of entropy, as API tokens: a sha256 of it cannot be reversed by guessing.
  const token = randomToken(24, "bkc_");
  const connection = await updateOwned(db, tenantId, id, {
    bearerTokenHash: sha256Hex(token),
  });
  return { connection, token };
}

/** Removes the connection's Bearer token; HTTP Basic keeps working. */
export async function removeConnectionBearerToken(
  db: DbClient,
  tenantId: string,
  id: string,
): Promise<ConnectionView> {
  return updateOwned(db, tenantId, id, { bearerTokenHash: null });
}

/**
 * Sets lastReceivedAt to `at` unless it is already within `minIntervalMs` of it, so replicas that
 * each throttle themselves still write rarely.
 */
export async function touchConnectionReceived(
  db: DbClient,
  id: string,
  at: Date,
  minIntervalMs: number,
): Promise<void> {
  await db.connection.updateMany({
    where: {
      id,
      OR: [
        { lastReceivedAt: null },
        { lastReceivedAt: { lt: new Date(at.getTime() - minIntervalMs) } },
      ],
    },
    data: { lastReceivedAt: at },
  });
}

async function updateOwned(
  db: DbClient,
  tenantId: string,
  id: string,
  data: Prisma.ConnectionUpdateManyMutationInput,
): Promise<ConnectionView> {
  if (isUuid(id)) {
    const updated = await db.connection.updateManyAndReturn({
      where: { id, tenantId },
      data,
    });
    const connection = updated[0];
    if (connection !== undefined) return connection;
  }
  throw new NotFoundError(
    `No connection ${id} in this tenant.`,
    "CONNECTION_NOT_FOUND",
  );
}
