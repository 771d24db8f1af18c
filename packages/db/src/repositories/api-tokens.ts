import { randomToken, sha256Hex } from "@beklijf/core";

import type { DbClient } from "../client";

export type Role = "admin" | "editor" | "viewer";

/**
 * Creates an API token; returns the token once. Tokens carry 192 bits of entropy, so a sha256 of
 * them is safe to store (unlike a password, they cannot be guessed from a dictionary).
 */
export async function createApiToken(
  db: DbClient,
  input: { tenantId: string; name: string; role: Role },
): Promise<string> {
  const token = randomToken(24, "bkt_");
  await db.apiToken.create({
    data: {
      tenantId: input.tenantId,
      name: input.name,
      role: input.role,
      tokenHash: sha256Hex(token),
    },
  });
  return token;
}

export async function findApiToken(db: DbClient, token: string) {
  return db.apiToken.findUnique({ where: { tokenHash: sha256Hex(token) } });
}

export async function countApiTokens(
  db: DbClient,
  tenantId: string,
): Promise<number> {
  return db.apiToken.count({ where: { tenantId } });
}
