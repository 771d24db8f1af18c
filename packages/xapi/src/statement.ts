import { z } from "zod";

import { DURATION_MESSAGE, isDuration } from "./duration";
import { isLanguageTag } from "./language-tag";
import { parseTimestamp } from "./timestamp";

// The statement as xAPI 1.0.3 (Part Two, "Experience API Data", 2.2 to 2.4 and 4) describes it, with
// the 2.0.0 additions (context.contextAgents, context.contextGroups). Every object is strict: a key
// xAPI does not define there, or a key in another case ("Actor"), is refused. Null is refused
// everywhere except inside extensions, because only extension values are typed as unknown.
// Rules that span several properties are superRefine checks; each puts its issue on the path of
// the property to change and says what to send instead.

/** The reserved verb that voids the statement its StatementRef object points at (Data 2.3.2). */
export const VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided";
/** usageType of a JWS signature attachment (Data 2.6). */
export const SIGNATURE_USAGE_TYPE =
  "http://adlnet.gov/expapi/attachments/signature";

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

/** Standard string form, any version and variant (Data 4.4 only recommends variant 2). */
const UUID_FORM =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A statement id: "all versions of variant 2 in RFC 4122 are valid" (Data 2.4.1). */
const STATEMENT_UUID =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const UUID_EXAMPLE = "3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f";

const MAILTO = /^mailto:[^@\s:/?#]+@[^@\s/?#.][^@\s/?#]*$/i;
const MEDIA_TYPE =
  /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+(\s*;\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+=("(?:[^"\\]|\\.)*"|[!#$%&'*+.^_`|~0-9A-Za-z-]+))*\s*$/;
/** Hex SHA-224, SHA-256, SHA-384 or SHA-512 (and the SHA-512/t variants of the same lengths). */
const SHA2 = /^(?:[0-9a-f]{56}|[0-9a-f]{64}|[0-9a-f]{96}|[0-9a-f]{128})$/i;

function iri(example: string): z.ZodString {
  return z
    .string()
    .refine(
      isIri,
      `must be an IRI: an absolute identifier that starts with a scheme, e.g. ${example}`,
    );
}

function irl(example: string): z.ZodString {
  return z
    .string()
    .refine(
      isIrl,
      `must be an IRL: an absolute, resolvable address with a scheme, e.g. ${example}`,
    );
}

const uuid = z
  .string()
  .regex(
    UUID_FORM,
    `must be a UUID in standard form (8-4-4-4-12 hex digits), e.g. ${UUID_EXAMPLE}`,
  );

const statementId = z
  .string()
  .regex(
    STATEMENT_UUID,
    `must be a UUID of RFC 4122 variant 2 in standard form, e.g. ${UUID_EXAMPLE}; leave id out to let beklijf assign one`,
  );

const timestamp = z.string().superRefine((value, ctx) => {
  const parsed = parseTimestamp(value);
  if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.message });
});

const duration = z.string().refine(isDuration, DURATION_MESSAGE);

const languageTag = z
  .string()
  .refine(
    isLanguageTag,
    "must be an RFC 5646 language tag such as nl, nl-NL or en-US",
  );

// ---------------------------------------------------------------------------------------------
// Language maps and extensions

function isPlainObject(value: unknown): value is Record<string, unknown> {
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

// ---------------------------------------------------------------------------------------------
// Agents and Groups (Data 2.4.2)

const IFI_KEYS = ["mbox", "mbox_sha1sum", "openid", "account"] as const;

const Account = z.strictObject({
  homePage: irl("https://lms.example.com"),
  name: z
    .string()
    .min(
      1,
      "must not be empty: send the user's login name or id on that system",
    ),
});

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
      /^[0-9a-f]{40}$/i,
      "must be a 40-digit hex SHA-1 of the mailto IRI, e.g. ad1c1b5a7c3f4e2d9b8a7c6d5e4f3a2b1c0d9e8f",
    )
    .optional(),
  openid: iri("https://openid.example.com/anna").optional(),
  account: Account.optional(),
};

function identifiersOf(value: Partial<Record<string, unknown>>): string[] {
  return IFI_KEYS.filter((key) => value[key] !== undefined);
}

