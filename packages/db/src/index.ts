export {
  createDb,
  type DbClient,
  pingDb,
  Prisma,
  PrismaClient,
} from "./client";
export {
  LrsPasswordUnreadableError,
  openLrsPassword,
  sealLrsPassword,
} from "./lrs-credentials";
export { applyMigrations, MIGRATIONS_DIR } from "./migrate";
export {
  ImportHeaderError,
  type ImportIssue,
  importPeople,
  type ImportReport,
  PersonRow,
} from "./people-import";
export {
  type AnswerForForward,
  getAnswerForForward,
  markAnswerForwarded,
  recordAnswerForwardError,
} from "./repositories/answer-forwarding";
export {
  type AnswerInput,
  getNudgeForLink,
  listAnswersOfNudge,
  type NudgeForLink,
  recordAnswer,
  type RecordedAnswer,
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
  type PullHealth,
  recordRejection,
  REJECTION_STATEMENT_MAX_BYTES,
  REJECTIONS_KEPT,
  type RejectionView,
} from "./repositories/connection-health";
export {
  advancePullCursor,
  getConnectionById,
  listPullSchedules,
  type PullCursor,
  PullCursorMovedError,
  pullCursorOf,
  recordPullOutcome,
} from "./repositories/connection-pull";
export {
  answerForwardingEnabled,
  type ConnectionChanges,
  type ConnectionView,
  createConnection,
  DEFAULT_PULL_INTERVAL_SECONDS,
  DEFAULT_RATE_LIMIT_PER_MINUTE,
  findConnection,
  findConnectionByBearerToken,
  findConnectionByKey,
  findConnectionByName,
  listConnections,
  type LrsSettings,
  removeConnectionBearerToken,
  rotateConnectionSecret,
  setConnectionBearerToken,
  touchConnectionReceived,
  updateConnection,
} from "./repositories/connections";
export {
  type ApiTokenView,
  type DeliveryFilter,
  type DeliveryRow,
  getRuleForConsole,
  listApiTokens,
  listDeliveriesForConsole,
  listRulesForConsole,
  loadTransferFacts,
  revokeApiToken,
  type RuleDetail,
  type RuleListItem,
  saveRuleVersion,
  setRuleEnabled,
  type TransferPlanFacts,
} from "./repositories/console-queries";
export {
  type ConsoleSessionLimits,
  type ConsoleSessionView,
  deleteExpiredConsoleSessions,
  endConsoleSession,
  findConsoleSession,
  startConsoleSession,
} from "./repositories/console-sessions";
export {
  CONSOLE_PASSWORD_MIN_LENGTH,
  type ConsoleUserView,
  countConsoleUsers,
  createConsoleUser,
  ensureFirstConsoleAdmin,
  generateConsolePassword,
  getConsoleUser,
  isRole,
  listConsoleUsers,
  updateConsoleUser,
  verifyConsolePassword,
} from "./repositories/console-users";
export {
  claimDeliveryAttempt,
  claimDeliveryAttempts,
  type DeliveryClaim,
  type DeliveryForSend,
  getDeliveriesForSend,
  getDeliveryForLink,
  getDeliveryForSend,
  listUndeliveredDeliveries,
  listUnsentDeliveries,
  markDeliveriesSent,
  markDeliveryFailed,
  markDeliverySent,
  type NudgeForRender,
  releaseDeliveryAttempt,
} from "./repositories/deliveries";
export {
  deletePerson,
  describePersonRef,
  type ErasedPerson,
  findPersonByExactRef,
  parsePersonRef,
  PERSON_REF_FORMS,
  type PersonRef,
} from "./repositories/erase-person";
export {
  type FireCheck,
  getFireCheck,
  getFireChecks,
  type HandedOff,
  handOffNudge,
  handOffNudges,
  listMergeCandidates,
  type MergeCandidate,
  type MergeCandidateQuery,
  moveNudge,
  type NudgeCheck,
  type NudgeForFire,
  type NudgeHandOff,
  type NudgeRecipientRef,
  skipNudge,
  skipNudges,
} from "./repositories/nudges";
export {
  addOutboxEvents,
  listPendingOutbox,
  markOutboxDispatched,
  markOutboxFailed,
  type OutboxEntry,
  type PendingOutboxEvent,
  pruneDispatchedOutbox,
} from "./repositories/outbox";
export {
  ensurePeopleForMboxes,
  ensurePersonForMbox,
  findPersonByIdentity,
  findPersonByRef,
  getPersonWithTimeline,
  identitiesOf,
  type IdentityKind,
  listPeople,
  listUnknownLearners,
  mboxSha1sum,
  type PersonInput,
  type PersonView,
  resolveLearnerReadOnly,
  type UnknownLearners,
  type UpsertedPerson,
  upsertPerson,
  upsertPersonIn,
} from "./repositories/people";
export {
  migrateRulePlans,
  type MigrateRulePlansInput,
  type PlanMigrationReport,
  type PlanMigrationResult,
  type StepCounts,
} from "./repositories/plan-migration";
export {
  loadPlanningContext,
  type PlanningContext,
} from "./repositories/planning";
export {
  cancelPlan,
  createPlan,
  createPlans,
  type DroppedStep,
  listActivePlans,
  listCancelledJobIdsOfTrigger,
  listPlannedNudges,
  loadPlanLearners,
  type NewNudge,
  type PlanLearner,
  type PlanToCreate,
} from "./repositories/plans";
export {
  getTenantAndPolicy,
  getTenantPolicy,
  setTenantPolicy,
  tenantPolicy,
} from "./repositories/policy";
export {
  getPreference,
  pauseNudges,
  stopActivityNudges,
  stopAllNudges,
  unsubscribe,
} from "./repositories/preferences";
export {
  loadActiveRules,
  loadRuleCatalog,
  parseRuleVersion,
  type RuleCatalog,
  type RuleSyncResult,
  syncRuleSet,
  syncRuleSetIn,
} from "./repositories/rules";
export {
  finishStatements,
  type TakenStatements,
  takeStatements,
  type UnprocessedStatement,
} from "./repositories/statement-batches";
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
  type StatementHandOffs,
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
  getCurrentTemplate,
  getTemplateVersion,
  listCurrentTemplates,
  listTemplateVersions,
  saveTemplateVersion,
  type TemplateParts,
  templateVersionsStamp,
  type TemplateVersionView,
} from "./repositories/templates";
export {
  DEFAULT_TENANT_SLUG,
  ensureTenant,
  getTenant,
  type TenantView,
} from "./repositories/tenants";
export {
  simulateStatement,
  type Simulation,
  type SimulationInput,
} from "./simulate";
export {
  createStatementWriter,
  type StatementWriter,
  type StatementWriterOptions,
  type WriteRequest,
} from "./statement-writer";
