import { type DeliveryFilter, listDeliveriesForConsole } from "@beklijf/db";
import type { Router } from "express";

import type { WebDeps } from "../deps";
import { sessionOf } from "./auth";
import { pageContext, queryString } from "./context";
import { translate } from "./messages";
import type { ConsoleRender } from "./views";

const PAGE_SIZE = 50;
const STATUSES = ["queued", "sending", "sent", "failed", "suppressed"] as const;

function day(value: string | undefined): Date | undefined {
  if (value === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(value))
    return undefined;
  const date = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The delivery log: filter by status, recipient, template and day (UTC); 50 a page. */
export function mountDeliveriesPage(
  router: Router,
  deps: Pick<WebDeps, "db">,
  render: ConsoleRender,
): void {
  router.get("/deliveries", async (req, res) => {
    const status = queryString(req.query["status"]);
    const to = queryString(req.query["to"]);
    const template = queryString(req.query["template"]);
    const sinceText = queryString(req.query["since"]);
    const untilText = queryString(req.query["until"]);
    const since = day(sinceText);
    const until = day(untilText);
    const page = Math.max(1, Math.min(10_000, Number(req.query["page"]) || 1));
    const filter: DeliveryFilter = {
      ...(status !== undefined &&
      (STATUSES as readonly string[]).includes(status)
        ? { status }
        : {}),
      ...(to === undefined ? {} : { to }),
      ...(template === undefined ? {} : { template }),
      ...(since === undefined ? {} : { since }),
      ...(until === undefined
        ? {}
        : { until: new Date(until.getTime() + 86_400_000) }),
    };
    const { rows, total } = await listDeliveriesForConsole(
      deps.db,
      sessionOf(res).user.tenantId,
      filter,
      { offset: (page - 1) * PAGE_SIZE, limit: PAGE_SIZE },
    );
    const query = (p: number) =>
      new URLSearchParams({
        ...(filter.status === undefined ? {} : { status: filter.status }),
        ...(to === undefined ? {} : { to }),
        ...(template === undefined ? {} : { template }),
        ...(since === undefined || sinceText === undefined
          ? {}
          : { since: sinceText }),
        ...(until === undefined || untilText === undefined
          ? {}
          : { until: untilText }),
        page: String(p),
      }).toString();
    const context = pageContext(res, "", "deliveries");
    res.type("html").send(
      render(
        "deliveries",
        { ...context, title: translate(context.locale, "deliveries.title") },
        {
          rows,
          total,
          statuses: STATUSES.map((s) => ({
            value: s,
            selected: s === filter.status,
          })),
          filter: { to, template, since: sinceText, until: untilText },
          previous: page > 1 ? `?${query(page - 1)}` : undefined,
          next: page * PAGE_SIZE < total ? `?${query(page + 1)}` : undefined,
          page,
        },
      ),
    );
  });
}
