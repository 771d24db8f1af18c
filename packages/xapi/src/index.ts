export { type PreparedStatement, actorKey, canonicalJson, pickLanguage, prepareStatement, statementContentHash } from "./prepare";
export { Activity, ActivityDefinition, Actor, Agent, Context, Group, LanguageMap, Result as StatementResult, Statement, Verb } from "./statement";
export { ACTIVITY_TYPES, VERBS } from "./verbs";