function listed(names: readonly string[]): string {
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
const AgentObject = z
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

// ---------------------------------------------------------------------------------------------
// Verb (Data 2.4.3)

export const Verb = z.strictObject({
  id: iri("http://adlnet.gov/expapi/verbs/completed"),
  display: LanguageMap.optional(),
});
export type Verb = z.infer<typeof Verb>;

// ---------------------------------------------------------------------------------------------
// Activities (Data 2.4.4.1) and interactions

export const INTERACTION_TYPES = [
  "true-false",
  "choice",
  "fill-in",
  "long-fill-in",
  "matching",
  "performance",
  "sequencing",
  "likert",
  "numeric",
  "other",
] as const;
export type InteractionType = (typeof INTERACTION_TYPES)[number];

const COMPONENT_LISTS = [
  "choices",
  "scale",
  "source",
  "target",
  "steps",
] as const;
type ComponentList = (typeof COMPONENT_LISTS)[number];

/** The interaction component lists each interactionType supports (Data 2.4.4.1.s15.table2). */
const LISTS_BY_TYPE: Readonly<
  Record<InteractionType, readonly ComponentList[]>
> = {
  "true-false": [],
  choice: ["choices"],
  "fill-in": [],
  "long-fill-in": [],
  matching: ["source", "target"],
  performance: ["steps"],
  sequencing: ["choices"],
  likert: ["scale"],
  numeric: [],
  other: [],
};

const InteractionComponent = z.strictObject({
  id: z.string(),
  description: LanguageMap.optional(),
});
export type InteractionComponent = z.infer<typeof InteractionComponent>;

const componentList = z.array(InteractionComponent).optional();

export const ActivityDefinition = z
  .strictObject({
    name: LanguageMap.optional(),
    description: LanguageMap.optional(),
    type: iri("http://adlnet.gov/expapi/activities/course").optional(),
    moreInfo: irl("https://lms.example.com/course/view.php?id=7").optional(),
    extensions: Extensions.optional(),
    interactionType: z.enum(INTERACTION_TYPES).optional(),
    correctResponsesPattern: z.array(z.string()).optional(),
    choices: componentList,
    scale: componentList,
    source: componentList,
    target: componentList,
    steps: componentList,
  })
  .superRefine((definition, ctx) => {
    const type = definition.interactionType;
    if (type === undefined) {
      for (const key of ["correctResponsesPattern", ...COMPONENT_LISTS]) {
        if (definition[key as keyof typeof definition] !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: `${key} belongs to interaction activities: add an interactionType (such as "choice") or remove ${key}`,
          });
        }
      }
      return;
    }
    const allowed = LISTS_BY_TYPE[type];
    for (const key of COMPONENT_LISTS) {
      const list = definition[key];
      if (list === undefined) continue;
      if (!allowed.includes(key)) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `interactionType "${type}" has no ${key} list; ${
            allowed.length === 0
              ? `"${type}" takes no interaction component lists`
              : `"${type}" uses ${listed(allowed)}`
          }: remove ${key}`,
        });
      }
      const seen = new Set<string>();
      list.forEach((component, index) => {
        if (seen.has(component.id)) {
          ctx.addIssue({
            code: "custom",
            path: [key, index, "id"],
            message: `interaction component ids must be distinct within ${key}; "${component.id}" is used more than once`,
          });
        }
        seen.add(component.id);
      });
    }
  });
export type ActivityDefinition = z.infer<typeof ActivityDefinition>;

export const Activity = z.strictObject({
  objectType: z.literal("Activity").optional(),
  id: iri("https://lms.example.com/course/view.php?id=7"),
  definition: ActivityDefinition.optional(),
});
export type Activity = z.infer<typeof Activity>;

export const StatementRef = z.strictObject({
  objectType: z.literal("StatementRef"),
  id: uuid,
});
export type StatementRef = z.infer<typeof StatementRef>;

// ---------------------------------------------------------------------------------------------
// Result (Data 2.4.5)

