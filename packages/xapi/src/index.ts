export { type AttachmentPart, type AttachmentParts } from "./attachment-issues";
export { comparableStatement } from "./comparable-statement";
export { isDuration } from "./duration";
export { isLanguageTag } from "./language-tag";
export {
  actorKey,
  type BatchError,
  batchValidationError,
  canonicalJson,
  pickLanguage,
  type PreparedStatement,
  type PrepareOptions,
  prepareStatement,
  prepareStatements,
  statementContentHash,
  validateStatement,
} from "./prepare";
export {
  Activity,
  ActivityDefinition,
  Actor,
  Agent,
  Attachment,
  Authority,
  Context,
  Extensions,
  Group,
  INTERACTION_TYPES,
  type InteractionType,
  isIri,
  isIrl,
  LanguageMap,
  SIGNATURE_USAGE_TYPE,
  Statement,
  StatementObject,
  StatementRef,
  Result as StatementResult,
  SubStatement,
  Verb,
  VOIDED_VERB,
} from "./statement";
export { parseTimestamp, type TimestampResult } from "./timestamp";
export { ACTIVITY_TYPES, VERBS } from "./verbs";
