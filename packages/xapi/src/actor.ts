import { z } from "zod";

import { iri, irl } from "./iri";

// ---------------------------------------------------------------------------------------------
// Agents and Groups (Data 2.4.2)

const IFI_KEYS = ["mbox", "mbox_sha1sum", "openid", "account"] as const;

/** An mbox: mailto: and an email address (Data 2.4.2.3). */
export const MAILTO = /^mailto:[^@\s:/?#]+@[^@\s/?#.][^@\s/?#]*$/i;

const Account = z.strictObject({
  homePage: irl("https://lms.example.com"),
  name: z
    .string()
    .min(
      1,
      "must not be empty: send the user's login name or id on that system",
    ),
});

/** An mbox_sha1sum: the hex SHA-1 of a mailto IRI. */
export const MBOX_SHA1SUM = /^[0-9a-f]{40}$/i;

const ifiFields = {
  mbox: z
    .string()
    .regex(
      MAILTO,
      "must be mailto: followed by an email address, e.g. mailto:anna@example.com",
    )
    .optional(),
  mbox_sha1sum: z
    .string()
    .regex(
      MBOX_SHA1SUM,
      "must be a 40-digit hex SHA-1 of the mailto IRI, e.g. ad1c1b5a7c3f4e2d9b8a7c6d5e4f3a2b1c0d9e8f",
    )
    .optional(),
  openid: iri("https://openid.example.com/anna").optional(),
  account: Account.optional(),
};

function identifiersOf(value: Partial<Record<string, unknown>>): string[] {
  return IFI_KEYS.filter((key) => value[key] !== undefined);
}

export function listed(names: readonly string[]): string {
  return names.length <= 1
    ? names.join("")
    : `${names.slice(0, -1).join(", ")} and ${names.at(-1) ?? ""}`;
}

const ONE_IDENTIFIER =
  "an Agent must have exactly one of mbox, mbox_sha1sum, openid or account";

function checkAgentIdentifier(
  agent: Partial<Record<string, unknown>>,
  ctx: z.RefinementCtx,
): void {
  const found = identifiersOf(agent);
  if (found.length === 1) return;
  ctx.addIssue({
    code: "custom",
    message:
      found.length === 0
        ? `${ONE_IDENTIFIER}; it has none (a name alone does not identify anyone)`
        : `${ONE_IDENTIFIER}; it has ${String(found.length)} (${listed(found)}): keep one`,
  });
}

/** An Agent where objectType may be left out (actor, member, instructor, authority). */
export const Agent = z
  .strictObject({
    objectType: z.literal("Agent").optional(),
    name: z.string().optional(),
    ...ifiFields,
  })
  .superRefine(checkAgentIdentifier);
export type Agent = z.infer<typeof Agent>;

/** A Group's members are Agents: a Group never contains a Group (Data 2.4.2.2.s4.b2, s5.b2). */
const Member = z
  .strictObject({
    objectType: z
      .literal("Agent", {
        error:
          'a Group member must be an Agent: set objectType to "Agent" or leave it out (a Group cannot contain Groups)',
      })
      .optional(),
    name: z.string().optional(),
    ...ifiFields,
  })
  .superRefine(checkAgentIdentifier);

/** An Agent as a statement's object must say so: an object without objectType is an Activity. */
export const AgentObject = z
  .strictObject({
    objectType: z.literal("Agent"),
    name: z.string().optional(),
    ...ifiFields,
  })
  .superRefine(checkAgentIdentifier);

const groupFields = {
  objectType: z.literal("Group"),
  name: z.string().optional(),
  member: z.array(Member).optional(),
  ...ifiFields,
};

/** An identified Group (exactly one identifier) or an anonymous Group (none, and members). */
export const Group = z.strictObject(groupFields).superRefine((group, ctx) => {
  const found = identifiersOf(group);
  if (found.length > 1) {
    ctx.addIssue({
      code: "custom",
      message: `a Group must have at most one of mbox, mbox_sha1sum, openid or account; it has ${String(found.length)} (${listed(found)}): keep one`,
    });
  } else if (
    found.length === 0 &&
    (group.member === undefined || group.member.length === 0)
  ) {
    ctx.addIssue({
      code: "custom",
      message:
        "an anonymous Group must list its members: send member as a non-empty array of Agents, or identify the Group with one of mbox, mbox_sha1sum, openid or account",
    });
  }
});
export type Group = z.infer<typeof Group>;

// Chosen by objectType (absent means Agent), so the issue names the broken field rather than a
// bare "Invalid input" from a union that tried both.
export const Actor = z.discriminatedUnion("objectType", [Agent, Group]);
export type Actor = z.infer<typeof Actor>;

/**
 * The authority (Data 2.4.9): an Agent, or for 3-legged OAuth an anonymous Group of exactly two
 * Agents (the application and the user).
 */
const AuthorityGroup = z.strictObject(groupFields).superRefine((group, ctx) => {
  const found = identifiersOf(group);
  if (found.length > 0) {
    ctx.addIssue({
      code: "custom",
      message: `an authority Group must be anonymous (no ${listed(found)}): it stands for OAuth's application and user, listed as its two members`,
    });
  } else if (group.member?.length !== 2) {
    ctx.addIssue({
      code: "custom",
      message: `an authority Group must have exactly two members, the OAuth application and the user; it has ${String(group.member?.length ?? 0)}`,
    });
  }
});
export const Authority = z.discriminatedUnion("objectType", [
  Agent,
  AuthorityGroup,
]);
export type Authority = z.infer<typeof Authority>;
