export { CATALOG, type JobName, type Payload, QUEUE_NAMES, type QueueName } from "./catalog";
export { createRedisConnection, pingRedis } from "./connection";
export { deliveryJobId, nudgeJobId, statementJobId } from "./job-ids";
export { type Handlers, type QueueOptions, type Queues, closeQueues, createQueues, createWorker, enqueue } from "./queues";
export { DelayedError, type Job, UnrecoverableError, type Worker } from "bullmq";
export { type HandOff, deliveryHandOff, dispatchHandOffs, statementHandOff } from "./dispatch";
