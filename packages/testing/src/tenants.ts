import { randomBytes } from "node:crypto";

import {
  createConnection,
  ensureTenant,
  type PrismaClient,
  syncRuleSet,
} from "@beklijf/db";

type Rules = Parameters<typeof syncRuleSet>[1]["rules"];

/** The rule set `aTenantWithRules` stores its rules in; sync it again to edit them. */
export const TEST_RULE_SET = { key: "test-pack", name: "Test pack" } as const;

/** A fresh tenant, slug `<label>-<8 hex>`, so tests never share one; returns its id. */
export async function aTenant(
  db: PrismaClient,
  label: string,
): Promise<string> {
  const slug = `${label}-${randomBytes(4).toString("hex")}`;
  return (await ensureTenant(db, slug, `${label} test`)).id;
}

/**
 * A fresh tenant (see `aTenant`) whose active rules are `rules`, synced as one rule set
 * (`TEST_RULE_SET` unless given another); returns the tenant's id.
 */
export async function aTenantWithRules(
  db: PrismaClient,
  label: string,
  rules: Rules,
  ruleSet: { key: string; name: string } = TEST_RULE_SET,
): Promise<string> {
  const tenantId = await aTenant(db, label);
  await syncRuleSet(db, { tenantId, ...ruleSet, rules });
  return tenantId;
}

/** `Basic <base64 user:password>`, the way an LMS authenticates to the xAPI endpoint. */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}

/**
 * A new LMS connection of the tenant, named "moodle"; returns its key and the `authorization`
 * header value an LMS would send with its key and secret.
 */
export async function anLmsConnection(
  db: PrismaClient,
  tenantId: string,
): Promise<{ key: string; authorization: string }> {
  const { connection, secret } = await createConnection(db, {
    tenantId,
    name: "moodle",
  });
  return {
    key: connection.key,
    authorization: basicAuth(connection.key, secret),
  };
}
