import { z } from "zod";

/** Standard string form, any version and variant (Data 4.4 only recommends variant 2). */
export const UUID_FORM =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A statement id: "all versions of variant 2 in RFC 4122 are valid" (Data 2.4.1). */
export const STATEMENT_UUID =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const UUID_EXAMPLE = "3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f";

export const uuid = z
  .string()
  .regex(
    UUID_FORM,
    `must be a UUID in standard form (8-4-4-4-12 hex digits), e.g. ${UUID_EXAMPLE}`,
  );

export const statementId = z
  .string()
  .regex(
    STATEMENT_UUID,
    `must be a UUID of RFC 4122 variant 2 in standard form, e.g. ${UUID_EXAMPLE}; leave id out to let beklijf assign one`,
  );