const Score = z
  .strictObject({
    scaled: z.number().min(-1).max(1).optional(),
    raw: z.number().optional(),
    min: z.number().optional(),
    max: z.number().optional(),
  })
  // Data 2.4.5.1 calls min "less than max", but Open edX sends min = max = 0 for a problem worth no
  // points, and the ADL suite refuses only min above max; so equal bounds pass.
  .superRefine((score, ctx) => {
    if (
      score.min !== undefined &&
      score.max !== undefined &&
      score.min > score.max
    ) {
      ctx.addIssue({
        code: "custom",
        message: `score min must not exceed max: min ${String(score.min)} is above max ${String(score.max)}`,
      });
    }
    if (
      score.raw !== undefined &&
      ((score.min !== undefined && score.raw < score.min) ||
        (score.max !== undefined && score.raw > score.max))
    ) {
      ctx.addIssue({
        code: "custom",
        message: `score raw must lie between min and max (inclusive); raw ${String(score.raw)} does not`,
      });
    }
  });

export const Result = z.strictObject({
  score: Score.optional(),
  success: z.boolean().optional(),
  completion: z.boolean().optional(),
  response: z.string().optional(),
  duration: duration.optional(),
  extensions: Extensions.optional(),
});
export type Result = z.infer<typeof Result>;

// ---------------------------------------------------------------------------------------------
// Context (Data 2.4.6)

/**
 * One contextActivities value: an array of Activities, or a single Activity, which is read as an
 * array of one, as the LRS must return it (Data 2.4.6.2.s4.b3).
 */
const contextActivityList = z.preprocess(
  (value) => (isPlainObject(value) ? [value] : value),
  z.array(Activity),
);

const ContextActivities = z
  .strictObject({
    parent: contextActivityList.optional(),
    grouping: contextActivityList.optional(),
    category: contextActivityList.optional(),
    other: contextActivityList.optional(),
  })
  .superRefine((activities, ctx) => {
    const lists = [
      activities.parent,
      activities.grouping,
      activities.category,
      activities.other,
    ];
    if (lists.every((list) => list === undefined)) {
      ctx.addIssue({
        code: "custom",
        message:
          "contextActivities must not be empty: give at least one of parent, grouping, category or other, or leave contextActivities out",
      });
    }
  });

const relevantTypes = z
  .array(iri("http://adlnet.gov/expapi/activities/course"))
  .min(1, "must list at least one Activity type IRI, or be left out")
  .optional();

/** xAPI 2.0.0: an Agent relevant to the statement, with why (context.contextAgents). */
const ContextAgent = z.strictObject({
  objectType: z.literal("contextAgent"),
  agent: Agent,
  relevantTypes,
});

/** xAPI 2.0.0: a Group relevant to the statement, with why (context.contextGroups). */
const ContextGroup = z.strictObject({
  objectType: z.literal("contextGroup"),
  group: Group,
  relevantTypes,
});

export const Context = z.strictObject({
  registration: uuid.optional(),
  instructor: Actor.optional(),
  team: Group.optional(),
  contextActivities: ContextActivities.optional(),
  revision: z.string().optional(),
  platform: z.string().optional(),
  language: languageTag.optional(),
  statement: StatementRef.optional(),
  extensions: Extensions.optional(),
  contextAgents: z.array(ContextAgent).optional(),
  contextGroups: z.array(ContextGroup).optional(),
});
export type Context = z.infer<typeof Context>;

// ---------------------------------------------------------------------------------------------
// Attachments (Data 2.4.11)

export const Attachment = z
  .strictObject({
    usageType: iri("http://adlnet.gov/expapi/attachments/signature"),
    display: LanguageMap,
    description: LanguageMap.optional(),
    contentType: z
      .string()
      .regex(
        MEDIA_TYPE,
        "must be an Internet media type such as application/pdf or text/plain; charset=utf-8",
      ),
    length: z
      .number()
      .int()
      .min(0, "must be the size of the attachment in octets (0 or more)"),
    sha2: z
      .string()
      .regex(
        SHA2,
        "must be the hex SHA-2 hash of the attachment data (64 hex digits for SHA-256)",
      ),
    fileUrl: irl("https://lms.example.com/files/certificate.pdf").optional(),
  })
  .superRefine((attachment, ctx) => {
    if (
      attachment.usageType === SIGNATURE_USAGE_TYPE &&
      attachment.contentType.split(";")[0]?.trim().toLowerCase() !==
        "application/octet-stream"
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["contentType"],
        message:
          "a signature attachment must have contentType application/octet-stream (Data 2.6)",
      });
    }
  });
export type Attachment = z.infer<typeof Attachment>;

// ---------------------------------------------------------------------------------------------
// Statements and SubStatements (Data 2.4, 2.4.4.3)

