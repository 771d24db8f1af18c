import { ConflictError, isUuid, NotFoundError } from "@beklijf/core";
import type { Rule } from "@beklijf/rules";

import type { DbClient, Prisma } from "../client";

// Read models for the console (issue #6). Other repositories own the writes of these tables;
// the only writes here are the console's own: rule versions from the editor and the enabled flag.

export interface RuleListItem {
  readonly id: string;
  readonly key: string;
  readonly ruleSetKey: string;
  readonly ruleSetName: string;
  readonly enabled: boolean;
  readonly currentVersion: number;
  readonly versionCount: number;
  readonly updatedAt: Date;
}

export async function listRulesForConsole(
  db: DbClient,
  tenantId: string,
): Promise<RuleListItem[]> {
  const rows = await db.rule.findMany({
    where: { ruleSet: { tenantId } },
    include: { ruleSet: true, _count: { select: { versions: true } } },
    orderBy: [{ ruleSet: { key: "asc" } }, { key: "asc" }],
  });
  return rows.map((row) => ({
    id: row.id,
    key: row.key,
    ruleSetKey: row.ruleSet.key,
    ruleSetName: row.ruleSet.name,
    enabled: row.enabled,
    currentVersion: row.currentVersion,
    versionCount: row._count.versions,
    updatedAt: row.updatedAt,
  }));
}

export interface RuleDetail {
  readonly id: string;
  readonly key: string;
  readonly ruleSetName: string;
  readonly enabled: boolean;
  readonly currentVersion: number;
  readonly versions: readonly {
    version: number;
    createdAt: Date;
    definition: unknown;
  }[];
}

export async function getRuleForConsole(
  db: DbClient,
  tenantId: string,
  ruleId: string,
): Promise<RuleDetail | null> {
  if (!isUuid(ruleId)) return null;
  const row = await db.rule.findFirst({
    where: { id: ruleId, ruleSet: { tenantId } },
    include: { ruleSet: true, versions: { orderBy: { version: "desc" } } },
  });
  if (row === null) return null;
  return {
    id: row.id,
    key: row.key,
    ruleSetName: row.ruleSet.name,
    enabled: row.enabled,
    currentVersion: row.currentVersion,
    versions: row.versions.map((v) => ({
      version: v.version,
      createdAt: v.createdAt,
      definition: v.definition,
    })),
  };
}

/**
 * Saves a validated rule as the rule's next immutable version, which new plans start with.
 * `basedOn` is the version the editor showed: when someone saved in between, this refuses
 * (409) rather than silently overwrite their change. The rule key cannot change.
 */
export async function saveRuleVersion(
  db: DbClient,
  input: { tenantId: string; ruleId: string; basedOn: number; rule: Rule },
): Promise<number> {
  const row = await db.rule.findFirst({
    where: { id: input.ruleId, ruleSet: { tenantId: input.tenantId } },
    include: { versions: { orderBy: { version: "desc" }, take: 1 } },
  });
  if (row === null) throw new NotFoundError("No such rule.", "RULE_NOT_FOUND");
  const latest = row.versions[0]?.version ?? 0;
  if (latest !== input.basedOn)
    throw new ConflictError(
      `Someone saved version ${latest} of this rule after you opened version ${input.basedOn}; reload and apply your change again.`,
      "RULE_VERSION_CONFLICT",
    );
  const version = latest + 1;
  // The unique (rule_id, version) makes a concurrent save fail instead of forking history.
  await db.ruleVersion.create({
    data: {
      ruleId: row.id,
      version,
      definition: JSON.parse(
        JSON.stringify(input.rule),
      ) as Prisma.InputJsonObject,
    },
  });
  await db.rule.update({
    where: { id: row.id },
    data: { currentVersion: version, enabled: input.rule.enabled },
  });
  return version;
}

export async function setRuleEnabled(
  db: DbClient,
  tenantId: string,
  ruleId: string,
  enabled: boolean,
): Promise<void> {
  const { count } = await db.rule.updateMany({
    where: { id: ruleId, ruleSet: { tenantId } },
    data: { enabled },
  });
  if (count === 0) throw new NotFoundError("No such rule.", "RULE_NOT_FOUND");
}

export interface DeliveryFilter {
  readonly status?: string;
  /** Part of the recipient's address. */
  readonly to?: string;
  readonly template?: string;
  readonly since?: Date;
  readonly until?: Date;
}

export interface DeliveryRow {
  readonly id: string;
  readonly createdAt: Date;
  readonly sentAt: Date | null;
  readonly toAddress: string;
  readonly status: string;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly template: string;
  readonly stepKey: string;
  readonly ruleKey: string;
}

