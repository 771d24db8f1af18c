import { ConflictError, hashSecret, randomToken } from "@beklijf/core";

import { type DbClient, Prisma } from "../client";

export interface ConnectionView {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly mode: string;
  readonly key: string;
  readonly secretHash: string;
  readonly enabled: boolean;
}

/**
 * Creates a push connection with fresh HTTP Basic credentials. The secret is returned once and
 * only its scrypt hash is stored.
 */
export async function createConnection(
  db: DbClient,
  input: { tenantId: string; name: string },
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

export async function findConnectionByName(
  db: DbClient,
  tenantId: string,
  name: string,
): Promise<ConnectionView | null> {
  return db.connection.findUnique({
    where: { tenantId_name: { tenantId, name } },
  });
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
