// npm run bench -- engine [--completions 2000] [--other 20000] [--fire 2000] [--rate 1000] [--warm 4000]
//                          [--directory] [--policy open|default]
// The engine with the default pack (werkplekleren) on a throwaway database, fed through the ingest
// service, each in its own process. For 1 and 2 the statements are stored through ingest while the
// engine's statements queue is paused, so their jobs wait in Redis; then the queue resumes, and the
// rate is the statements over the time from the first job starting to the last job finishing. The
// engine has planned `warm` completions of other learners before (a running engine, warmed up);
// 1 is also measured on an engine started on the backlog (cold: its code not optimised yet):
//   1. completions -> plans: statements processed and nudges planned per second;
//   2. non-matching statements (known learners, a verb no rule wants) dismissed per second;
//   3. bytes per pending nudge in Postgres and, for those within the horizon, in Redis;
//   4. fire-time lateness: nudges made due at `rate` per second, p50/p99 of firedAt - dueAt.
// It prints figures and asserts nothing (STYLE.md §8).
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

import { Queue } from "bullmq";
import { Redis } from "ioredis";
import pg from "pg";

import {
  backendCpu,
  backendCpuSpent,
  basicAuthorization,
  cli,
  cpuMs,
  postStatements,
  REDIS_URL,
  redisCpuMs,
  startService,
  throwawayDatabase,
} from "./_harness.mjs";

const { values } = parseArgs({
  options: {
    completions: { type: "string", default: "2000" },
    other: { type: "string", default: "20000" },
    fire: { type: "string", default: "2000" },
    rate: { type: "string", default: "1000" },
    warm: { type: "string", default: "4000" },
    // The measured learners in the directory beforehand (CSV import), each with a manager (one
    // per 8 learners) and a team lead (one per 32): their manager and team-lead steps are
    // planned rows, not steps skipped for want of a manager.
    directory: { type: "boolean", default: false },
    // "open": around the clock, generous caps (the figures are about the engine, not the
    // calendar); "default": the tenant's default policy (weekdays 08:00-18:00, 1 a day, 2 a week).
    policy: { type: "string", default: "open" },
  },
});
if (!["open", "default"].includes(values.policy))
  throw new Error(`--policy is "open" or "default", not "${values.policy}"`);
const completions = Number(values.completions);
const other = Number(values.other);
const fireCount = Math.min(Number(values.fire), completions);
const rate = Number(values.rate);
const warm = Number(values.warm);

const run = randomUUID().slice(0, 8);
const learner = (i, group = "learner") => ({
  objectType: "Agent",
  name: `Learner ${i}`,
  mbox: `mailto:${group}-${run}-${i}@bench.example.test`,
});
const completion = (i, group = "learner") => ({
  id: randomUUID(),
  actor: learner(i, group),
  verb: { id: "http://adlnet.gov/expapi/verbs/completed" },
  object: {
    id: `https://lms.bench.example.test/course/${i % 50}`,
    definition: {
      type: "https://w3id.org/xapi/cmi5/activitytype/course",
      name: { "en-US": `Course ${i % 50}` },
    },
  },
  result: { completion: true },
  timestamp: new Date().toISOString(),
});
const experienced = (i) => ({
  id: randomUUID(),
  actor: learner(i % completions),
  verb: { id: "http://adlnet.gov/expapi/verbs/experienced" },
  object: {
    id: `https://lms.bench.example.test/page/${i % 500}`,
    definition: { type: "http://adlnet.gov/expapi/activities/lesson" },
  },
  timestamp: new Date().toISOString(),
});

const database = throwawayDatabase();
const prefix = `{bench-${run}}`;
const env = {
  DATABASE_URL: database.url,
  REDIS_URL,
  BEKLIJF_REDIS_PREFIX: prefix,
};
const redis = new Redis(REDIS_URL);
// The engine's statements queue, to hold a backlog back while the engine keeps running.
const statementsQueue = new Queue("statements", {
  connection: redis,
  prefix,
});
let ingest;
let engine;
// One connection for the bench's own polling: a psql process (and a Postgres backend) per poll
// cost a tenth of a core, on the machine the engine is measured on.
const poller = new pg.Client({ connectionString: database.url });
let pollerPid;
const count = async (sql) =>
  Number(Object.values((await poller.query(sql)).rows[0])[0]);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(what, check, timeoutMs = 600_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
  return Date.now();
}

