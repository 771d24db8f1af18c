import { ForbiddenError, NotFoundError } from "@beklijf/core";
import type { Queues } from "@beklijf/queue";
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { RequestHandler, Router } from "express";

import type { OutboxPort } from "../deps";
import { requireRole } from "./auth";
import { pageContext } from "./context";
import { translate } from "./messages";
import type { ConsoleRender } from "./views";

export const QUEUES_PATH = "/operators/queues";

/**
 * Bull Board runs its own scripts and JSON API, so it gets its own CSP (scripts from our origin
 * only) and, instead of form tokens it cannot send, an Origin check on every change.
 */
function bullBoardGuard(publicUrl: string): RequestHandler {
  const origin = new URL(publicUrl).origin;
  return (req, res, next) => {
    res.set(
      "Content-Security-Policy",
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    );
    if (req.method === "GET" || req.method === "HEAD") {
      next();
      return;
    }
    const from = req.get("origin");
    const host = req.get("host");
    const sameOrigin =
      from !== undefined &&
      (from === origin || (host !== undefined && hostOf(from) === host));
    if (sameOrigin) next();
    else
      next(
        new ForbiddenError(
          "Changes to the queues must come from the console itself.",
          "ORIGIN_INVALID",
        ),
      );
  };
}

/**
 * The operators page (admins): links to Bull Board and, when this process runs the embedded SMTP
 * sink, its outbox (list and each message), behind the admin's console session.
 */
export function mountOperatorPages(
  router: Router,
  deps: { hasQueues: boolean; outbox?: OutboxPort | undefined },
  render: ConsoleRender,
): void {
  router.use("/operators", requireRole("admin"));
  const { outbox } = deps;
  if (outbox !== undefined) {
    router.get("/operators/outbox", async (_req, res) => {
      const context = pageContext(res, "", "operators");
      const messages = await outbox.list(200);
      res.type("html").send(
        render(
          "outbox",
          {
            ...context,
            title: translate(context.locale, "operators.outbox"),
          },
          { messages },
        ),
      );
    });
    router.get("/operators/outbox/:id", async (req, res) => {
      const message = await outbox.get(req.params["id"]);
      if (message === undefined)
        throw new NotFoundError(
          "There is no such message in the outbox.",
          "OUTBOX_MESSAGE_NOT_FOUND",
        );
      const context = pageContext(res, "", "operators");
      res
        .type("html")
        .send(
          render(
            "outbox-message",
            { ...context, title: message.subject },
            { message },
          ),
        );
    });
  }
  router.get("/operators", (_req, res) => {
    const context = pageContext(res, "", "operators");
    res.type("html").send(
      render(
        "operators",
        { ...context, title: translate(context.locale, "operators.title") },
        {
          hasQueues: deps.hasQueues,
          queuesUrl: `/console${QUEUES_PATH}/`,
          hasOutbox: outbox !== undefined,
        },
      ),
    );
  });
}

/**
 * Bull Board over our queues, for admins. Mount it after requireSession and before verifyCsrf:
 * its own scripts cannot send our form token, so its guard checks the Origin instead.
 */
export function mountQueuesBoard(
  router: Router,
  deps: { queues: Queues; publicUrl: string },
): void {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(`/console${QUEUES_PATH}`);
  createBullBoard({
    queues: Object.values(deps.queues).map((q) => new BullMQAdapter(q)),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: "beklijf queues" } },
  });
  // getRouter() is typed `any` by Bull Board; it is an Express router.
  const board: RequestHandler = adapter.getRouter() as RequestHandler;
  router.use(
    QUEUES_PATH,
    requireRole("admin"),
    bullBoardGuard(deps.publicUrl),
    board,
  );
}

/** The host of an Origin header; undefined for "null" or anything else that is not a URL. */
function hostOf(origin: string): string | undefined {
  return URL.canParse(origin) ? new URL(origin).host : undefined;
}
