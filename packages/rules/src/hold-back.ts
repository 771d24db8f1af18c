import { sha256Hex } from "@beklijf/core";

import { type Rule } from "./rule";

/**
 * Where a learner falls in a rule's population, in [0, 1): the first 52 bits of
 * sha256("hold-back|<rule key>|<learner id>"). Stable across rule versions (the key stays) and
 * across runs, independent between rules, and uniform enough that a share of 0.1 holds back close
 * to 10% of learners.
 */
export function holdBackPosition(ruleKey: string, learnerId: string): number {
  // 13 hex digits = 52 bits: exact in a double.
  return (
    parseInt(sha256Hex(`hold-back|${ruleKey}|${learnerId}`).slice(0, 13), 16) /
    2 ** 52
  );
}

/** Is this learner in the rule's control group (no nudges from this rule)? */
export function isHeldBack(rule: Rule, learnerId: string): boolean {
  const share = rule.holdBack?.share ?? 0;
  return share > 0 && holdBackPosition(rule.key, learnerId) < share;
}
