// One row per rule of xAPI 1.0.3 Part Two (2.2 formatting, 2.3.2 voiding, 2.4 statement
// properties, 4 special data types) and the 2.0.0 additions, through prepareStatement: the way
// ingest sees them. Each refused row names the path of the property to change and a fragment of the
// plain-words message.
import { createManualClock, type Issue } from "@beklijf/core";

import type { AttachmentPart } from "./attachment-issues";
import { prepareStatement, prepareStatements } from "./prepare";

const clock = createManualClock(new Date("2026-05-04T10:00:00Z"));

const UUID = "3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f";
const SHA1 = "ad1c1b5a7c3f4e2d9b8a7c6d5e4f3a2b1c0d9e8f";
const SHA256 =
  "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a";

const AGENT = {
  objectType: "Agent",
  name: "Anna de Vries",
  mbox: "mailto:anna@example.com",
};
const BOB = { mbox: "mailto:bob@example.com" };
const VERB = {
  id: "http://adlnet.gov/expapi/verbs/completed",
  display: { "en-US": "completed", "nl-NL": "voltooide" },
};
const ACTIVITY = {
  objectType: "Activity",
  id: "https://lms.example.com/course/view.php?id=7",
};
const STATEMENT_REF = { objectType: "StatementRef", id: UUID };
const ANONYMOUS_GROUP = { objectType: "Group", member: [AGENT, BOB] };
const ATTACHMENT = {
  usageType: "http://example.com/attachment-usage/test",
  display: { "en-US": "A test attachment" },
  description: { "en-US": "A test attachment (description)" },
  contentType: "text/plain; charset=ascii",
  length: 27,
  sha2: SHA256,
  fileUrl: "http://over.there.com/file.txt",
};

/** The minimal valid statement every row changes one part of. */
const BASE = { actor: AGENT, verb: VERB, object: ACTIVITY } as const;

function statementWith(
  patch: Record<string, unknown>,
): Record<string, unknown> {
  return { ...BASE, ...patch };
}

function withObject(object: unknown): Record<string, unknown> {
  return statementWith({ object });
}

function withDefinition(definition: unknown): Record<string, unknown> {
  return withObject({ ...ACTIVITY, definition });
}

function withContext(context: unknown): Record<string, unknown> {
  return statementWith({ context });
}

function aSubStatement(
  patch: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    objectType: "SubStatement",
    actor: AGENT,
    verb: { id: "http://example.com/planned" },
    object: ACTIVITY,
    ...patch,
  };
}

function issuesOf(
  statement: unknown,
  attachmentParts?: readonly AttachmentPart[],
): readonly Issue[] {
  const result = prepareStatement(statement, { clock, attachmentParts });
  return result.ok ? [] : result.error;
}

type Accepted = [label: string, statement: unknown];
type Rejected = [
  label: string,
  statement: unknown,
  path: (string | number)[],
  messageFragment: string,
];

function expectAccepted(statement: unknown): void {
  expect(issuesOf(statement)).toEqual([]);
}

function expectRejected(
  statement: unknown,
  path: (string | number)[],
  messageFragment: string,
): void {
  const message: unknown = expect.stringContaining(messageFragment);
  expect(issuesOf(statement)).toContainEqual({ path, message });
}