/** One page of deliveries, newest first, and the total that match. */
export async function listDeliveriesForConsole(
  db: DbClient,
  tenantId: string,
  filter: DeliveryFilter,
  page: { offset: number; limit: number },
): Promise<{ rows: DeliveryRow[]; total: number }> {
  const where: Prisma.DeliveryWhereInput = {
    tenantId,
    ...(filter.status === undefined ? {} : { status: filter.status }),
    ...(filter.to === undefined
      ? {}
      : { toAddress: { contains: filter.to, mode: "insensitive" } }),
    ...(filter.template === undefined
      ? {}
      : { nudge: { template: filter.template } }),
    ...(filter.since === undefined && filter.until === undefined
      ? {}
      : {
          createdAt: {
            ...(filter.since === undefined ? {} : { gte: filter.since }),
            ...(filter.until === undefined ? {} : { lt: filter.until }),
          },
        }),
  };
  const [rows, total] = await Promise.all([
    db.delivery.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      skip: page.offset,
      take: page.limit,
      include: {
        nudge: {
          select: {
            template: true,
            stepKey: true,
            plan: {
              select: {
                ruleVersion: { select: { rule: { select: { key: true } } } },
              },
            },
          },
        },
      },
    }),
    db.delivery.count({ where }),
  ]);
  return {
    total,
    rows: rows.map((d) => ({
      id: d.id,
      createdAt: d.createdAt,
      sentAt: d.sentAt,
      toAddress: d.toAddress,
      status: d.status,
      attempts: d.attempts,
      lastError: d.lastError,
      template: d.nudge.template,
      stepKey: d.nudge.stepKey,
      ruleKey: d.nudge.plan.ruleVersion.rule.key,
    })),
  };
}

/** One plan as the transfer dashboard needs it; see services/web transfer-stats. */
export interface TransferPlanFacts {
  readonly planId: string;
  readonly personId: string;
  readonly ruleKey: string;
  /** The rule version's definition, to tell whether the learner was held back. */
  readonly ruleDefinition: unknown;
  readonly trainingId: string;
  /** The activity's name as the LMS sent it (a language map), when it sent one. */
  readonly trainingName: unknown;
  readonly startedAt: Date;
  readonly nudgeCount: number;
  /** Nudges whose email went out, in their own delivery or merged into another. */
  readonly sentCount: number;
  /** Nudges with at least one answer. */
  readonly answeredNudgeCount: number;
  readonly answers: readonly {
    kind: string;
    value: unknown;
    createdAt: Date;
  }[];
}

/**
 * The facts behind the transfer dashboard: every plan started since `since`, its nudges'
 * sends, and the answers given through them. Answers given without a nudge (a held-back learner
 * asked through another channel) count for the person's plans that were running then.
 */
export async function loadTransferFacts(
  db: DbClient,
  tenantId: string,
  since: Date,
): Promise<TransferPlanFacts[]> {
  const plans = await db.plan.findMany({
    where: { tenantId, startedAt: { gte: since } },
    select: {
      id: true,
      personId: true,
      startedAt: true,
      ruleVersion: {
        select: { definition: true, rule: { select: { key: true } } },
      },
      trigger: { select: { objectId: true, raw: true } },
      nudges: {
        select: {
          delivery: { select: { status: true } },
          mergedInto: { select: { status: true } },
          answers: { select: { kind: true, value: true, createdAt: true } },
        },
      },
    },
    orderBy: { startedAt: "asc" },
  });
  const loose = await db.answer.findMany({
    where: {
      tenantId,
      plannedNudgeId: null,
      personId: { in: [...new Set(plans.map((p) => p.personId))] },
    },
    select: { personId: true, kind: true, value: true, createdAt: true },
  });
  return plans.map((plan) => {
    const raw = plan.trigger.raw;
    const name =
      isObject(raw) && isObject(raw["object"])
        ? isObject(raw["object"]["definition"])
          ? raw["object"]["definition"]["name"]
          : undefined
        : undefined;
    const own = plan.nudges.flatMap((n) => n.answers);
    const unlinked = loose.filter(
      (a) => a.personId === plan.personId && a.createdAt >= plan.startedAt,
    );
    return {
      planId: plan.id,
      personId: plan.personId,
      ruleKey: plan.ruleVersion.rule.key,
      ruleDefinition: plan.ruleVersion.definition,
      trainingId: plan.trigger.objectId,
      trainingName: name,
      startedAt: plan.startedAt,
      nudgeCount: plan.nudges.length,
      sentCount: plan.nudges.filter(
        (n) => n.delivery?.status === "sent" || n.mergedInto?.status === "sent",
      ).length,
      answeredNudgeCount: plan.nudges.filter((n) => n.answers.length > 0)
        .length,
      answers: [...own, ...unlinked],
    };
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export interface ApiTokenView {
  readonly id: string;
  readonly name: string;
  readonly role: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
}

/** The tenant's admin API tokens (never their hashes), oldest first. */
export async function listApiTokens(
  db: DbClient,
  tenantId: string,
): Promise<ApiTokenView[]> {
  return db.apiToken.findMany({
    where: { tenantId },
    select: {
      id: true,
      name: true,
      role: true,
      createdAt: true,
      lastUsedAt: true,
    },
    orderBy: { createdAt: "asc" },
  });
}

/** Deletes an API token; it stops working at its next request. */
export async function revokeApiToken(
  db: DbClient,
  tenantId: string,
  id: string,
): Promise<void> {
  const { count } = isUuid(id)
    ? await db.apiToken.deleteMany({ where: { tenantId, id } })
    : { count: 0 };
  if (count === 0)
    throw new NotFoundError("No such API token.", "API_TOKEN_NOT_FOUND");
}
