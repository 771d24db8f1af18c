import {
  type AnswerInput,
  listAnswersOfNudge,
  recordAnswer,
} from "@beklijf/db";
import { answerForwardHandOff } from "@beklijf/queue";
import { LINK_PURPOSES } from "@beklijf/render";
import express, { type Response, Router } from "express";
import { z } from "zod";

import type { WebDeps } from "../deps";
import { removeNudgeJobsAfterResponse } from "../jobs-port";
import { sendLinkError } from "../pages/link-error";
import {
  nudgeLinkResolver,
  type Render,
  type ResolvedLink,
} from "../pages/resolve-link";
import { fill, type PageTexts } from "../pages/texts";

const MAX_TEXT = 4000;
const AnswerKind = z.enum([
  "reflection",
  "applied",
  "manager-confirmed",
  "manager-discussed",
]);
type AnswerKind = z.infer<typeof AnswerKind>;

/**
 * `/a/<token>`: the page behind a nudge's one action. GET only shows the form (mail scanners
 * follow links); the answer is stored on POST, through the same signed link. Submitting again
 * replaces the earlier answer of this nudge, so a double click changes nothing.
 */
export function answerRouter(deps: WebDeps, render: Render): Router {
  const router = Router();
  const resolve = nudgeLinkResolver(deps, render, LINK_PURPOSES.answer);

  router.get("/:token", async (req, res) => {
    const link = await resolve(req, res);
    if (link === undefined) return;
    const kind = kindOf(link, res, render);
    if (kind === undefined) return;
    const earlier = (await listAnswersOfNudge(deps.db, link.nudge.id)).find(
      (a) => a.kind === kind,
    );
    res
      .type("html")
      .send(
        page(
          render,
          link,
          kind,
          formValues(earlier?.value),
          [],
          earlier !== undefined,
        ),
      );
  });

  router.post(
    "/:token",
    express.urlencoded({ extended: false, limit: "64kb" }),
    async (req, res) => {
      const link = await resolve(req, res);
      if (link === undefined) return;
      const kind = kindOf(link, res, render);
      if (kind === undefined) return;
      const body = z.record(z.string(), z.string()).catch({}).parse(req.body);
      const parsed = parseAnswer(kind, body, levelsOf(link), link.t);
      if (!parsed.ok) {
        res
          .status(400)
          .type("html")
          .send(page(render, link, kind, body, parsed.errors, false));
        return;
      }
      const recorded = await recordAnswer(deps.db, {
        nudgeId: link.nudge.id,
        answer: parsed.answer,
        at: deps.clock.now(),
        forwardHandOff: (answerId) => ({
          tenantId: link.nudge.tenantId,
          ...answerForwardHandOff(answerId),
        }),
      });
      deps.logger.info(
        {
          nudgeId: link.nudge.id,
          kind,
          cancelled: recorded?.cancelledNudgeIds.length ?? 0,
        },
        "answer recorded",
      );
      const t = link.t;
      const applied =
        parsed.answer.kind === "applied" &&
        parsed.answer.value.status === "applied";
      res.type("html").send(
        render("answer-done", {
          title: t.thanksHeading,
          lang: link.lang,
          heading: t.thanksHeading,
          message: applied ? t.thanksApplied : t.thanks,
        }),
      );
      // After the page: Redis being slow or down never holds it up.
      if (recorded !== null)
        await removeNudgeJobsAfterResponse(deps, recorded.cancelledJobIds);
    },
  );

  return router;
}

/** The answer kind signed into the link; a link without a valid one gets the 403 page. */
function kindOf(
  link: ResolvedLink,
  res: Response,
  render: Render,
): AnswerKind | undefined {
  const kind = AnswerKind.safeParse(link.claims.data?.["kind"]);
  if (kind.success) return kind.data;
  sendLinkError(res, render, link.lang, {
    heading: link.t.forbiddenHeading,
    message: link.t.forbidden,
  });
  return undefined;
}

/** The value levels a reflection link offers (signed into the link by the mailer). */
function levelsOf(link: ResolvedLink): number[] {
  const levels = (link.claims.data?.["levels"] ?? "")
    .split(",")
    .map(Number)
    .filter((n) => Number.isInteger(n) && n >= 1 && n <= 5);
  return levels.length > 0 ? levels : [2];
}

function parseAnswer(
  kind: AnswerKind,
  body: Record<string, string>,
  levels: number[],
  t: PageTexts,
): { ok: true; answer: AnswerInput } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  switch (kind) {
    case "reflection": {
      const level = levels.length === 1 ? levels[0] : Number(body["level"]);
      const text = (body["text"] ?? "").trim();
      if (level === undefined || !levels.includes(level))
        errors.push(t.levelRequired);
      if (text.length < 2) errors.push(t.textRequired);
      if (text.length > MAX_TEXT) errors.push(t.tooLong);
      return errors.length > 0 || level === undefined
        ? { ok: false, errors }
        : { ok: true, answer: { kind, value: { level, text } } };
    }
    case "applied": {
      const status = z
        .enum(["applied", "partly", "not-yet"])
        .safeParse(body["status"]);
      const story = (body["story"] ?? "").trim();
      if (!status.success) errors.push(t.statusRequired);
      if (story.length > MAX_TEXT) errors.push(t.tooLong);
      if (!status.success || errors.length > 0) return { ok: false, errors };
      return {
        ok: true,
        answer: {
          kind,
          value:
            story === ""
              ? { status: status.data }
              : { status: status.data, story },
        },
      };
    }
    case "manager-confirmed":
    case "manager-discussed":
      return { ok: true, answer: { kind, value: {} } };
  }
}

function formValues(value: unknown): Record<string, string> {
  if (typeof value !== "object" || value === null) return {};
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      typeof v === "string" ? v : String(v),
    ]),
  );
}

function page(
  render: Render,
  link: ResolvedLink,
  kind: AnswerKind,
  values: Record<string, string>,
  errors: string[],
  answeredBefore: boolean,
): string {
  const { t } = link;
  const names = {
    training: link.training,
    learner:
      link.nudge.plan.person.givenName ?? link.nudge.plan.person.name ?? "",
  };
  const heading = fill(
    {
      reflection: t.reflectionHeading,
      applied: t.appliedHeading,
      "manager-confirmed": t.confirmedHeading,
      "manager-discussed": t.discussedHeading,
    }[kind],
    names,
  );
  const levels = levelsOf(link).map((level) => {
    const [name, meaning] = t.levels[level as 1 | 2 | 3 | 4 | 5];
    return { level, name, meaning, checked: values["level"] === String(level) };
  });
  return render("answer", {
    title: heading,
    lang: link.lang,
    heading,
    action: `/a/${link.token}`,
    t,
    errors,
    answeredBefore,
    reflection: kind === "reflection",
    applied: kind === "applied",
    confirm:
      kind === "manager-confirmed"
        ? {
            question: fill(t.confirmedQuestion, names),
            button: t.confirmedButton,
          }
        : kind === "manager-discussed"
          ? {
              question: fill(t.discussedQuestion, names),
              button: t.discussedButton,
            }
          : undefined,
    levels,
    singleLevel: levels.length === 1 ? levels[0] : undefined,
    text: values["text"] ?? "",
    story: values["story"] ?? "",
    statuses: (["applied", "partly", "not-yet"] as const).map((status) => ({
      value: status,
      label: { applied: t.applied, partly: t.partly, "not-yet": t.notYet }[
        status
      ],
      checked: values["status"] === status,
    })),
  });
}