/** Posts statements in batches of 100, 4 requests at a time; returns when all are stored. */
async function send(statements, authorization) {
  const batches = [];
  for (let i = 0; i < statements.length; i += 100)
    batches.push(statements.slice(i, i + 100));
  const worker = async () => {
    for (let batch = batches.shift(); batch; batch = batches.shift()) {
      await postStatements(ingest.url, authorization, batch);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

/** Every Redis key matching `pattern`. */
async function* keysMatching(pattern) {
  let cursor = "0";
  do {
    const [next, found] = await redis.scan(
      cursor,
      "MATCH",
      pattern,
      "COUNT",
      1000,
    );
    cursor = next;
    yield* found;
  } while (cursor !== "0");
}

/** First processedOn and last finishedOn (ms) of the statements jobs that started after `since`. */
async function statementJobSpan(since) {
  let first = Infinity;
  let last = 0;
  let jobs = 0;
  for await (const key of keysMatching(`${prefix}:statements:*`)) {
    if ((await redis.type(key)) !== "hash") continue;
    const [processedOn, finishedOn] = await redis.hmget(
      key,
      "processedOn",
      "finishedOn",
    );
    if (processedOn === null || finishedOn === null) continue;
    if (Number(processedOn) < since) continue;
    first = Math.min(first, Number(processedOn));
    last = Math.max(last, Number(finishedOn));
    jobs += 1;
  }
  return { seconds: (last - first) / 1000, jobs };
}

/** Waits until the engine has finished every statement stored (`total` of them). */
function finished(total) {
  return waitUntil(
    "the engine to finish the backlog",
    async () =>
      (await count("SELECT count(*) FROM pending_statements")) === 0 &&
      (await count("SELECT count(*) FROM statements")) === total,
  );
}

/**
 * Stores statements through ingest while the running engine's statements queue is paused, then
 * resumes it and waits until the engine finished all `total` statements. Returns its span.
 */
async function backlog(statements, authorization, total) {
  await statementsQueue.pause();
  const posting = Date.now();
  await send(statements, authorization);
  const postSeconds = (Date.now() - posting) / 1000;
  const since = Date.now();
  const cpuBefore = await cpuReading();
  await statementsQueue.resume();
  await finished(total);
  const cpu = cpuSpent(cpuBefore, await cpuReading());
  return { ...(await statementJobSpan(since)), postSeconds, cpu };
}

/** CPU so far of the engine process, the bench database's Postgres backends and Redis. */
async function cpuReading() {
  return {
    engine: cpuMs(engine.pid),
    postgres: backendCpu(database, [pollerPid]),
    redis: await redisCpuMs(redis),
  };
}

/** CPU ms spent between two readings; fields undefined where /proc is missing. */
function cpuSpent(before, after) {
  return {
    engine:
      after.engine === undefined ? undefined : after.engine - before.engine,
    postgres: backendCpuSpent(before.postgres, after.postgres),
    redis: after.redis - before.redis,
  };
}

/** "CPU per statement: ..." for a backlog of `n` statements. */
function cpuLine(cpu, n) {
  const per = (ms) => (ms === undefined || n === 0 ? "-" : (ms / n).toFixed(3));
  return `  CPU per statement (user + system): engine ${per(cpu.engine)} ms, its Postgres backends ${per(cpu.postgres)} ms, Redis server ${per(cpu.redis)} ms`;
}

/** As backlog, but with the engine stopped while storing and started on the backlog (cold). */
async function coldBacklog(statements, authorization, total) {
  await engine?.stop();
  engine = undefined;
  const posting = Date.now();
  await send(statements, authorization);
  const postSeconds = (Date.now() - posting) / 1000;
  const since = Date.now();
  engine = await startService("engine", env);
  await finished(total);
  return { ...(await statementJobSpan(since)), postSeconds };
}

/** Around the clock, generous caps: the figures are about the engine, not about the calendar. */
function openPolicy() {
  database.query(
    `UPDATE tenants SET policy = '{"sendWindow":{"days":["mon","tue","wed","thu","fri","sat","sun"],"start":"00:00","end":"23:59"},"caps":{"perDay":24,"perWeek":100}}'`,
  );
}

/** The measured learners, their managers and team leads, imported with the CLI from a CSV. */
function importDirectory() {
  const dir = mkdtempSync(path.join(tmpdir(), "beklijf-bench-"));
  const file = path.join(dir, "people.csv");
  const address = (kind, i) => `${kind}-${run}-${i}@bench.example.test`;
  const lines = ["email,name,manager,teamLead"];
  for (let m = 0; m < Math.ceil(completions / 8); m += 1)
    lines.push(`${address("manager", m)},Manager ${m},,`);
  for (let t = 0; t < Math.ceil(completions / 32); t += 1)
    lines.push(`${address("lead", t)},Team lead ${t},,`);
  for (let i = 0; i < completions; i += 1)
    lines.push(
      `${address("learner", i)},Learner ${i},${address("manager", Math.floor(i / 8))},${address("lead", Math.floor(i / 32))}`,
    );
  writeFileSync(file, `${lines.join("\n")}\n`);
  try {
    cli(["people", "import", file], env);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function redisBytes(pattern) {
  let bytes = 0;
  let keys = 0;
  for await (const key of keysMatching(pattern)) {
    bytes += Number((await redis.memory("USAGE", key)) ?? 0);
    keys += 1;
  }
  return { bytes, keys };
}

try {
  cli(["migrate"], env);
  await poller.connect();
  pollerPid = String(
    (await poller.query("SELECT pg_backend_pid() AS pid")).rows[0].pid,
  );
  const credentials = cli(
    ["connection", "create", "--name", "bench", "--rate-limit", "none"],
    env,
  );
  const authorization = basicAuthorization(credentials);
  engine = await startService("engine", env);
  ingest = await startService("ingest", env);
  if (values.policy === "open") openPolicy();
  if (values.directory) importDirectory();
  console.log(
    `beklijf engine benchmark: default pack, engine and ingest in their own processes, ${completions} completions, ${other} other statements, ${values.policy} policy, ${values.directory ? "learners in the directory with manager and team lead" : "learners new to the directory (no manager)"}\n`,
  );

  // Warm-up: the engine plans completions of other learners, as a running engine would have.
  let stored = 0;
  if (warm > 0) {
    await send(
      Array.from({ length: warm }, (_, i) => completion(i, "warm-up")),
      authorization,
    );
    stored += warm;
    await finished(stored);
  }
  const rows = async () => ({
    nudges: await count("SELECT count(*) FROM planned_nudges"),
    plans: await count("SELECT count(*) FROM plans"),
    skipped: await count(
      "SELECT coalesce(sum(jsonb_array_length(skipped_steps)), 0) FROM plans",
    ),
  });
  const plannedLine = async (label, span, before) => {
    const after = await rows();
    const nudges = after.nudges - before.nudges;
    const plans = after.plans - before.plans;
    const skipped = after.skipped - before.skipped;
    console.log(
      `${label.padEnd(27)}${(completions / span.seconds).toFixed(0).padStart(7)} statements/s   ${(nudges / span.seconds).toFixed(0).padStart(7)} nudge rows/s   (${plans} plans, ${nudges} nudge rows and ${skipped} steps skipped at the start, kept on the plans; ${span.seconds.toFixed(2)} s in ${span.jobs} jobs; stored through ingest beforehand in ${span.postSeconds.toFixed(1)} s)`,
    );
  };
  let before = await rows();
  stored += completions;
  const planned = await backlog(
    Array.from({ length: completions }, (_, i) => completion(i)),
    authorization,
    stored,
  );
  await plannedLine("completions -> plans", planned, before);
  console.log(cpuLine(planned.cpu, completions));
  before = await rows();
  stored += completions;
  const cold = await coldBacklog(
    Array.from({ length: completions }, (_, i) => completion(i, "cold")),
    authorization,
    stored,
  );
  await plannedLine("  same, engine cold-started", cold, before);

  stored += other;
  const dismissed = await backlog(
    Array.from({ length: other }, (_, i) => experienced(i)),
    authorization,
    stored,
  );
  console.log(
    `non-matching dismissed    ${(other / dismissed.seconds).toFixed(0).padStart(7)} statements/s   (${dismissed.seconds.toFixed(2)} s in ${dismissed.jobs} jobs; stored through ingest beforehand in ${dismissed.postSeconds.toFixed(1)} s)`,
  );
  console.log(cpuLine(dismissed.cpu, other));

  const pending = await count(
    "SELECT count(*) FROM planned_nudges WHERE status = 'planned'",
  );
  const pgBytes = await count(
    "SELECT pg_total_relation_size('planned_nudges')",
  );
  const jobs = await redisBytes(`${prefix}:nudges:nudge-*`);
  // A delayed job is its hash plus its entry in the queue's delayed set; the queue's other keys
  // (its events stream is capped) do not grow with the jobs. Whether the hash is a compact
  // listpack depends on the server's hash-max-listpack-value (infra/README.md).
  const delayedSet = Number(
    (await redis.memory("USAGE", `${prefix}:nudges:delayed`)) ?? 0,
  );
  const perJob = (jobs.bytes + delayedSet) / jobs.keys;
  const [, listpackValue] = await redis.config(
    "GET",
    "hash-max-listpack-value",
  );
  console.log(
    `bytes per pending nudge   Postgres ${(pgBytes / pending).toFixed(0)} B (table and indexes, ${pending} planned rows); Redis ${perJob.toFixed(0)} B per delayed job: ${(jobs.bytes / jobs.keys).toFixed(0)} B its hash, ${(delayedSet / jobs.keys).toFixed(0)} B in the delayed set (${jobs.keys} jobs within the 2-day horizon; later steps are in Postgres only; hash-max-listpack-value ${listpackValue})`,
  );
  console.log(
    `  1M pending nudges: Redis holds only those due within the horizon; ${((perJob * 1e6) / 2 ** 20).toFixed(0)} MB if all 1M were within it`,
  );

  // Fire-time lateness: make `fireCount` commit nudges due from 15 s from now, `rate` per second,
  // around the clock (else the fire-time re-check would move those outside the send window).
  if (values.policy !== "open") openPolicy();
  // Restarting the engine on an emptied queue lets its reconciler enqueue them from Postgres.
  await engine.stop();
  const keys = spawnSync(
    "redis-cli",
    ["-u", REDIS_URL, "--scan", "--pattern", `${prefix}:nudges:*`],
    {
      encoding: "utf8",
    },
  )
    .stdout.split("\n")
    .filter(Boolean);
  for (let i = 0; i < keys.length; i += 500)
    await redis.del(...keys.slice(i, i + 500));
  const firstDue = Date.now() + 15_000;
  database.query(`
    UPDATE planned_nudges SET due_at = now() + interval '15 seconds' + (n.rank / ${rate}.0) * interval '1 second'
    FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS rank FROM planned_nudges
          WHERE status = 'planned' AND step_key = 'commit' LIMIT ${fireCount}) n
    WHERE planned_nudges.id = n.id`);
  engine = await startService("engine", env);
  // CPU from just before the first nudge is due (after the engine's start and its reconciler).
  await sleep(Math.max(0, firstDue - 200 - Date.now()));
  const fireCpuBefore = await cpuReading();
  await waitUntil(
    "the due nudges to fire",
    async () =>
      (await count(
        "SELECT count(*) FROM planned_nudges WHERE step_key = 'commit' AND status = 'planned' AND due_at < now() + interval '1 hour'",
      )) === 0,
  );
  const fireCpu = cpuSpent(fireCpuBefore, await cpuReading());
  const lateness = database
    .query(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), percentile_cont(0.99) WITHIN GROUP (ORDER BY ms), max(ms), count(*)
       FROM (SELECT extract(epoch FROM fired_at - due_at) * 1000 AS ms FROM planned_nudges
             WHERE step_key = 'commit' AND fired_at IS NOT NULL AND status = 'handed-off') l`,
    )
    .split("|")
    .map(Number);
  console.log(
    `fire-time lateness        p50 ${lateness[0].toFixed(0)} ms   p99 ${lateness[1].toFixed(0)} ms   max ${lateness[2].toFixed(0)} ms   (${lateness[3]} nudges due at ${rate}/s, handed off to the mailer queue)`,
  );
  if (lateness[3] > 0)
    console.log(cpuLine(fireCpu, lateness[3]).replace("statement", "nudge"));
} finally {
  await ingest?.stop();
  await engine?.stop();
  await poller.end().catch(() => undefined);
  database.drop();
  const keys = spawnSync(
    "redis-cli",
    ["-u", REDIS_URL, "--scan", "--pattern", `${prefix}*`],
    {
      encoding: "utf8",
    },
  )
    .stdout.split("\n")
    .filter(Boolean);
  for (let i = 0; i < keys.length; i += 500)
    await redis.del(...keys.slice(i, i + 500));
  await statementsQueue.close();
  redis.disconnect();
}
