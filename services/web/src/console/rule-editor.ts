import { type Issue, parseJsonText } from "@beklijf/core";
import { parseRuleSet, type Rule } from "@beklijf/rules";

/** A problem in the edited rule, with the place it is at ("steps.1.offset") or "(JSON)". */
export interface RuleProblem {
  readonly path: string;
  readonly message: string;
  /** 1-based line of the JSON text the path points at, when it can be found. */
  readonly line: number | undefined;
}

/**
 * Checks the text of the rule editor: JSON syntax first, then @beklijf/rules's parser (the same
 * one that reads rules.json), and the key must stay the rule's key. Pure; the page shows the
 * problems next to the field.
 */
export function checkRuleText(
  text: string,
  expectedKey: string,
): { ok: true; rule: Rule } | { ok: false; problems: RuleProblem[] } {
  const syntax = parseJsonText(text);
  if (!syntax.ok)
    return {
      ok: false,
      problems: [
        {
          path: "(JSON)",
          message: `line ${syntax.error.line}, column ${syntax.error.column}: ${syntax.error.message}`,
          line: syntax.error.line,
        },
      ],
    };
  const json = syntax.value;
  const parsed = parseRuleSet({ rules: [json] }, "rule");
  if (!parsed.ok)
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => toProblem(issue, text)),
    };
  const rule = parsed.value.rules[0];
  if (rule === undefined) throw new Error("parseRuleSet returned no rule");
  if (rule.key !== expectedKey)
    return {
      ok: false,
      problems: [
        {
          path: "key",
          message: `must stay "${expectedKey}"; a rule's key cannot change (make a new rule instead)`,
          line: lineOf(text, ["key"]),
        },
      ],
    };
  return { ok: true, rule };
}

function toProblem(issue: Issue, text: string): RuleProblem {
  // The parser saw { rules: [rule] }: drop the wrapper's "rules.0".
  const path =
    issue.path[0] === "rules" && issue.path[1] === 0
      ? issue.path.slice(2)
      : issue.path;
  return {
    path: path.length === 0 ? "(rule)" : path.join("."),
    message: issue.message,
    line: lineOf(text, path),
  };
}

/**
 * The line of the last named key on the path, found by walking the JSON text key by key in
 * order; an approximation good enough to point at, undefined when a step cannot be found.
 */
export function lineOf(
  text: string,
  path: readonly (string | number)[],
): number | undefined {
  let from = 0;
  let found: number | undefined;
  for (const part of path) {
    if (typeof part === "number") continue;
    const at = text.indexOf(`"${part}"`, from);
    if (at < 0) return found;
    found = at;
    from = at + part.length + 2;
  }
  return found === undefined
    ? undefined
    : text.slice(0, found).split("\n").length;
}
