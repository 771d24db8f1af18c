import { errorMessage } from "@beklijf/core";
import {
  createPlan,
  ensurePersonForMbox,
  findPersonByIdentity,
  getStatement,
  getTenant,
  loadActiveRules,
  markStatementProcessed,
  setStatementPerson,
} from "@beklijf/db";
import { type Handlers, nudgeJobId, UnrecoverableError } from "@beklijf/queue";
import { planNudges } from "@beklijf/rules";

import type { EngineDeps } from "../deps";
import { enqueueNudge } from "../enqueue-nudge";

/**
 * statement.process: find the learner, match the rules, write the plan rows, then enqueue what
 * falls within the horizon. Replays are harmless: plans and nudges are unique by natural key.
 */
export function statementHandlers(
  deps: EngineDeps,
  options: { horizonMs: number },
): Handlers<"statements"> {
  return {
    "statement.process": async ({ tenantId, statementId }) => {
      const statement = await getStatement(deps.db, tenantId, statementId);
      if (statement === null)
        throw new UnrecoverableError(`Statement ${statementId} is gone`);
      if (statement.voided) {
        // Voided before the engine got to it: nothing to plan (and nothing to cancel yet).
        await markStatementProcessed(
          deps.db,
          tenantId,
          statementId,
          deps.clock.now(),
        );
        return;
      }
      const tenant = await getTenant(deps.db, tenantId);
      if (tenant === null)
        throw new UnrecoverableError(`Tenant ${tenantId} is gone`);
      const [kind = "", ...rest] = statement.actorKey.split(":");
      const value = rest.join(":");
      const raw = statement.raw as { actor?: { name?: unknown } };
      const person =
        kind === "mbox"
          ? await ensurePersonForMbox(deps.db, {
              tenantId,
              email: value.slice("mailto:".length),
              name:
                typeof raw.actor?.name === "string"
                  ? raw.actor.name
                  : undefined,
              locale: tenant.defaultLocale,
              timeZone: tenant.defaultTimeZone,
            })
          : await findPersonByIdentity(deps.db, tenantId, kind, value);
      if (person === null) {
        // Known only by account/openid/sha1: the statement waits, visibly, for a directory entry.
        deps.logger.info(
          { statementId, identityKind: kind },
          "statement waits for a directory entry of its learner",
        );
        await markStatementProcessed(
          deps.db,
          tenantId,
          statementId,
          deps.clock.now(),
        );
        return;
      }
      if (statement.personId !== person.id)
        await setStatementPerson(deps.db, tenantId, statementId, person.id);

      const rules = await loadActiveRules(deps.db, tenantId);
      const proposals = planNudges({
        facts: {
          statementId,
          verbId: statement.verbId,
          objectId: statement.objectId,
          activityType: statement.activityType ?? undefined,
          registration: statement.registration ?? undefined,
          timestamp: statement.timestamp,
        },
        learnerId: person.id,
        rules,
      });
      const horizon = deps.clock.now().getTime() + options.horizonMs;
      for (const proposal of proposals) {
        const created = await createPlan(deps.db, {
          tenantId,
          personId: person.id,
          triggerStatementId: statementId,
          proposal,
          startedAt: deps.clock.now(),
          jobIdFor: nudgeJobId,
        });
        deps.metrics.count("nudges_planned_total", created.length);
        for (const nudge of created) {
          if (nudge.dueAt.getTime() > horizon) continue;
          try {
            await enqueueNudge(deps, nudge);
          } catch (error) {
            // The row is committed; the reconciler enqueues it once Redis answers again.
            deps.logger.warn(
              { err: errorMessage(error), nudgeId: nudge.id },
              "could not enqueue a planned nudge; the reconciler will",
            );
          }
        }
      }
      await markStatementProcessed(
        deps.db,
        tenantId,
        statementId,
        deps.clock.now(),
      );
    },
  };
}