describe("prepareStatement against the xAPI statement rules", () => {
  it("accepts the minimal statement the other rows start from", () => {
    expectAccepted(BASE);
  });

  describe("formatting (Data 2.2)", () => {
    it.each<Accepted>([
      [
        "null inside result extensions",
        statementWith({
          result: { extensions: { "http://example.com/null": null } },
        }),
      ],
      [
        "null inside context extensions",
        withContext({ extensions: { "http://example.com/null": null } }),
      ],
      [
        "null inside activity extensions",
        withDefinition({ extensions: { "http://example.com/null": null } }),
      ],
      [
        "any JSON inside extensions",
        statementWith({
          result: {
            extensions: {
              "http://example.com/x": { nested: [1, "two", { three: null }] },
            },
          },
        }),
      ],
      [
        "properties in any order",
        { object: ACTIVITY, verb: VERB, actor: AGENT },
      ],
    ])("accepts %s", (_label, statement) => {
      expectAccepted(statement);
    });

    it.each<Rejected>([
      [
        "null as the actor's name",
        statementWith({ actor: { ...AGENT, name: null } }),
        ["actor", "name"],
        "must not be null",
      ],
      [
        "null as a display value",
        statementWith({ verb: { id: VERB.id, display: { "en-US": null } } }),
        ["verb", "display", "en-US"],
        "must not be null",
      ],
      [
        "null as the registration",
        withContext({ registration: null }),
        ["context", "registration"],
        "must not be null",
      ],
      [
        "null as moreInfo",
        withDefinition({ moreInfo: null }),
        ["object", "definition", "moreInfo"],
        "leave the property out instead",
      ],
      [
        "null as the extensions map itself",
        statementWith({ result: { extensions: null } }),
        ["result", "extensions"],
        "must not be null",
      ],
      [
        "a string where a number is required",
        statementWith({ result: { score: { max: "one hundred" } } }),
        ["result", "score", "max"],
        "must be a number",
      ],
      [
        "a string holding a number where a number is required",
        statementWith({ result: { score: { max: "100" } } }),
        ["result", "score", "max"],
        "send 100 without quotes",
      ],
      [
        "a string where a boolean is required",
        statementWith({ result: { success: "We regret" } }),
        ["result", "success"],
        "must be true or false",
      ],
      [
        "a string holding a boolean where a boolean is required",
        statementWith({ result: { completion: "false" } }),
        ["result", "completion"],
        "send false without quotes",
      ],
      [
        'a key in another case ("Actor")',
        { Actor: AGENT, verb: VERB, object: ACTIVITY },
        [],
        'property names are case-sensitive, send "actor"',
      ],
      [
        'a key in another case ("Version")',
        statementWith({ Version: "1.0.3" }),
        [],
        'send "version"',
      ],
      [
        'a nested key in another case ("ID")',
        statementWith({ verb: { ID: VERB.id } }),
        ["verb"],
        'send "id"',
      ],
      [
        "an unknown top-level property",
        statementWith({ grade: "A" }),
        [],
        '"grade" is not allowed here',
      ],
      [
        "an unknown context property",
        withContext({ course: "7" }),
        ["context"],
        '"course" is not allowed here',
      ],
      [
        "an enumerated value in another case",
        withDefinition({ interactionType: "true-faLse" }),
        ["object", "definition", "interactionType"],
        'must be "true-false": values are case-sensitive',
      ],
      [
        "a missing actor",
        { verb: VERB, object: ACTIVITY },
        ["actor"],
        "is required but missing",
      ],
      [
        "a missing verb",
        { actor: AGENT, object: ACTIVITY },
        ["verb"],
        "is required but missing",
      ],
      [
        "a missing object",
        { actor: AGENT, verb: VERB },
        ["object"],
        "is required but missing",
      ],
      ["a statement that is no object", "completed", [], "must be an object"],
      [
        "an empty string where an IRI is required",
        statementWith({ verb: { id: "" } }),
        ["verb", "id"],
        "must be an IRI",
      ],
      [
        "an IRI without a valid scheme",
        withObject({ id: "ab=c://should.fail.com" }),
        ["object", "id"],
        "must be an IRI",
      ],
      [
        "an IRI with a space",
        withObject({ id: "https://lms.example.com/course 7" }),
        ["object", "id"],
        "must be an IRI",
      ],
    ])("refuses %s", (_label, statement, path, fragment) => {
      expectRejected(statement, path, fragment);
    });
  });

  describe("actor: Agents and Groups (Data 2.4.2)", () => {
    it.each<Accepted>([
      ["an Agent without objectType", statementWith({ actor: BOB })],
      [
        "an Agent with an account",
        statementWith({
          actor: {
            account: { homePage: "https://moodle.example.com", name: "42" },
          },
        }),
      ],
      [
        "an Agent with an mbox_sha1sum in upper case",
        statementWith({ actor: { mbox_sha1sum: SHA1.toUpperCase() } }),
      ],
      ["an anonymous Group", statementWith({ actor: ANONYMOUS_GROUP })],
      [
        "an identified Group with members",
        statementWith({
          actor: {
            objectType: "Group",
            name: "Team PB",
            openid: "https://openid.example.com/team-pb",
            member: [AGENT, { objectType: "Agent", ...BOB }],
          },
        }),
      ],
    ])("accepts %s", (_label, statement) => {
      expectAccepted(statement);
    });

    it.each<Rejected>([
      [
        "an Agent without an identifier",
        statementWith({ actor: { name: "Anna" } }),
        ["actor"],
        "exactly one of mbox, mbox_sha1sum, openid or account; it has none",
      ],
      [
        "an Agent with mbox and account",
        statementWith({
          actor: {
            ...BOB,
            account: { homePage: "http://www.example.com", name: "bob" },
          },
        }),
        ["actor"],
        "it has 2 (mbox and account): keep one",
      ],
      [
        "an mbox that is an http IRI",
        statementWith({ actor: { mbox: "http://should.fail.com" } }),
        ["actor", "mbox"],
        "must be mailto: followed by an email address",
      ],
      [
        "an mbox without an address",
        statementWith({ actor: { mbox: "mailto:should.fail.com" } }),
        ["actor", "mbox"],
        "must be mailto:",
      ],
      [
        "an mbox_sha1sum that is no string",
        statementWith({ actor: { mbox_sha1sum: { key: "value" } } }),
        ["actor", "mbox_sha1sum"],
        "must be a string",
      ],
      [
        "an openid that is no URI",
        statementWith({ actor: { openid: "ab=c://should.fail.com" } }),
        ["actor", "openid"],
        "must be an IRI",
      ],
      [
        "an account homePage that is no IRL",
        statementWith({
          actor: { account: { homePage: "ab=c://x", name: "anna" } },
        }),
        ["actor", "account", "homePage"],
        "must be an IRL",
      ],
      [
        "an account homePage without a host",
        statementWith({
          actor: { account: { homePage: "https://", name: "anna" } },
        }),
        ["actor", "account", "homePage"],
        "must be an IRL",
      ],
      [
        "an account name that is no string",
        statementWith({
          actor: {
            account: { homePage: "https://lms.example.com", name: { a: 1 } },
          },
        }),
        ["actor", "account", "name"],
        "must be a string, not an object",
      ],
      [
        "an account without a name",
        statementWith({
          actor: { account: { homePage: "https://lms.example.com" } },
        }),
        ["actor", "account", "name"],
        "is required but missing",
      ],
      [
        "an unknown account property",
        statementWith({
          actor: {
            account: {
              homePage: "https://lms.example.com",
              name: "anna",
              id: 7,
            },
          },
        }),
        ["actor", "account"],
        '"id" is not allowed here',
      ],
      [
        'an actor objectType in another case ("agent")',
        statementWith({ actor: { ...AGENT, objectType: "agent" } }),
        ["actor", "objectType"],
        'objectType must be "Agent": values are case-sensitive',
      ],
      [
        "an unknown actor objectType",
        statementWith({ actor: { ...AGENT, objectType: "Person" } }),
        ["actor", "objectType"],
        'must be "Agent" (or left out) or "Group"',
      ],
      [
        "members on an Agent (no objectType Group)",
        statementWith({ actor: { member: [AGENT] } }),
        ["actor"],
        '"member" is not allowed here',
      ],
      [
        "an anonymous Group without members",
        statementWith({ actor: { objectType: "Group", name: "Team" } }),
        ["actor"],
        "an anonymous Group must list its members",
      ],
      [
        "a Group member list that is no array",
        statementWith({ actor: { objectType: "Group", member: AGENT } }),
        ["actor", "member"],
        "must be an array",
      ],
      [
        "a Group inside a Group",
        statementWith({
          actor: { objectType: "Group", member: [ANONYMOUS_GROUP] },
        }),
        ["actor", "member", 0, "objectType"],
        "a Group cannot contain Groups",
      ],
      [
        "a Group member without an identifier",
        statementWith({
          actor: { objectType: "Group", member: [{ name: "Anna" }] },
        }),
        ["actor", "member", 0],
        "exactly one of mbox",
      ],
      [
        "an identified Group with two identifiers",
        statementWith({
          actor: {
            objectType: "Group",
            mbox: "mailto:team@example.com",
            mbox_sha1sum: SHA1,
          },
        }),
        ["actor"],
        "at most one of mbox, mbox_sha1sum, openid or account",
      ],
    ])("refuses %s", (_label, statement, path, fragment) => {
      expectRejected(statement, path, fragment);
    });
  });

  describe("verb (Data 2.4.3)", () => {
    it.each<Accepted>([
      ["a verb without display", statementWith({ verb: { id: VERB.id } })],
      [
        "an IRI with non-ASCII characters",
        statementWith({ verb: { id: "http://example.com/فعل/خواندن" } }),
      ],
    ])("accepts %s", (_label, statement) => {
      expectAccepted(statement);
    });

    it.each<Rejected>([
      [
        "a verb without id",
        statementWith({ verb: { display: VERB.display } }),
        ["verb", "id"],
        "is required but missing",
      ],
      [
        "a verb id that is no IRI",
        statementWith({ verb: { id: "completed" } }),
        ["verb", "id"],
        "e.g. http://adlnet.gov/expapi/verbs/completed",
      ],
      [
        "a display that is no language map",
        statementWith({ verb: { id: VERB.id, display: "completed" } }),
        ["verb", "display"],
        "must be an object",
      ],
      [
        "a display key with two regions",
        statementWith({
          verb: { id: VERB.id, display: { "de-419-DE": "besucht" } },
        }),
        ["verb", "display", "de-419-DE"],
        "must be an RFC 5646 language tag",
      ],
      [
        "a display value that is no string",
        statementWith({ verb: { id: VERB.id, display: { "en-US": 1 } } }),
        ["verb", "display", "en-US"],
        "must be a string",
      ],
    ])("refuses %s", (_label, statement, path, fragment) => {
      expectRejected(statement, path, fragment);
    });
  });

  describe("object: Activities and interactions (Data 2.4.4.1)", () => {
    const component = (id: string) => ({
      id,
      description: { "en-US": `Option ${id}` },
    });

    it.each<Accepted>([
      ["an Activity without objectType", withObject({ id: ACTIVITY.id })],
      [
        "a full definition",
        withDefinition({
          name: { "nl-NL": "Feedback geven", "en-US": "Giving feedback" },
          description: { "en-US": "A course" },
          type: "http://adlnet.gov/expapi/activities/course",
          moreInfo: "https://lms.example.com/course/view.php?id=7",
          extensions: { "https://w3id.org/xapi/cmi5/context/extensions/x": 1 },
        }),
      ],
      [
        "a true-false interaction",
        withDefinition({
          interactionType: "true-false",
          correctResponsesPattern: ["true"],
        }),
      ],
      [
        "a choice interaction with choices",
        withDefinition({
          interactionType: "choice",
          correctResponsesPattern: ["golf[,]tetris"],
          choices: [component("golf"), component("tetris")],
        }),
      ],
      [
        "a sequencing interaction with choices",
        withDefinition({
          interactionType: "sequencing",
          choices: [component("a"), component("b")],
        }),
      ],
      [
        "a likert interaction with a scale",
        withDefinition({
          interactionType: "likert",
          scale: [component("likert_0"), component("likert_1")],
        }),
      ],
      [
        "a matching interaction with source and target",
        withDefinition({
          interactionType: "matching",
          correctResponsesPattern: ["ben[.]3"],
          source: [component("ben")],
          target: [component("3")],
        }),
      ],
      [
        "a performance interaction with steps",
        withDefinition({
          interactionType: "performance",
          steps: [component("pong")],
        }),
      ],
      [
        "fill-in, long-fill-in, numeric and other without lists",
        withDefinition({
          interactionType: "numeric",
          correctResponsesPattern: ["4[:]"],
        }),
      ],
      [
        "an empty correctResponsesPattern (no answer is correct)",
        withDefinition({
          interactionType: "fill-in",
          correctResponsesPattern: [],
        }),
      ],
    ])("accepts %s", (_label, statement) => {
      expectAccepted(statement);
    });

    it.each<Rejected>([
      [
        "an Activity without id",
        withObject({ objectType: "Activity" }),
        ["object", "id"],
        "is required but missing",
      ],
      [
        "an Agent sent as the object without objectType",
        withObject(BOB),
        ["object"],
        'add "objectType": "Agent"',
      ],
      [
        "an unknown objectType",
        withObject({ objectType: "Course", id: ACTIVITY.id }),
        ["object", "objectType"],
        'objectType must be "Activity" (or left out), "Agent", "Group", "StatementRef" or "SubStatement"',
      ],
      [
        "a definition that is no object",
        withDefinition("course"),
        ["object", "definition"],
        "must be an object",
      ],
      [
        "a name that is no language map",
        withDefinition({ name: 12345 }),
        ["object", "definition", "name"],
        "must be an object",
      ],
      [
        "a description with an invalid language tag",
        withDefinition({ description: { "a-DE": "x" } }),
        ["object", "definition", "description", "a-DE"],
        "RFC 5646",
      ],
      [
        "a type that is no IRI",
        withDefinition({ type: "course" }),
        ["object", "definition", "type"],
        "must be an IRI",
      ],
      [
        "a moreInfo that is no IRL",
        withDefinition({ moreInfo: "should fail" }),
        ["object", "definition", "moreInfo"],
        "must be an IRL",
      ],
      [
        "an unknown definition property",
        withDefinition({ duration: "PT1H" }),
        ["object", "definition"],
        '"duration" is not allowed here',
      ],
      [
        "extensions that are no object",
        withDefinition({ extensions: "should fail" }),
        ["object", "definition", "extensions"],
        "must be an object",
      ],
      [
        "an extension key that is no IRI",
        withDefinition({ extensions: { id: "valid" } }),
        ["object", "definition", "extensions", "id"],
        "extension key",
      ],
      [
        "an unknown interactionType",
        withDefinition({ interactionType: "dropdown" }),
        ["object", "definition", "interactionType"],
        'must be "true-false", "choice"',
      ],
      [
        "an interactionType that is no string",
        withDefinition({ interactionType: 12345 }),
        ["object", "definition", "interactionType"],
        "must be",
      ],
      [
        "a correctResponsesPattern that is no array",
        withDefinition({
          interactionType: "fill-in",
          correctResponsesPattern: "Bob",
        }),
        ["object", "definition", "correctResponsesPattern"],
        "must be an array",
      ],
      [
        "a correctResponsesPattern with a number",
        withDefinition({
          interactionType: "numeric",
          correctResponsesPattern: [4],
        }),
        ["object", "definition", "correctResponsesPattern", 0],
        "must be a string",
      ],
      [
        "choices that are no array",
        withDefinition({ interactionType: "choice", choices: component("a") }),
        ["object", "definition", "choices"],
        "must be an array",
      ],
      [
        "a choice that is no object",
        withDefinition({ interactionType: "choice", choices: ["a"] }),
        ["object", "definition", "choices", 0],
        "must be an object",
      ],
      [
        "an interaction component without id",
        withDefinition({
          interactionType: "likert",
          scale: [{ description: { "en-US": "x" } }],
        }),
        ["object", "definition", "scale", 0, "id"],
        "is required but missing",
      ],
      [
        "an interaction component id that is no string",
        withDefinition({
          interactionType: "matching",
          source: [{ id: { test: "value" } }],
        }),
        ["object", "definition", "source", 0, "id"],
        "must be a string",
      ],
      [
        "an interaction component description that is no language map",
        withDefinition({
          interactionType: "performance",
          steps: [{ id: "a", description: "should error" }],
        }),
        ["object", "definition", "steps", 0, "description"],
        "must be an object",
      ],
      [
        "an unknown interaction component property",
        withDefinition({
          interactionType: "choice",
          choices: [{ id: "a", correct: true }],
        }),
        ["object", "definition", "choices", 0],
        '"correct" is not allowed here',
      ],
      [
        "two interaction components with one id",
        withDefinition({
          interactionType: "choice",
          choices: [component("valid"), component("valid")],
        }),
        ["object", "definition", "choices", 1, "id"],
        "ids must be distinct within choices",
      ],
      [
        "a component list the interactionType does not use",
        withDefinition({
          interactionType: "choice",
          scale: [component("likert_0")],
        }),
        ["object", "definition", "scale"],
        '"choice" uses choices: remove scale',
      ],
      [
        "a component list on an interaction without lists",
        withDefinition({
          interactionType: "true-false",
          choices: [component("a")],
        }),
        ["object", "definition", "choices"],
        '"true-false" takes no interaction component lists',
      ],
      [
        "interaction properties without interactionType",
        withDefinition({ correctResponsesPattern: ["true"] }),
        ["object", "definition", "correctResponsesPattern"],
        "add an interactionType",
      ],
    ])("refuses %s", (_label, statement, path, fragment) => {
      expectRejected(statement, path, fragment);
    });
  });

  describe("object: Agents, Groups and StatementRefs (Data 2.4.4.2, 2.4.4.3)", () => {
    it.each<Accepted>([
      ["an Agent", withObject({ objectType: "Agent", ...BOB })],
      ["an anonymous Group", withObject(ANONYMOUS_GROUP)],
      ["a StatementRef", withObject(STATEMENT_REF)],
      [
        "a StatementRef with an upper-case UUID",
        withObject({ objectType: "StatementRef", id: UUID.toUpperCase() }),
      ],
    ])("accepts %s", (_label, statement) => {
      expectAccepted(statement);
    });

    it.each<Rejected>([
      [
        "an Agent object without an identifier",
        withObject({ objectType: "Agent", name: "Bob" }),
        ["object"],
        "exactly one of mbox",
      ],
      [
        "a StatementRef whose id is no UUID",
        withObject({ objectType: "StatementRef", id: "statement-1" }),
        ["object", "id"],
        "must be a UUID",
      ],
      [
        "a StatementRef id with too many digits",
        withObject({
          objectType: "StatementRef",
          id: "AA97B177-9383-4934-8543-0F91A7A028368",
        }),
        ["object", "id"],
        "must be a UUID",
      ],
      [
        "a StatementRef without id",
        withObject({ objectType: "StatementRef" }),
        ["object", "id"],
        "is required but missing",
      ],
      [
        "a StatementRef with a definition",
        withObject({ ...STATEMENT_REF, definition: { type: ACTIVITY.id } }),
        ["object"],
        '"definition" is not allowed here',
      ],
      [
        'objectType "statementref" in another case',
        withObject({ objectType: "statementref", id: UUID }),
        ["object", "objectType"],
        'must be "StatementRef": values are case-sensitive',
      ],
    ])("refuses %s", (_label, statement, path, fragment) => {
      expectRejected(statement, path, fragment);
    });
  });

  describe("object: SubStatements (Data 2.4.4.3)", () => {
    it.each<Accepted>([
      ["a SubStatement about an Activity", withObject(aSubStatement())],
      [
        "a SubStatement about an Agent",
        withObject(aSubStatement({ object: { objectType: "Agent", ...BOB } })),
      ],
      [
        "a SubStatement about a StatementRef",
        withObject(aSubStatement({ object: STATEMENT_REF })),
      ],
      [
        "a SubStatement with result, context and a future timestamp",
        withObject(
          aSubStatement({
            result: { completion: true },
            context: { registration: UUID, platform: "Moodle" },
            timestamp: "2099-01-01T00:00:00Z",
          }),
        ),
      ],
    ])("accepts %s", (_label, statement) => {
      expectAccepted(statement);
    });

    it.each<Rejected>([
      [
        "a SubStatement inside a SubStatement",
        withObject(aSubStatement({ object: aSubStatement() })),
        ["object", "object", "objectType"],
        "a SubStatement cannot contain another SubStatement",
      ],
      [
        "a SubStatement with an id",
        withObject(aSubStatement({ id: UUID })),
        ["object", "id"],
        "a SubStatement must not have an id",
      ],
      [
        "a SubStatement with stored",
        withObject(aSubStatement({ stored: "2013-05-18T05:32:34.804Z" })),
        ["object", "stored"],
        "must not have a stored",
      ],
      [
        "a SubStatement with a version",
        withObject(aSubStatement({ version: "1.0.0" })),
        ["object", "version"],
        "must not have a version",
      ],
      [
        "a SubStatement with an authority",
        withObject(aSubStatement({ authority: AGENT })),
        ["object", "authority"],
        "must not have a authority",
      ],
      [
        "a SubStatement without actor",
        withObject(aSubStatement({ actor: undefined })),
        ["object", "actor"],
        "is required but missing",
      ],
      [
        "a SubStatement without verb",
        withObject(aSubStatement({ verb: undefined })),
        ["object", "verb"],
        "is required but missing",
      ],
      [
        "a SubStatement without object",
        withObject(aSubStatement({ object: undefined })),
        ["object", "object"],
        "is required but missing",
      ],
      [
        "a SubStatement with an invalid actor",
        withObject(aSubStatement({ actor: { mbox: "anna@example.com" } })),
        ["object", "actor", "mbox"],
        "must be mailto:",
      ],
      [
        "a SubStatement with an Activity id that is no IRI",
        withObject(aSubStatement({ object: { id: "ab=c://x" } })),
        ["object", "object", "id"],
        "must be an IRI",
      ],
      [
        "a SubStatement whose context has revision but whose object is an Agent",
        withObject(
          aSubStatement({
            object: { objectType: "Agent", ...BOB },
            context: { revision: "2" },
          }),
        ),
        ["object", "context", "revision"],
        "only be used when the object is an Activity",
      ],
      [
        'objectType "substatement" in another case',
        withObject(aSubStatement({ objectType: "substatement" })),
        ["object", "objectType"],
        'must be "SubStatement": values are case-sensitive',
      ],
    ])("refuses %s", (_label, statement, path, fragment) => {
      expectRejected(statement, path, fragment);
    });
  });

  describe("result (Data 2.4.5)", () => {
    it.each<Accepted>([
      [
        "a full result",
        statementWith({
          result: {
            score: { scaled: 0.95, raw: 95, min: 0, max: 100 },
            success: true,
            completion: true,
            response: "We agreed on some example actions.",
            duration: "PT1H0M0S",
            extensions: { "http://example.com/minutes": "X:\\minutes" },
          },
        }),
      ],
      [
        "scaled 0.6767676",
        statementWith({ result: { score: { scaled: 0.6767676 } } }),
      ],
      [
        "a raw score alone",
        statementWith({ result: { score: { raw: -42.5 } } }),
      ],
      ["duration P4W", statementWith({ result: { duration: "P4W" } })],
      [
        "duration PT16559.14S",
        statementWith({ result: { duration: "PT16559.14S" } }),
      ],
      [
        "duration P3Y1M29DT4H35M59.14S",
        statementWith({ result: { duration: "P3Y1M29DT4H35M59.14S" } }),
      ],
      [
        "duration with a decimal comma",
        statementWith({ result: { duration: "PT1,5S" } }),
      ],
    ])("accepts %s", (_label, statement) => {
      expectAccepted(statement);
    });

    it.each<Rejected>([
      [
        "a score that is no object",
        statementWith({ result: { score: 12345 } }),
        ["result", "score"],
        "must be an object",
      ],
      [
        "scaled 1.01",
        statementWith({ result: { score: { scaled: 1.01 } } }),
        ["result", "score", "scaled"],
        "must be at most 1",
      ],
      [
        "scaled -1.00001",
        statementWith({ result: { score: { scaled: -1.00001 } } }),
        ["result", "score", "scaled"],
        "must be at least -1",
      ],
      [
        "raw above max",
        statementWith({ result: { score: { raw: 0.68, max: 0.66 } } }),
        ["result", "score"],
        "raw must lie between min and max",
      ],
      [
        "raw below min",
        statementWith({ result: { score: { raw: 0.68, min: 1.4 } } }),
        ["result", "score"],
        "raw must lie between min and max",
      ],
      [
        "min above max",
        statementWith({ result: { score: { min: 0.68, max: 0.67 } } }),
        ["result", "score"],
        "min must not exceed max",
      ],
      [
        "an unknown score property",
        statementWith({ result: { score: { percent: 95 } } }),
        ["result", "score"],
        '"percent" is not allowed here',
      ],
      [
        "a response that is no string",
        statementWith({ result: { response: 42 } }),
        ["result", "response"],
        "must be a string",
      ],
      [
        "a duration that is no ISO 8601 duration",
        statementWith({ result: { duration: "PA1H0M0S" } }),
        ["result", "duration"],
        "must be an ISO 8601 duration",
      ],
      [
        "a duration combining weeks and days",
        statementWith({ result: { duration: "P4W1D" } }),
        ["result", "duration"],
        "weeks cannot be combined",
      ],
      [
        "a duration with a fraction before the last unit",
        statementWith({ result: { duration: "PT0.5H30M" } }),
        ["result", "duration"],
        "only the last unit may have a fraction",
      ],
      [
        "a duration in the alternative format",
        statementWith({ result: { duration: "P0003-01-29T04:35:59" } }),
        ["result", "duration"],
        "ISO 8601 duration",
      ],
      [
        "a duration that is a number",
        statementWith({ result: { duration: 12345 } }),
        ["result", "duration"],
        "must be a string",
      ],
    ])("refuses %s", (_label, statement, path, fragment) => {
      expectRejected(statement, path, fragment);
    });
  });

  describe("context (Data 2.4.6)", () => {
    it.each<Accepted>([
      ["an instructor Agent", withContext({ instructor: BOB })],
      ["an instructor Group", withContext({ instructor: ANONYMOUS_GROUP })],
      ["a team", withContext({ team: ANONYMOUS_GROUP })],
      [
        "every kind of contextActivities, as arrays",
        withContext({
          contextActivities: {
            parent: [ACTIVITY],
            grouping: [{ id: "https://lms.example.com/programme/1" }],
            category: [
              { id: "https://w3id.org/xapi/cmi5/context/categories/cmi5" },
            ],
            other: [ACTIVITY, { id: "https://lms.example.com/x" }],
          },
        }),
      ],
      [
        "a single contextActivities Activity",
        withContext({ contextActivities: { parent: ACTIVITY } }),
      ],
      [
        "revision and platform with an Activity object",
        withContext({ revision: "1.2", platform: "Moodle" }),
      ],
      ["language cmn", withContext({ language: "cmn" })],
      ["language zh-Hans-CN", withContext({ language: "zh-Hans-CN" })],
      ["a context statement", withContext({ statement: STATEMENT_REF })],
    ])("accepts %s", (_label, statement) => {
      expectAccepted(statement);
    });

    it.each<Rejected>([
      [
        "a registration that is no UUID",
        withContext({ registration: "should fail" }),
        ["context", "registration"],
        "must be a UUID",
      ],
      [
        "an instructor that is a string",
        withContext({ instructor: "should fail" }),
        ["context", "instructor"],
        "must be an object",
      ],
      [
        "a team that is an Agent",
        withContext({ team: AGENT }),
        ["context", "team", "objectType"],
        'must be "Group"',
      ],
      [
        "contextActivities that are a string",
        withContext({ contextActivities: "should fail" }),
        ["context", "contextActivities"],
        "must be an object",
      ],
      [
        "empty contextActivities",
        withContext({ contextActivities: {} }),
        ["context", "contextActivities"],
        "contextActivities must not be empty",
      ],
      [
        "a contextActivities key that is not parent, grouping, category or other",
        withContext({ contextActivities: { parents: [ACTIVITY] } }),
        ["context", "contextActivities"],
        '"parents" is not allowed here',
      ],
      [
        "a contextActivities array holding no Activity",
        withContext({
          contextActivities: { other: [ACTIVITY, { key: "should fail" }] },
        }),
        ["context", "contextActivities", "other", 1, "id"],
        "is required but missing",
      ],
      [
        "a contextActivities Activity with a bad id, by its index",
        withContext({ contextActivities: { parent: [{ id: "bad iri" }] } }),
        ["context", "contextActivities", "parent", 0, "id"],
        "must be an IRI",
      ],
      [
        "a single contextActivities Activity with a bad id, without an index",
        withContext({ contextActivities: { grouping: { id: "bad iri" } } }),
        ["context", "contextActivities", "grouping", "id"],
        "must be an IRI",
      ],
      [
        "a contextActivities Agent",
        withContext({
          contextActivities: { category: [{ objectType: "Agent", ...BOB }] },
        }),
        ["context", "contextActivities", "category", 0, "objectType"],
        'must be "Activity"',
      ],
      [
        "a revision that is no string",
        withContext({ revision: 12345 }),
        ["context", "revision"],
        "must be a string",
      ],
      [
        "revision with an Agent object",
        {
          ...withObject({ objectType: "Agent", ...BOB }),
          context: { revision: "1" },
        },
        ["context", "revision"],
        "this object is an Agent: remove context.revision",
      ],
      [
        "revision with a Group object",
        { ...withObject(ANONYMOUS_GROUP), context: { revision: "1" } },
        ["context", "revision"],
        "this object is a Group",
      ],
      [
        "revision with a StatementRef object",
        { ...withObject(STATEMENT_REF), context: { revision: "1" } },
        ["context", "revision"],
        "this object is a StatementRef",
      ],
      [
        "revision with a SubStatement object",
        { ...withObject(aSubStatement()), context: { revision: "1" } },
        ["context", "revision"],
        "this object is a SubStatement",
      ],
      [
        "platform with an Agent object",
        {
          ...withObject({ objectType: "Agent", ...BOB }),
          context: { platform: "Moodle" },
        },
        ["context", "platform"],
        "context.platform may only be used when the object is an Activity",
      ],
      [
        "platform with a StatementRef object",
        { ...withObject(STATEMENT_REF), context: { platform: "Moodle" } },
        ["context", "platform"],
        "remove context.platform",
      ],
      [
        "a language that is no string",
        withContext({ language: { a12345: "should fail" } }),
        ["context", "language"],
        "must be a string",
      ],
      [
        "a language that is no RFC 5646 tag",
        withContext({ language: "something" }),
        ["context", "language"],
        "must be an RFC 5646 language tag",
      ],
      [
        "a context statement with objectType in another case",
        withContext({ statement: { objectType: "statementref", id: UUID } }),
        ["context", "statement", "objectType"],
        'must be "StatementRef"',
      ],
      [
        "a context statement whose id is no UUID",
        withContext({ statement: { objectType: "StatementRef", id: "x" } }),
        ["context", "statement", "id"],
        "must be a UUID",
      ],
      [
        "context extensions with a key that is no IRI",
        withContext({ extensions: { altitude: 1200 } }),
        ["context", "extensions", "altitude"],
        "must be an IRI",
      ],
    ])("refuses %s", (_label, statement, path, fragment) => {
      expectRejected(statement, path, fragment);
    });
  });

  describe("context agents and groups (xAPI 2.0.0)", () => {
    it.each<Accepted>([
      [
        "contextAgents and contextGroups",
        withContext({
          contextAgents: [
            {
              objectType: "contextAgent",
              agent: BOB,
              relevantTypes: ["https://example.com/xapi/roles/coach"],
            },
          ],
          contextGroups: [
            { objectType: "contextGroup", group: ANONYMOUS_GROUP },
          ],
        }),
      ],
    ])("accepts %s", (_label, statement) => {
      expectAccepted(statement);
    });

    it.each<Rejected>([
      [
        "a contextAgent with another objectType",
        withContext({
          contextAgents: [{ objectType: "Should fail", agent: BOB }],
        }),
        ["context", "contextAgents", 0, "objectType"],
        'must be "contextAgent"',
      ],
      [
        "a contextAgent whose agent is invalid",
        withContext({
          contextAgents: [{ objectType: "contextAgent", agent: { key: "x" } }],
        }),
        ["context", "contextAgents", 0, "agent"],
        '"key" is not allowed here',
      ],
      [
        "empty relevantTypes",
        withContext({
          contextAgents: [
            { objectType: "contextAgent", agent: BOB, relevantTypes: [] },
          ],
        }),
        ["context", "contextAgents", 0, "relevantTypes"],
        "must list at least one Activity type IRI",
      ],
      [
        "relevantTypes that are no IRIs",
        withContext({
          contextGroups: [
            {
              objectType: "contextGroup",
              group: ANONYMOUS_GROUP,
              relevantTypes: ["abc"],
            },
          ],
        }),
        ["context", "contextGroups", 0, "relevantTypes", 0],
        "must be an IRI",
      ],
    ])("refuses %s", (_label, statement, path, fragment) => {
      expectRejected(statement, path, fragment);
    });
  });

  describe("id, timestamp, stored and version (Data 2.4.1, 2.4.7, 2.4.8, 2.4.10, 4.5)", () => {
    it.each<Accepted>([
      ["an id", statementWith({ id: UUID })],
      [
        "a basic-format timestamp",
        statementWith({ timestamp: "20260504T100000Z" }),
      ],
      [
        "a timestamp with microseconds",
        statementWith({ timestamp: "2026-05-04T10:00:00.123456Z" }),
      ],
      [
        "a future timestamp",
        statementWith({ timestamp: "2099-05-04T10:00:00Z" }),
      ],
      [
        "a stored time, which beklijf overwrites",
        statementWith({ stored: "2013-05-18T05:32:34.804Z" }),
      ],
      ["version 1.0", statementWith({ version: "1.0" })],
      ["version 1.0.9", statementWith({ version: "1.0.9" })],
      ["version 2.0.0", statementWith({ version: "2.0.0" })],
    ])("accepts %s", (_label, statement) => {
      expectAccepted(statement);
    });

    it.each<Rejected>([
      [
        "an id that is a number",
        statementWith({ id: 12345 }),
        ["id"],
        "must be a string",
      ],
      [
        "an id with a letter outside a-f",
        statementWith({ id: "MA97B177-9383-4934-8543-0F91A7A02836" }),
        ["id"],
        "must be a UUID of RFC 4122 variant 2",
      ],
      [
        "a timestamp that is a word",
        statementWith({ timestamp: "should fail" }),
        ["timestamp"],
        "must be an ISO 8601 timestamp",
      ],
      [
        "a timestamp in US notation",
        statementWith({ timestamp: "01/011/2015" }),
        ["timestamp"],
        "ISO 8601",
      ],
      [
        "a timestamp with offset -00",
        statementWith({ timestamp: "2008-09-15T15:53:00.601-00" }),
        ["timestamp"],
        "must not use the offset -00:00",
      ],
      [
        "a timestamp with offset -0000",
        statementWith({ timestamp: "2008-09-15T15:53:00.601-0000" }),
        ["timestamp"],
        "send Z or +00:00 for UTC",
      ],
      [
        "a timestamp with an offset of 25 hours",
        statementWith({ timestamp: "2026-05-04T10:00:00+25:00" }),
        ["timestamp"],
        "real time zone offset",
      ],
      [
        "a stored time that is a word",
        statementWith({ stored: "yesterday" }),
        ["stored"],
        "ISO 8601",
      ],
      [
        "version 0.9.9",
        statementWith({ version: "0.9.9" }),
        ["version"],
        "must be an xAPI version",
      ],
      [
        "version 1.1.0",
        statementWith({ version: "1.1.0" }),
        ["version"],
        "must be an xAPI version",
      ],
      [
        "a version that is a word",
        statementWith({ version: "should fail" }),
        ["version"],
        "1.0.3 or 2.0.0",
      ],
    ])("refuses %s", (_label, statement, path, fragment) => {
      expectRejected(statement, path, fragment);
    });
  });

  describe("authority (Data 2.4.9)", () => {
    it.each<Accepted>([
      ["an Agent", statementWith({ authority: AGENT })],
      [
        "an OAuth Group of application and user",
        statementWith({
          authority: {
            objectType: "Group",
            member: [
              {
                account: {
                  homePage: "http://example.com/xAPI/OAuth/Token",
                  name: "oauth_consumer_x75db",
                },
              },
              { mbox: "mailto:bob@example.com" },
            ],
          },
        }),
      ],
    ])("accepts %s", (_label, statement) => {
      expectAccepted(statement);
    });

    it.each<Rejected>([
      [
        "an identified Group",
        statementWith({
          authority: {
            ...ANONYMOUS_GROUP,
            openid: "http://openid.example.org/12345",
          },
        }),
        ["authority"],
        "an authority Group must be anonymous",
      ],
      [
        "a Group of one",
        statementWith({ authority: { objectType: "Group", member: [BOB] } }),
        ["authority"],
        "exactly two members",
      ],
      [
        "a Group of three",
        statementWith({
          authority: {
            objectType: "Group",
            member: [AGENT, BOB, { mbox: "mailto:c@example.com" }],
          },
        }),
        ["authority"],
        "it has 3",
      ],
      [
        "an Agent whose mbox is no mailto IRI",
        statementWith({ authority: { mbox: "http://should.fail.com" } }),
        ["authority", "mbox"],
        "must be mailto:",
      ],
      [
        'objectType "group" in another case',
        statementWith({
          authority: { ...ANONYMOUS_GROUP, objectType: "group" },
        }),
        ["authority", "objectType"],
        'must be "Group": values are case-sensitive',
      ],
    ])("refuses %s", (_label, statement, path, fragment) => {
      expectRejected(statement, path, fragment);
    });
  });

  describe("voiding (Data 2.3.2)", () => {
    const voided = {
      id: "http://adlnet.gov/expapi/verbs/voided",
      display: { "en-US": "voided" },
    };

    it("accepts a voiding statement with a StatementRef", () => {
      expectAccepted(statementWith({ verb: voided, object: STATEMENT_REF }));
    });

    it.each<Rejected>([
      [
        "a voiding statement about an Activity",
        statementWith({ verb: voided }),
        ["object"],
        'must have a StatementRef object: send {"objectType": "StatementRef"',
      ],
      [
        "a voiding statement about a SubStatement",
        statementWith({ verb: voided, object: aSubStatement() }),
        ["object"],
        "must have a StatementRef object",
      ],
    ])("refuses %s", (_label, statement, path, fragment) => {
      expectRejected(statement, path, fragment);
    });
  });

  describe("attachments (Data 2.4.11, 2.6)", () => {
    it.each<Accepted>([
      [
        "an attachment with a fileUrl",
        statementWith({ attachments: [ATTACHMENT] }),
      ],
      [
        "an attachment with a German display",
        statementWith({
          attachments: [
            { ...ATTACHMENT, display: { de: "Eine Testbefestigung" } },
          ],
        }),
      ],
    ])("accepts %s", (_label, statement) => {
      expectAccepted(statement);
    });

    it.each<Rejected>([
      [
        "attachments that are no array",
        statementWith({ attachments: ATTACHMENT }),
        ["attachments"],
        "must be an array",
      ],
      [
        "an attachment that is a number",
        statementWith({ attachments: [12345] }),
        ["attachments", 0],
        "must be an object",
      ],
      [
        "an attachment without fileUrl in a JSON request",
        statementWith({ attachments: [{ ...ATTACHMENT, fileUrl: undefined }] }),
        ["attachments", 0, "fileUrl"],
        "an attachment in an application/json request needs a fileUrl",
      ],
      [
        "a SubStatement attachment without fileUrl in a JSON request",
        withObject(
          aSubStatement({
            attachments: [{ ...ATTACHMENT, fileUrl: undefined }],
          }),
        ),
        ["object", "attachments", 0, "fileUrl"],
        "needs a fileUrl",
      ],
      [
        "a usageType that is no IRI",
        statementWith({
          attachments: [{ ...ATTACHMENT, usageType: "should fail" }],
        }),
        ["attachments", 0, "usageType"],
        "must be an IRI",
      ],
      [
        "a contentType that is no media type",
        statementWith({
          attachments: [{ ...ATTACHMENT, contentType: "should fail" }],
        }),
        ["attachments", 0, "contentType"],
        "must be an Internet media type",
      ],
      [
        "a length that is a string",
        statementWith({
          attachments: [{ ...ATTACHMENT, length: "should fail" }],
        }),
        ["attachments", 0, "length"],
        "must be a number",
      ],
      [
        "a length with a fraction",
        statementWith({ attachments: [{ ...ATTACHMENT, length: 27.5 }] }),
        ["attachments", 0, "length"],
        "must be a whole number",
      ],
      [
        "a sha2 that is a number",
        statementWith({ attachments: [{ ...ATTACHMENT, sha2: 12345 }] }),
        ["attachments", 0, "sha2"],
        "must be a string",
      ],
      [
        "a sha2 that is no SHA-2 hash",
        statementWith({ attachments: [{ ...ATTACHMENT, sha2: "abc" }] }),
        ["attachments", 0, "sha2"],
        "must be the hex SHA-2 hash",
      ],
      [
        "a fileUrl that is no IRL",
        statementWith({
          attachments: [{ ...ATTACHMENT, fileUrl: "should fail" }],
        }),
        ["attachments", 0, "fileUrl"],
        "must be an IRL",
      ],
      [
        "an attachment without display",
        statementWith({ attachments: [{ ...ATTACHMENT, display: undefined }] }),
        ["attachments", 0, "display"],
        "is required but missing",
      ],
      [
        "a display with an invalid language tag",
        statementWith({
          attachments: [{ ...ATTACHMENT, display: { "de-419-DE": "x" } }],
        }),
        ["attachments", 0, "display", "de-419-DE"],
        "RFC 5646",
      ],
      [
        "a description that is a string",
        statementWith({
          attachments: [{ ...ATTACHMENT, description: "should error" }],
        }),
        ["attachments", 0, "description"],
        "must be an object",
      ],
      [
        "a signature that is not application/octet-stream",
        statementWith({
          attachments: [
            {
              ...ATTACHMENT,
              usageType: "http://adlnet.gov/expapi/attachments/signature",
            },
          ],
        }),
        ["attachments", 0, "contentType"],
        "must have contentType application/octet-stream",
      ],
      [
        'a key in another case ("attachmentS")',
        statementWith({ attachmentS: [ATTACHMENT] }),
        [],
        'send "attachments"',
      ],
    ])("refuses %s", (_label, statement, path, fragment) => {
      expectRejected(statement, path, fragment);
    });

    describe("in a multipart/mixed request", () => {
      const withoutUrl = statementWith({
        attachments: [{ ...ATTACHMENT, fileUrl: undefined }],
      });
      const part: AttachmentPart = {
        sha2: SHA256.toUpperCase(),
        contentType: "text/plain",
        content: new TextEncoder().encode("here is a simple attachment"),
      };

      it("accepts an attachment whose data came as a part", () => {
        expect(issuesOf(withoutUrl, [part])).toEqual([]);
      });

      it("refuses an attachment without fileUrl and without its part", () => {
        expect(issuesOf(withoutUrl, [])).toContainEqual({
          path: ["attachments", 0, "sha2"],
          message: expect.stringContaining(
            `no part of this multipart/mixed request has X-Experience-API-Hash ${SHA256}`,
          ) as unknown,
        });
      });

      it("refuses a part that no attachment in the batch names", () => {
        const stray: AttachmentPart = { ...part, sha2: "f".repeat(64) };
        const result = prepareStatements([withoutUrl], {
          clock,
          attachmentParts: [part, stray],
        });
        expect(result).toMatchObject({
          ok: false,
          error: {
            kind: "invalid",
            issues: [
              {
                path: [],
                message: expect.stringContaining(
                  `the part with X-Experience-API-Hash ${"f".repeat(64)} belongs to no attachment`,
                ) as unknown,
              },
            ],
          },
        });
      });
    });
  });

  describe("a batch", () => {
    it("names the statement's index, the path and the rule of every problem", () => {
      const result = prepareStatements(
        [
          BASE,
          statementWith({ context: { revision: "1" }, object: STATEMENT_REF }),
        ],
        { clock },
      );
      expect(result).toEqual({
        ok: false,
        error: {
          kind: "invalid",
          batch: true,
          issues: [
            {
              path: [1, "context", "revision"],
              message: expect.stringContaining(
                "context.revision may only be used when the object is an Activity",
              ) as unknown,
            },
          ],
        },
      });
    });
  });
});
