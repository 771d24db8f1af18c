export {
  CATALOG,
  type JobName,
  type Payload,
  QUEUE_NAMES,
  type QueueName,
  STATEMENT_BATCH_MAX,
} from "./catalog";
export { createRedisConnection, pingRedis } from "./connection";
export {
  answerForwardHandOff,
  deliveryHandOff,
  dispatchHandOffs,
  type HandOff,
  InvalidHandOffError,
  statementHandOff,
  statementSliceHandOffs,
} from "./dispatch";
export {
  answerForwardJobId,
  connectionPullJobId,
  deliveryJobId,
  nudgeJobId,
  statementBatchJobId,
  statementJobId,
} from "./job-ids";
export {
  closeQueues,
  createQueues,
  createWorker,
  enqueue,
  type Handlers,
  type QueueOptions,
  type Queues,
} from "./queues";
export {
  DelayedError,
  type Job,
  type Queue,
  UnrecoverableError,
  type Worker,
} from "bullmq";
