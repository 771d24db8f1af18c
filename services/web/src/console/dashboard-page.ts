import { loadTransferFacts, type TransferPlanFacts } from "@beklijf/db";
import { isHeldBack, Rule } from "@beklijf/rules";
import { pickLanguage } from "@beklijf/xapi";
import type { Router } from "express";

import type { WebDeps } from "../deps";
import { sessionOf } from "./auth";
import { pageContext } from "./context";
import { type Locale, translate } from "./messages";
import { barChartSvg } from "./svg-chart";
import {
  type Proportion,
  summariseTransfer,
  transferCsv,
  type TransferFact,
  type TransferGrouping,
  type TransferSummary,
} from "./transfer-stats";
import type { ConsoleRender } from "./views";

const PERIODS = [30, 90, 180, 365, 730] as const;

function toFact(plan: TransferPlanFacts, locale: Locale): TransferFact {
  const rule = Rule.safeParse(plan.ruleDefinition);
  const name = plan.trainingName;
  const label =
    typeof name === "object" && name !== null
      ? pickLanguage(
          Object.fromEntries(
            Object.entries(name).filter(
              (e): e is [string, string] => typeof e[1] === "string",
            ),
          ),
          locale,
        )
      : undefined;
  return {
    ruleKey: plan.ruleKey,
    trainingId: plan.trainingId,
    trainingLabel: label ?? plan.trainingId,
    startedAt: plan.startedAt,
    heldBack: rule.success && isHeldBack(rule.data, plan.personId),
    sentCount: plan.sentCount,
    answeredNudgeCount: plan.answeredNudgeCount,
    answers: plan.answers,
  };
}

function percent(p: Proportion): string {
  return p.rate === undefined ? "–" : `${Math.round(p.rate * 100)}%`;
}

function signedPoints(value: number | undefined): string {
  if (value === undefined) return "–";
  const points = Math.round(value * 1000) / 10;
  return `${points > 0 ? "+" : ""}${points} pp`;
}

function view(row: TransferSummary) {
  const hb = row.holdBack;
  return {
    ...row,
    applied14: `${percent(row.appliedBy14)} (${row.appliedBy14.count})`,
    applied90: `${percent(row.appliedBy90)} (${row.appliedBy90.count})`,
    confirmed: `${percent(row.managerConfirmed)} (${row.managerConfirmed.count})`,
    levels: row.reflectionsByLevel.map((count, i) => ({ level: i + 1, count })),
    hasControl: hb.heldBack.total > 0,
    nudged: `${percent(hb.nudged)} (${hb.nudged.count}/${hb.nudged.total})`,
    held: `${percent(hb.heldBack)} (${hb.heldBack.count}/${hb.heldBack.total})`,
    difference: signedPoints(hb.difference),
    interval:
      hb.interval === undefined
        ? "–"
        : `${signedPoints(hb.interval.low)} … ${signedPoints(hb.interval.high)}`,
  };
}

/** The transfer dashboard (issue #6 item 4) and its CSV export. */
export function mountDashboard(
  router: Router,
  deps: Pick<WebDeps, "db" | "clock">,
  render: ConsoleRender,
): void {
  const load = async (
    tenantId: string,
    query: Record<string, unknown>,
    locale: Locale,
  ) => {
    const by: TransferGrouping = query["by"] === "rule" ? "rule" : "training";
    const days = PERIODS.find((d) => String(d) === query["days"]) ?? 365;
    const since = new Date(deps.clock.now().getTime() - days * 86_400_000);
    const facts = (await loadTransferFacts(deps.db, tenantId, since)).map((p) =>
      toFact(p, locale),
    );
    return { by, days, ...summariseTransfer(facts, by) };
  };

  router.get("/", async (req, res) => {
    const context = pageContext(res, "", "dashboard");
    const t = (key: string) => translate(context.locale, key);
    const { by, days, groups, overall } = await load(
      sessionOf(res).user.tenantId,
      req.query,
      context.locale,
    );
    const chart = barChartSvg(
      groups.map((g) => ({
        label: g.label,
        bars: [
          {
            rate: g.holdBack.nudged.rate,
            detail: `${percent(g.holdBack.nudged)} (n=${g.holdBack.nudged.total})`,
          },
          {
            rate: g.holdBack.heldBack.rate,
            detail: `${percent(g.holdBack.heldBack)} (n=${g.holdBack.heldBack.total})`,
          },
        ],
      })),
      {
        title: t("dashboard.chartApplied"),
        series: [
          { name: t("dashboard.withNudges"), colour: "#1f5c4a" },
          { name: t("dashboard.withoutNudges"), colour: "#a3670a" },
        ],
      },
    );
    res.type("html").send(
      render(
        "dashboard",
        { ...context, title: t("dashboard.title") },
        {
          byRule: by === "rule",
          periods: PERIODS.map((d) => ({ value: d, selected: d === days })),
          days,
          groups: groups.map(view),
          overall: view(overall),
          chart,
          hasGroups: groups.length > 0,
        },
      ),
    );
  });

  router.get("/dashboard.csv", async (req, res) => {
    const { locale } = pageContext(res, "");
    const { by, groups, overall } = await load(
      sessionOf(res).user.tenantId,
      req.query,
      locale,
    );
    res
      .type("text/csv; charset=utf-8")
      .attachment(`beklijf-transfer-by-${by}.csv`)
      .send(transferCsv([...groups, overall]));
  });
}
