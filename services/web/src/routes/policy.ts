import { ValidationError } from "@beklijf/core";
import { getTenantPolicy, setTenantPolicy } from "@beklijf/db";
import { parsePolicy } from "@beklijf/rules";
import express, { Router } from "express";

import type { WebDeps } from "../deps";
import { tenantOf } from "../http/request-parts";
import { requireRole, requireToken } from "../http/require-token";

/**
 * /api/policy: the tenant's sending policy (send window, caps, holidays, time zone). Missing
 * fields take the defaults of DOMAIN.md. Plans already made keep their times; the engine applies
 * a new policy to new plans and, at fire time, to every nudge (it moves, never drops).
 */
export function policyRouter(deps: WebDeps): Router {
  const router = Router();
  const auth = requireToken(deps);
  router.get("/policy", auth, async (_req, res) => {
    res.json(await getTenantPolicy(deps.db, tenantOf(res)));
  });
  router.put(
    "/policy",
    auth,
    requireRole("admin"),
    express.json({ limit: "100kb" }),
    async (req, res) => {
      const parsed = parsePolicy(req.body);
      if (!parsed.ok)
        throw new ValidationError(
          "The policy was not changed.",
          parsed.error.issues,
          "POLICY_INVALID",
        );
      await setTenantPolicy(deps.db, tenantOf(res), parsed.value);
      res.json(parsed.value);
    },
  );
  return router;
}
