// npm run bench -- ingest [--seconds 10] [--connections 50] [--cases 1,30,100] [--rate <requests/s>]
// Statements per second and latency for durable xAPI POSTs (200 only after commit), against the
// ingest service alone (no engine), on a throwaway database. Load generator on the same machine.
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";

import {
  backendCpu,
  backendCpuSpent,
  basicAuthorization,
  clearRedisPrefix,
  cli,
  cpuMs,
  load,
  loadAtRate,
  createStatementPoster,
  REDIS_URL,
  startService,
  throwawayDatabase,
} from "./_harness.mjs";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    connections: { type: "string", default: "50" },
    // Statements per request of each case, e.g. `--cases 1` for the single-statement case only.
    cases: { type: "string", default: "1,30,100" },
    // Open loop at this many requests/s instead of `connections` closed-loop clients: the same
    // work in every run, so CPU ms per statement compares fairly on a busy machine.
    rate: { type: "string" },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const cases = values.cases.split(",").map(Number);
const rate = values.rate === undefined ? undefined : Number(values.rate);

function aStatement() {
  return {
    id: randomUUID(),
    actor: {
      objectType: "Agent",
      account: {
        homePage: "https://moodle.example.test",
        name: String(Math.floor(Math.random() * 1e6)),
      },
    },
    verb: { id: "http://adlnet.gov/expapi/verbs/experienced" },
    object: {
      id: `https://moodle.example.test/mod/page/view.php?id=${Math.floor(Math.random() * 1e4)}`,
      definition: { type: "http://adlnet.gov/expapi/activities/lesson" },
    },
    timestamp: new Date().toISOString(),
  };
}

const database = throwawayDatabase();
const prefix = `{bench-${randomUUID().slice(0, 8)}}`;
const env = {
  DATABASE_URL: database.url,
  REDIS_URL,
  BEKLIJF_REDIS_PREFIX: prefix,
};
let ingest;
try {
  cli(["migrate"], env);
  // No rate limit: the point is to find the ceiling.
  const credentials = cli(
    ["connection", "create", "--name", "bench", "--rate-limit", "none"],
    env,
  );
  const authorization = basicAuthorization(credentials);
  ingest = await startService("ingest", env);
  const post = createStatementPoster(ingest.url, authorization);
  // Warm up: the first requests pay for scrypt, JIT and connection pools.
  await load({ connections: 5, seconds: 2, send: () => post(aStatement()) });

  console.log(
    `beklijf ingest benchmark: ${rate === undefined ? `${connections} concurrent clients` : `open loop at ${rate} requests/s`}, ${seconds} s per case, durable (200 after commit)\n`,
  );
  console.log(
    "case                 statements/s   requests/s   p50 ms   p99 ms   errors   CPU ms/statement   load-gen CPU ms/st   Postgres CPU ms/st",
  );
  for (const batch of cases) {
    const cpuBefore = cpuMs(ingest.pid);
    const pgBefore = backendCpu(database);
    const ownBefore = process.cpuUsage();
    const send = () =>
      post(
        batch === 1 ? aStatement() : Array.from({ length: batch }, aStatement),
      );
    const result =
      rate === undefined
        ? await load({ connections, seconds, send })
        : await loadAtRate({ rate, seconds, send });
    const perSecond = result.requests / result.elapsed;
    const label = batch === 1 ? "single statement" : `batches of ${batch}`;
    const cpuAfter = cpuMs(ingest.pid);
    const pgSpent = backendCpuSpent(pgBefore, backendCpu(database));
    const pgPerStatement =
      pgSpent === undefined
        ? "n/a"
        : (pgSpent / (result.requests * batch)).toFixed(3);
    const own = process.cpuUsage(ownBefore);
    const ownPerStatement = (
      (own.user + own.system) /
      1000 /
      (result.requests * batch)
    ).toFixed(3);
    const cpuPerStatement =
      cpuBefore === undefined || cpuAfter === undefined
        ? "n/a"
        : ((cpuAfter - cpuBefore) / (result.requests * batch)).toFixed(3);
    console.log(
      `${label.padEnd(20)} ${(perSecond * batch).toFixed(0).padStart(12)} ${perSecond.toFixed(0).padStart(12)} ${result.p50.toFixed(1).padStart(8)} ${result.p99.toFixed(1).padStart(8)} ${String(result.errors).padStart(8)} ${cpuPerStatement.padStart(18)} ${ownPerStatement.padStart(20)} ${pgPerStatement.padStart(20)}`,
    );
    if ((result.skipped ?? 0) > 0)
      console.log(
        `  ${result.skipped} requests not sent: too many unanswered at once`,
      );
    if (result.firstError !== undefined)
      console.log(`  first error: ${result.firstError.message}`);
  }
  console.log(
    `\nstored: ${database.query("SELECT count(*) FROM statements")} statements`,
  );
  console.log(
    "CPU ms/statement: the ingest process's own CPU time (user + system) per statement stored;\nload-gen CPU ms/st: the same for this load generator (it shares the machine's cores);\nPostgres CPU ms/st: the same for the Postgres backends serving the bench database (not\nPostgres's shared background processes, such as the WAL writer).",
  );
} finally {
  await ingest?.stop();
  database.drop();
  clearRedisPrefix(prefix);
}
