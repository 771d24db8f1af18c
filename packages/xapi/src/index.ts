export {
  Activity,
  ActivityDefinition,
  INTERACTION_TYPES,
  type InteractionType,
  StatementRef,
} from "./activity";
export { Actor, Agent, Authority, Group } from "./actor";
export {
  type AnswerForStatement,
  answerStatement,
  answerStatementId,
  BEKLIJF_EXTENSIONS,
} from "./answer-statement";
export { Attachment, SIGNATURE_USAGE_TYPE } from "./attachment";
export { type AttachmentPart, type AttachmentParts } from "./attachment-issues";
export { comparableStatement } from "./comparable-statement";
export { Context } from "./context";
export { isDuration } from "./duration";
export { isIri, isIrl } from "./iri";
export { Extensions, LanguageMap } from "./language-map";
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
export { Result as StatementResult } from "./result";
export {
  Statement,
  StatementObject,
  SubStatement,
  Verb,
  VOIDED_VERB,
} from "./statement";
export { parseTimestamp, type TimestampResult } from "./timestamp";
export { ACTIVITY_TYPES, VERBS } from "./verbs";
