export { aCompletedStatement, aLearner, aStatementId } from "./builders";
export { ADMIN_DATABASE_URL, runDatabaseUrl, TEST_REDIS_URL } from "./env";
export {
  clearRedisPrefix,
  eventually,
  ownTestDb,
  testDb,
  testLogger,
  testRedis,
  uniqueRedisPrefix,
} from "./harness";
export { createManualClock } from "@beklijf/core";
export {
  type CapturedMail,
  type SmtpSink,
  startSmtpSink,
} from "@beklijf/embedded";