/** The objectType an object without one has: an Activity. */
function objectTypeOf(object: unknown): unknown {
  return isPlainObject(object) ? (object.objectType ?? "Activity") : undefined;
}

/**
 * Rules across properties that apply to statements and SubStatements alike: context.revision and
 * context.platform only with an Activity object (Data 2.4.6.s4.b1, b2).
 */
function checkContextAgainstObject(
  statement: unknown,
  ctx: z.RefinementCtx,
): void {
  if (!isPlainObject(statement) || !isPlainObject(statement.context)) return;
  const objectType = objectTypeOf(statement.object);
  if (typeof objectType !== "string" || objectType === "Activity") return;
  for (const key of ["revision", "platform"] as const) {
    if (statement.context[key] !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["context", key],
        message: `context.${key} may only be used when the object is an Activity; this object is ${objectType === "Agent" ? "an Agent" : `a ${objectType}`}: remove context.${key}`,
      });
    }
  }
}

/** A voiding statement must point at the statement it voids with a StatementRef (Data 2.3.2.s2.b1). */
function checkVoiding(statement: unknown, ctx: z.RefinementCtx): void {
  if (!isPlainObject(statement) || !isPlainObject(statement.verb)) return;
  if (statement.verb.id !== VOIDED_VERB) return;
  if (objectTypeOf(statement.object) === "StatementRef") return;
  if (!isPlainObject(statement.object)) return;
  ctx.addIssue({
    code: "custom",
    path: ["object"],
    message: `a voiding statement (verb ${VOIDED_VERB}) must have a StatementRef object: send {"objectType": "StatementRef", "id": "<id of the statement to void>"}`,
  });
}

/** A property a SubStatement must not have (Data 2.4.4.3.s8.b3). */
function notInSubStatement(key: string) {
  return z
    .never({
      error: `a SubStatement must not have ${key === "id" ? "an" : "a"} ${key} (only the statement around it can): remove it`,
    })
    .optional();
}

const objectOptions = [Activity, AgentObject, Group, StatementRef] as const;

/** The object of a SubStatement: anything but another SubStatement (Data 2.4.4.3.s8.b4). */
const SubStatementObject = z.discriminatedUnion("objectType", [
  ...objectOptions,
]);

export const SubStatement = z
  .strictObject({
    objectType: z.literal("SubStatement"),
    actor: Actor,
    verb: Verb,
    object: SubStatementObject,
    result: Result.optional(),
    context: Context.optional(),
    timestamp: timestamp.optional(),
    attachments: z.array(Attachment).optional(),
    id: notInSubStatement("id"),
    stored: notInSubStatement("stored"),
    version: notInSubStatement("version"),
    authority: notInSubStatement("authority"),
  })
  .superRefine(checkContextAgainstObject, { when: () => true });
export type SubStatement = z.infer<typeof SubStatement>;

/** What a statement can be about: chosen by objectType, absent meaning Activity. */
export const StatementObject = z.discriminatedUnion("objectType", [
  ...objectOptions,
  SubStatement,
]);
export type StatementObject = z.infer<typeof StatementObject>;

const version = z
  .string()
  .regex(
    /^(1\.0(\.\d+)?|2\.0(\.\d+)?)$/,
    "must be an xAPI version such as 1.0.3 or 2.0.0 (1.0, 1.0.x, 2.0 or 2.0.x); or leave version out",
  );

/** A statement as a client sends it (Data 2.4), checked against every rule an LRS must enforce. */
export const Statement = z
  .strictObject({
    id: statementId.optional(),
    actor: Actor,
    verb: Verb,
    // Chosen by objectType like Actor, so a bad Activity id is reported at ["object", "id"].
    object: StatementObject,
    result: Result.optional(),
    context: Context.optional(),
    timestamp: timestamp.optional(),
    stored: timestamp.optional(),
    authority: Authority.optional(),
    version: version.optional(),
    attachments: z.array(Attachment).optional(),
  })
  // These rules read the raw shape defensively, so they also run when another part is invalid.
  .superRefine(
    (statement, ctx) => {
      checkContextAgainstObject(statement, ctx);
      checkVoiding(statement, ctx);
    },
    { when: () => true },
  );
export type Statement = z.infer<typeof Statement>;
