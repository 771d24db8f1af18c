export {
  actorKey,
  type BatchError,
  batchValidationError,
  canonicalJson,
  pickLanguage,
  type PreparedStatement,
  prepareStatement,
  prepareStatements,
  statementContentHash,
} from "./prepare";
export {
  Activity,
  ActivityDefinition,
  Actor,
  Agent,
  Context,
  Group,
  LanguageMap,
  Statement,
  Result as StatementResult,
  Verb,
} from "./statement";
export { ACTIVITY_TYPES, VERBS } from "./verbs";
