export {
  createDb,
  type DbClient,
  pingDb,
  Prisma,
  PrismaClient,
} from "./client";
export { applyMigrations, MIGRATIONS_DIR } from "./migrate";
export {
  type AnswerInput,
  getNudgeForLink,
  listAnswersOfNudge,
  type NudgeForLink,
  recordAnswer,
  type RecordedAnswer,
  shouldForwardAnswer,
} from "./repositories/answers";
export {
  countApiTokens,
  createApiToken,
  findApiToken,
  type Role,
} from "./repositories/api-tokens";
export {
  type BootstrapResult,
  bootstrapTenant,
} from "./repositories/bootstrap";
export {
  type ConnectionHealth,
  getConnectionHealth,
  listRejections,
  type NewRejection,
  recordRejection,
  REJECTION_STATEMENT_MAX_BYTES,
  REJECTIONS_KEPT,
  type RejectionView,
} from "./repositories/connection-health";
export {
  type ConnectionView,
  createConnection,
  DEFAULT_RATE_LIMIT_PER_MINUTE,
  findConnection,
  findConnectionByBearerToken,
  findConnectionByKey,
  findConnectionByName,
  listConnections,
  removeConnectionBearerToken,
  rotateConnectionSecret,
  setConnectionBearerToken,
  touchConnectionReceived,
  updateConnection,
} from "./repositories/connections";
export {
  claimDeliveryAttempt,
  type DeliveryClaim,
  type DeliveryForSend,
  getDeliveryForLink,
  getDeliveryForSend,
  listUndeliveredDeliveries,
  listUnsentDeliveries,
  markDeliveryFailed,
  markDeliverySent,
  type NudgeForRender,
  releaseDeliveryAttempt,
} from "./repositories/deliveries";
export {
  getNudgeForFire,
  handOffNudge,
  type NudgeForFire,
  skipNudge,
} from "./repositories/nudges";
export {
  addOutboxEvents,
  listPendingOutbox,
  markOutboxDispatched,
  markOutboxFailed,
  type OutboxEntry,
  type PendingOutboxEvent,
} from "./repositories/outbox";
export {
  ensurePersonForMbox,
  findPersonByIdentity,
  type PersonView,
} from "./repositories/people";
export {
  createPlan,
  listPlannedNudges,
  type NewNudge,
} from "./repositories/plans";
export {
  getPreference,
  pauseNudges,
  stopActivityNudges,
  stopAllNudges,
  unsubscribe,
} from "./repositories/preferences";
export {
  loadActiveRules,
  syncRuleSet,
  syncRuleSetIn,
} from "./repositories/rules";
export {
  type AgentIdentifier,
  findStoredStatement,
  queryStatements,
  type StatementCursor,
  type StatementPage,
  type StatementQuery,
  type StoredStatement,
} from "./repositories/statement-queries";
export {
  getStatement,
  listUnprocessedStatements,
  markStatementProcessed,
  setStatementPerson,
  storeStatements,
  type StoreStatementsResult,
  TRIGGER_VOIDED_REASON,
} from "./repositories/statements";
export {
  isSuppressed,
  listSuppressions,
  suppressAddress,
} from "./repositories/suppressions";
export {
  DEFAULT_TENANT_SLUG,
  ensureTenant,
  getTenant,
  type TenantView,
} from "./repositories/tenants";
export {
  createStatementWriter,
  type StatementWriter,
  type StatementWriterOptions,
  type WriteRequest,
} from "./statement-writer";
