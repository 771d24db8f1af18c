import { z } from "zod";

// ---------------------------------------------------------------------------------------------
// Formats

const IRI_PATTERN = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"{}|\\^`\p{Cc}]+$/u;

/**
 * Best-effort IRI check (Data 2.2.s4.b6): a scheme, a colon, and no characters an IRI can never
 * contain (white space, control characters, <>"{}|\^`, a % not followed by two hex digits).
 */
export function isIri(value: string): boolean {
  return IRI_PATTERN.test(value) && !/%(?![0-9A-Fa-f]{2})/.test(value);
}

/** An IRL is an IRI meant to be resolved: an http(s) IRL also needs a host. */
export function isIrl(value: string): boolean {
  return (
    isIri(value) &&
    (!/^https?:/i.test(value) || /^https?:\/\/[^/?#\s]+/i.test(value))
  );
}

export function iri(example: string): z.ZodString {
  return z
    .string()
    .refine(
      isIri,
      `must be an IRI: an absolute identifier that starts with a scheme, e.g. ${example}`,
    );
}

export function irl(example: string): z.ZodString {
  return z
    .string()
    .refine(
      isIrl,
      `must be an IRL: an absolute, resolvable address with a scheme, e.g. ${example}`,
    );
}
