import { NotFoundError } from "@beklijf/core";
import {
  getRuleForConsole,
  listRulesForConsole,
  type RuleDetail,
  saveRuleVersion,
  setRuleEnabled,
} from "@beklijf/db";
import type { Response, Router } from "express";

import type { WebDeps } from "../deps";
import { migrateRules } from "../routes/rules-api";
import { requireRole, sessionOf } from "./auth";
import { formField, pageContext, routeParam } from "./context";
import { translate } from "./messages";
import { checkRuleText, type RuleProblem } from "./rule-editor";
import type { ConsoleRender } from "./views";

/**
 * Rules: list, edit a version's JSON with inline problems, enable/disable, and move running plans
 * to the current version (preview, then confirm). Editors change.
 */
export function mountRulePages(
  router: Router,
  deps: Pick<WebDeps, "db" | "clock" | "jobs" | "logger">,
  render: ConsoleRender,
): void {
  const load = async (
    res: Response,
    id: string | undefined,
  ): Promise<RuleDetail> => {
    const rule =
      id === undefined
        ? null
        : await getRuleForConsole(deps.db, sessionOf(res).user.tenantId, id);
    if (rule === null)
      throw new NotFoundError("No such rule.", "RULE_NOT_FOUND");
    return rule;
  };
  const show = (
    res: Response,
    status: number,
    rule: RuleDetail,
    editor: {
      text: string;
      basedOn: number;
      problems?: RuleProblem[];
      saved?: number;
      migrated?: number;
      preview?: Awaited<ReturnType<typeof migrateRules>>;
    },
  ) => {
    const context = pageContext(res, rule.key, "rules");
    res
      .status(status)
      .type("html")
      .send(
        render("rule", context, {
          rule,
          ...editor,
          migratedShown: editor.migrated !== undefined,
          hasOlderVersions: rule.versions.length > 1,
          history: rule.versions.map((v) => ({
            ...v,
            text: JSON.stringify(v.definition, null, 2),
          })),
        }),
      );
  };

  router.get("/rules", async (_req, res) => {
    const context = pageContext(res, "", "rules");
    const rules = await listRulesForConsole(
      deps.db,
      sessionOf(res).user.tenantId,
    );
    res
      .type("html")
      .send(
        render(
          "rules",
          { ...context, title: translate(context.locale, "rules.title") },
          { rules },
        ),
      );
  });

  router.get("/rules/:id", async (req, res) => {
    const rule = await load(res, routeParam(req.params["id"]));
    const saved = Number(req.query["saved"]);
    const migrated = Number(req.query["migrated"]);
    show(res, 200, rule, {
      ...editorOf(rule),
      ...(Number.isInteger(saved) && saved > 0 ? { saved } : {}),
      ...(Number.isInteger(migrated) &&
      migrated >= 0 &&
      req.query["migrated"] !== undefined
        ? { migrated }
        : {}),
    });
  });

  // Preview (a dry run) first; the preview's form confirms with confirm=yes.
  router.post("/rules/:id/migrate", requireRole("editor"), async (req, res) => {
    const rule = await load(res, routeParam(req.params["id"]));
    const dryRun = formField(req.body, "confirm") !== "yes";
    const report = await migrateRules(deps, {
      tenantId: sessionOf(res).user.tenantId,
      ruleKey: rule.key,
      dryRun,
    });
    if (!dryRun) {
      res.redirect(
        303,
        `/console/rules/${rule.id}?migrated=${report.migrated}`,
      );
      return;
    }
    show(res, 200, rule, { ...editorOf(rule), preview: report });
  });

  router.post("/rules/:id", requireRole("editor"), async (req, res) => {
    const rule = await load(res, routeParam(req.params["id"]));
    const text = formField(req.body, "definition");
    const basedOn = Number(formField(req.body, "basedOn"));
    const checked = checkRuleText(text, rule.key);
    if (!checked.ok) {
      show(res, 400, rule, { text, basedOn, problems: checked.problems });
      return;
    }
    const version = await saveRuleVersion(deps.db, {
      tenantId: sessionOf(res).user.tenantId,
      ruleId: rule.id,
      basedOn,
      rule: checked.rule,
    });
    res.redirect(303, `/console/rules/${rule.id}?saved=${version}`);
  });

  router.post("/rules/:id/enabled", requireRole("editor"), async (req, res) => {
    const rule = await load(res, routeParam(req.params["id"]));
    await setRuleEnabled(
      deps.db,
      sessionOf(res).user.tenantId,
      rule.id,
      formField(req.body, "enabled") === "true",
    );
    res.redirect(303, "/console/rules");
  });
}

/** The editor's text and base version for a rule as stored. */
function editorOf(rule: RuleDetail): { text: string; basedOn: number } {
  const current = rule.versions.find((v) => v.version === rule.currentVersion);
  return {
    text: JSON.stringify(current?.definition ?? {}, null, 2),
    basedOn: rule.versions[0]?.version ?? 0,
  };
}
