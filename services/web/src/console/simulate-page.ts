import { BeklijfError, toHttpError } from "@beklijf/core";
import { simulateStatement } from "@beklijf/db";
import type { Router } from "express";

import type { WebDeps } from "../deps";
import { sessionOf } from "./auth";
import { sampleCompletion } from "./connections-pages";
import { pageContext, queryString } from "./context";
import { translate } from "./messages";
import type { ConsoleRender } from "./views";

const VERBS = {
  completed: "http://adlnet.gov/expapi/verbs/completed",
  registered: "http://adlnet.gov/expapi/verbs/registered",
} as const;

/**
 * "2026-03-02T09:30" read as a wall-clock time in `timeZone`, as an instant. Undefined when the
 * text is not such a time.
 */
export function wallTimeIn(text: string, timeZone: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(text);
  if (match === null) return undefined;
  const [y, mo, d, h, mi] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi);
  if (new Date(asUtc).getUTCDate() !== d) return undefined;
  // The zone's offset at that moment, from what Intl shows there; once more for DST edges.
  const offsetAt = (instant: number): number => {
    const parts = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
    }).formatToParts(instant);
    const part = (type: string) =>
      Number(parts.find((p) => p.type === type)?.value);
    return (
      Date.UTC(
        part("year"),
        part("month") - 1,
        part("day"),
        part("hour"),
        part("minute"),
      ) - instant
    );
  };
  const first = asUtc - offsetAt(asUtc);
  return new Date(asUtc - offsetAt(first));
}

/**
 * The simulation: "what happens when Anna completes Feedback geven". A GET form (it changes
 * nothing), answered with simulateStatement's timeline against the tenant's current rules.
 */
export function mountSimulatePage(
  router: Router,
  deps: Pick<WebDeps, "db" | "clock" | "publicUrl">,
  render: ConsoleRender,
): void {
  router.get("/simulate", async (req, res) => {
    const context = pageContext(res, "", "simulate");
    const tenantId = sessionOf(res).user.tenantId;
    const verb: keyof typeof VERBS =
      req.query["verb"] === "registered" ? "registered" : "completed";
    const form = {
      person: queryString(req.query["person"]) ?? "",
      activityId: queryString(req.query["activityId"]) ?? "",
      activityName: queryString(req.query["activityName"]) ?? "",
      verb,
      at: queryString(req.query["at"]) ?? "",
    };
    const page = (status: number, data: Record<string, unknown>) =>
      res
        .status(status)
        .type("html")
        .send(
          render(
            "simulate",
            { ...context, title: translate(context.locale, "simulate.title") },
            { form, ...data },
          ),
        );
    if (req.query["run"] === undefined) {
      page(200, {});
      return;
    }
    const problems: { field: string; message: string }[] = [];
    if (form.person === "")
      problems.push({
        field: "person",
        message: translate(context.locale, "simulate.needPerson"),
      });
    if (!/^[a-z][a-z0-9+.-]*:\S+$/i.test(form.activityId))
      problems.push({
        field: "activityId",
        message: translate(context.locale, "simulate.needActivity"),
      });
    const tenant = await deps.db.tenant.findUniqueOrThrow({
      where: { id: tenantId },
    });
    const at =
      form.at === ""
        ? deps.clock.now()
        : wallTimeIn(form.at, tenant.defaultTimeZone);
    if (at === undefined)
      problems.push({
        field: "at",
        message: translate(context.locale, "simulate.needTime"),
      });
    if (problems.length > 0 || at === undefined) {
      page(400, { problems });
      return;
    }
    const base = sampleCompletion(
      form.person.includes("@") ? form.person : "simulated@example.invalid",
      form.person,
      deps.publicUrl,
    );
    const name = form.activityName === "" ? form.activityId : form.activityName;
    const statement = {
      ...base,
      verb: { id: VERBS[form.verb], display: { "en-US": form.verb } },
      object: {
        ...base.object,
        id: form.activityId,
        definition: {
          ...base.object.definition,
          name: { "nl-NL": name, "en-US": name },
        },
      },
      ...(form.verb === "registered" ? { result: undefined } : {}),
      timestamp: at.toISOString(),
    };
    let simulation;
    try {
      simulation = await simulateStatement(deps.db, {
        tenantId,
        statement,
        person: form.person,
        at,
        clock: deps.clock,
      });
    } catch (error) {
      if (!(error instanceof BeklijfError)) throw error;
      const { body } = toHttpError(error, "");
      page(400, {
        problems: [{ field: "person", message: body.error.message }],
      });
      return;
    }
    page(200, {
      simulation: {
        ...simulation,
        entries: simulation.timeline.entries.map((entry) => ({
          ...entry,
          toName: entry.toDisplay ?? entry.to ?? "",
          dropped: entry.status === "dropped",
        })),
        notStarted: simulation.timeline.notStarted,
        unmatched: simulation.timeline.unmatched,
      },
    });
  });
}
