import {
  ConflictError,
  hashSecret,
  isUuid,
  NotFoundError,
  randomToken,
  sha256Hex,
} from "@beklijf/core";

import { type DbClient, Prisma } from "../client";

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
}

/** What a new connection may make per minute unless it is given another limit. */
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 600;

/**
 * Creates a push connection with fresh HTTP Basic credentials. The secret is returned once and
 * only its scrypt hash is stored. `rateLimitPerMinute`: null is unlimited.
 * @defaultValue rateLimitPerMinute {@link DEFAULT_RATE_LIMIT_PER_MINUTE}
 */
export async function createConnection(
  db: DbClient,
  input: { tenantId: string; name: string; rateLimitPerMinute?: number | null },
): Promise<{ connection: ConnectionView; secret: string }> {
  const key = randomToken(12, "bk_");
  const secret = randomToken(32);
  try {
    const connection = await db.connection.create({
      data: {
        tenantId: input.tenantId,
        name: input.name,
        key,
        secretHash: await hashSecret(secret),
        rateLimitPerMinute:
          input.rateLimitPerMinute === undefined
            ? DEFAULT_RATE_LIMIT_PER_MINUTE
            : input.rateLimitPerMinute,
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

/**
 * Enables or disables a connection, or changes its rate limit (null: unlimited). Ingest reads the
 * row on every request, so a change holds from the next request on. Throws CONNECTION_NOT_FOUND
 * for an id the tenant does not have.
 */
export async function updateConnection(
  db: DbClient,
  tenantId: string,
  id: string,
  changes: { enabled?: boolean; rateLimitPerMinute?: number | null },
): Promise<ConnectionView> {
  return updateOwned(db, tenantId, id, changes);
}

/**
 * Replaces the HTTP Basic secret; returns the new one once. The old secret stops working at the
 * next request: ingest checks every request against the row's current hash.
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
