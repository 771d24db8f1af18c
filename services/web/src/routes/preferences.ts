import { pauseNudges, stopActivityNudges, stopAllNudges } from "@beklijf/db";
import { LINK_PURPOSES } from "@beklijf/render";
import express, { Router } from "express";
import { z } from "zod";

import type { WebDeps } from "../deps";
import { nudgeLinkResolver, type Render } from "../pages/resolve-link";
import { fill } from "../pages/texts";

/** "Pause" means this many days without nudges. */
export const PAUSE_DAYS = 14;

const Choice = z.enum(["pause", "stop-training", "stop-all"]);

/**
 * `/p/<token>`: pause two weeks, stop this training's nudges, or stop all. GET shows the choices;
 * only a POST changes anything. Each choice can be repeated safely.
 */
export function preferencesRouter(deps: WebDeps, render: Render): Router {
  const router = Router();
  const resolve = nudgeLinkResolver(deps, render, LINK_PURPOSES.preferences);

  router.get("/:token", async (req, res) => {
    const link = await resolve(req, res);
    if (link === undefined) return;
    const { t } = link;
    res.type("html").send(
      render("preferences", {
        title: t.preferencesHeading,
        lang: link.lang,
        t,
        action: `/p/${link.token}`,
        stopTraining: fill(t.stopTraining, { training: link.training }),
      }),
    );
  });

  router.post(
    "/:token",
    express.urlencoded({ extended: false, limit: "2kb" }),
    async (req, res) => {
      const link = await resolve(req, res);
      if (link === undefined) return;
      const { t, nudge } = link;
      const choice = Choice.safeParse(
        z
          .object({ choice: z.unknown() })
          .catch({ choice: undefined })
          .parse(req.body).choice,
      );
      // The preferences belong to whoever the email went to.
      const personId = nudge.recipientPersonId;
      if (!choice.success || personId === null) {
        res
          .status(400)
          .type("html")
          .send(
            render("answer-done", {
              title: t.errorsHeading,
              lang: link.lang,
              heading: t.errorsHeading,
              message: t.preferencesIntro,
            }),
          );
        return;
      }
      let message: string;
      switch (choice.data) {
        case "pause": {
          const until = await pauseNudges(deps.db, {
            personId,
            until: new Date(
              deps.clock.now().getTime() + PAUSE_DAYS * 24 * 3600 * 1000,
            ),
          });
          const zone = nudge.recipient?.timeZone ?? "UTC";
          message = fill(t.pausedUntil, {
            date: new Intl.DateTimeFormat(link.lang, {
              dateStyle: "long",
              timeZone: zone,
            }).format(until),
          });
          break;
        }
        case "stop-training":
          await stopActivityNudges(deps.db, {
            personId,
            activityId: nudge.plan.trigger.objectId,
          });
          message = fill(t.stoppedTraining, { training: link.training });
          break;
        case "stop-all":
          await stopAllNudges(deps.db, personId);
          message = t.stoppedAll;
          break;
      }
      deps.logger.info(
        { nudgeId: nudge.id, choice: choice.data },
        "preferences changed",
      );
      res.type("html").send(
        render("answer-done", {
          title: t.preferencesHeading,
          lang: link.lang,
          heading: t.preferencesHeading,
          message,
        }),
      );
    },
  );

  return router;
}
