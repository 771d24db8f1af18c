import { NotFoundError, ValidationError } from "@beklijf/core";
import {
  deletePerson,
  describePersonRef,
  findPersonByExactRef,
  findPersonByRef,
  getPersonWithTimeline,
  ImportHeaderError,
  importPeople,
  listPeople,
  listUnknownLearners,
  parsePersonRef,
  type PersonView,
  simulateStatement,
  upsertPerson,
} from "@beklijf/db";
import express, { Router } from "express";

import type { WebDeps } from "../deps";
import { idOf, parseBody, tenantOf } from "../http/request-parts";
import { requireRole, requireToken } from "../http/require-token";
import { removeNudgeJobsAfterResponse } from "../jobs-port";
import { PersonUpsert, SimulateRequest } from "../people-schemas";

/**
 * The people directory and the simulation: /api/people (list, detail with timeline, upsert, CSV
 * import, erase; a person by id, email:<address> or external:<externalId>),
 * /api/people/unknown-learners and /api/simulate. Every route needs a token.
 */
export function peopleRouter(deps: WebDeps): Router {
  const router = Router();
  const auth = requireToken(deps);
  const body = express.json({ limit: "1mb" });

  router.get("/people", auth, async (req, res) => {
    const q = typeof req.query["q"] === "string" ? req.query["q"] : undefined;
    const people = await listPeople(deps.db, {
      tenantId: tenantOf(res),
      q,
      limit: 100,
    });
    res.json(people.map(summary));
  });

  router.get("/people/unknown-learners", auth, async (_req, res) => {
    res.json(await listUnknownLearners(deps.db, tenantOf(res)));
  });

  router.put("/people", auth, requireRole("editor"), body, async (req, res) => {
    const input = parseBody(
      PersonUpsert,
      req.body,
      "The person was not saved.",
      "PERSON_INVALID",
    );
    const tenantId = tenantOf(res);
    const ref = async (value: string | null | undefined, field: string) => {
      if (value === undefined || value === null) return value;
      const found = await findPersonByRef(deps.db, tenantId, value);
      if (found === null)
        throw new ValidationError(
          "The person was not saved.",
          [
            {
              path: [field],
              message: `no person with external id or email "${value}": create them first`,
            },
          ],
          "PERSON_INVALID",
        );
      return found.id;
    };
    const managerId = await ref(input.manager, "manager");
    const teamLeadId = await ref(input.teamLead, "teamLead");
    const tenant = await deps.db.tenant.findUniqueOrThrow({
      where: { id: tenantId },
    });
    const result = await upsertPerson(deps.db, {
      tenantId,
      person: {
        externalId: input.externalId,
        email: input.email,
        name: input.name,
        givenName: input.givenName,
        locale: input.locale,
        timeZone: input.timeZone,
        active: input.active,
        managerId,
        teamLeadId,
        accounts: input.accounts,
        openids: input.openids,
      },
      defaults: {
        locale: tenant.defaultLocale,
        timeZone: tenant.defaultTimeZone,
      },
    });
    await deps.jobs?.processStatements(tenantId, result.pendingStatementIds);
    res.status(result.created ? 201 : 200).json({
      created: result.created,
      person: summary(result.person),
      pendingStatements: result.pendingStatementIds.length,
    });
  });

  router.post(
    "/people/import",
    auth,
    requireRole("editor"),
    async (req, res) => {
      if (!req.is("text/csv"))
        throw new ValidationError(
          "Send the people as CSV with Content-Type: text/csv.",
          [],
          "CSV_CONTENT_TYPE",
        );
      const tenantId = tenantOf(res);
      const tenant = await deps.db.tenant.findUniqueOrThrow({
        where: { id: tenantId },
      });
      try {
        const report = await importPeople(deps.db, {
          tenantId,
          source: req,
          defaults: {
            locale: tenant.defaultLocale,
            timeZone: tenant.defaultTimeZone,
          },
        });
        await deps.jobs?.processStatements(
          tenantId,
          report.pendingStatementIds,
        );
        const { pendingStatementIds, ...rest } = report;
        res.json({ ...rest, pendingStatements: pendingStatementIds.length });
      } catch (error) {
        if (error instanceof ImportHeaderError)
          throw new ValidationError(
            error.message,
            [{ path: [0], message: error.message }],
            error.code,
          );
        throw error;
      }
    },
  );

  // :id is a person reference: their id, email:<address> or external:<externalId>.
  router.get("/people/:id", auth, async (req, res) => {
    const tenantId = tenantOf(res);
    const ref = parsePersonRef(idOf(req));
    const named =
      ref.kind === "id"
        ? ref
        : await findPersonByExactRef(deps.db, tenantId, ref);
    const found =
      named === null
        ? null
        : await getPersonWithTimeline(deps.db, tenantId, named.id);
    if (found === null)
      throw new NotFoundError(
        `No person ${describePersonRef(ref)} in this tenant.`,
        "PERSON_NOT_FOUND",
      );
    const { person, nudges } = found;
    res.json({
      ...summary(person),
      identities: person.identities,
      timeline: nudges.map((nudge) => ({
        id: nudge.id,
        rule: nudge.plan.ruleVersion.rule.key,
        ruleVersion: nudge.plan.ruleVersion.version,
        step: nudge.stepKey,
        template: nudge.template,
        role: nudge.plan.personId === person.id ? "learner" : "recipient",
        recipientKind: nudge.recipientKind,
        status: nudge.status,
        reason: nudge.reason,
        dueAt: nudge.dueAt.toISOString(),
        firedAt: nudge.firedAt?.toISOString() ?? null,
        mergedIntoDeliveryId: nudge.mergedIntoDeliveryId,
        delivery: nudge.delivery?.status ?? null,
      })),
    });
  });

  router.delete("/people/:id", auth, requireRole("admin"), async (req, res) => {
    const { jobIds } = await deletePerson(
      deps.db,
      tenantOf(res),
      parsePersonRef(idOf(req)),
    );
    res.status(204).end();
    await removeNudgeJobsAfterResponse(deps, jobIds);
  });

  router.post("/simulate", auth, body, async (req, res) => {
    const input = parseBody(
      SimulateRequest,
      req.body,
      "Nothing was simulated.",
      "PERSON_INVALID",
    );
    const simulation = await simulateStatement(deps.db, {
      tenantId: tenantOf(res),
      statement: input.statement,
      rules:
        input.rules === undefined
          ? undefined
          : { json: input.rules, file: "rules" },
      person: input.person,
      at: input.at === undefined ? undefined : new Date(input.at),
      clock: deps.clock,
    });
    res.json({
      learner: simulation.learner,
      triggeredAt: simulation.triggeredAt.toISOString(),
      ...simulation.timeline,
    });
  });

  return router;
}

function summary(person: PersonView) {
  return {
    id: person.id,
    externalId: person.externalId ?? null,
    email: person.email,
    name: person.name,
    givenName: person.givenName,
    locale: person.locale,
    timeZone: person.timeZone,
    active: person.active,
    managerId: person.managerId ?? null,
    teamLeadId: person.teamLeadId ?? null,
  };
}
