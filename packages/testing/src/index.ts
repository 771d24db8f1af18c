export {
  aCompletedStatement,
  aLearner,
  anAfterCompletionRule,
  aStatementId,
} from "./builders";
export { ADMIN_DATABASE_URL, runDatabaseUrl, TEST_REDIS_URL } from "./env";
export {
  clearRedisPrefix,
  eventually,
  type OwnTestDb,
  ownTestDb,
  serviceTestDeps,
  testDb,
  testLogger,
  testRedis,
  uniqueRedisPrefix,
} from "./harness";
export {
  type ListeningServer,
  listenOnFreePort,
  postStatements,
  serveMounted,
} from "./http";
export { aPlannedCompletion } from "./plans";
export {
  ALL_JOB_STATES,
  enqueueNudgeJobs,
  jobSettled,
  outboxRowsCarrying,
  receiveStatement,
  statementJobsCarrying,
  storeStatement,
  type TestQueues,
  testQueues,
} from "./queues";
export {
  anLmsConnection,
  aTenant,
  aTenantWithRules,
  basicAuth,
  TEST_RULE_SET,
} from "./tenants";
export { createManualClock } from "@beklijf/core";
export {
  type CapturedMail,
  type SmtpSink,
  startSmtpSink,
} from "@beklijf/embedded";
