import { listRulesForConsole, migrateRulePlans } from "@beklijf/db";
import { nudgeJobId } from "@beklijf/queue";
import express, { type Request, Router } from "express";

import type { WebDeps } from "../deps";
import { parseBody, tenantOf } from "../http/request-parts";
import { requireRole, requireToken } from "../http/require-token";
import { removeNudgeJobsAfterResponse } from "../jobs-port";
import { MigrateRequest } from "../rules-schemas";

/**
 * /api/rules: the tenant's rules, and moving running plans to a rule's current version
 * (DESIGN: plans keep their version unless L&D chooses to migrate them).
 */
export function rulesApiRouter(deps: WebDeps): Router {
  const router = Router();
  const auth = requireToken(deps);
  router.get("/rules", auth, async (_req, res) => {
    const rules = await listRulesForConsole(deps.db, tenantOf(res));
    res.json(
      rules.map((rule) => ({
        id: rule.id,
        key: rule.key,
        ruleSet: rule.ruleSetKey,
        enabled: rule.enabled,
        currentVersion: rule.currentVersion,
        versions: rule.versionCount,
      })),
    );
  });
  router.post(
    "/rules/:key/migrate",
    auth,
    requireRole("admin"),
    express.json({ limit: "10kb" }),
    async (req, res) => {
      const body = parseBody(
        MigrateRequest,
        req.body,
        "No plan was migrated.",
        "MIGRATE_INVALID",
      );
      res.json(
        await migrateRules(deps, {
          tenantId: tenantOf(res),
          ruleKey: keyOf(req),
          ...body,
        }),
      );
    },
  );
  return router;
}

function keyOf(req: Request): string {
  const key: unknown = req.params["key"];
  return typeof key === "string" ? key : "";
}

/**
 * Migrates (or, in a dry run, reports) and then clears the pending jobs of the cancelled
 * nudges, in the background: with Redis down BullMQ waits for a connection, which must not hold
 * up the answer. The new nudges get their jobs from the engine's reconciler on its next pass
 * (within a minute), as every planned row does; a stale job of a replaced nudge finds its row
 * cancelled.
 */
export async function migrateRules(
  deps: Pick<WebDeps, "db" | "clock" | "jobs" | "logger">,
  input: {
    tenantId: string;
    ruleKey: string;
    dryRun: boolean;
    fromVersions?: number[] | undefined;
  },
) {
  const result = await migrateRulePlans(deps.db, {
    ...input,
    now: deps.clock.now(),
    jobIdFor: nudgeJobId,
  });
  void removeNudgeJobsAfterResponse(deps, result.cancelledJobIds);
  return result.report;
}
