import { z } from "zod";

import { isIri } from "./iri";
import { isLanguageTag } from "./language-tag";

// ---------------------------------------------------------------------------------------------
// Language maps and extensions

export function isPlainObject(
  value: unknown,
): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A map checked key by key: z.record costs several microseconds per map, and a statement carries
 * many. The issues are zod's own (invalid_type), so they read like every other type issue.
 */
function checkedMap<V>(
  checkEntry: (key: string, value: unknown, ctx: z.RefinementCtx) => void,
) {
  return z
    .custom<Record<string, V>>(() => true)
    .superRefine((map: unknown, ctx) => {
      if (!isPlainObject(map)) {
        ctx.addIssue({ code: "invalid_type", expected: "record", input: map });
        return;
      }
      for (const key of Object.keys(map)) checkEntry(key, map[key], ctx);
    });
}

/** A language map (Data 4.2): RFC 5646 tags as keys, plain strings as values. */
export const LanguageMap = checkedMap<string>((key, value, ctx) => {
  if (!isLanguageTag(key)) {
    ctx.addIssue({
      code: "custom",
      path: [key],
      input: key,
      message: `${JSON.stringify(key)} must be an RFC 5646 language tag such as nl, nl-NL or en-US`,
    });
  }
  if (typeof value !== "string") {
    ctx.addIssue({
      code: "invalid_type",
      expected: "string",
      path: [key],
      input: value,
    });
  }
});
export type LanguageMap = z.infer<typeof LanguageMap>;

/** An extensions map (Data 4.1): IRI keys, any JSON value (null included). */
export const Extensions = checkedMap<unknown>((key, _value, ctx) => {
  if (!isIri(key)) {
    ctx.addIssue({
      code: "custom",
      path: [key],
      input: key,
      message: `extension key ${JSON.stringify(key)} must be an IRI, e.g. https://example.com/xapi/extensions/attempt`,
    });
  }
});
export type Extensions = z.infer<typeof Extensions>;
