// npm run bench -- mailer [--emails 5000] [--processes 1]
// Emails rendered and sent per second by the mailer service (services/mailer's bin, the default
// pack, pooled nodemailer) to an SMTP sink on loopback, and the latency from hand-off (the
// delivery.send job enqueued) to the sink's 250 after DATA. Deliveries are seeded straight into a
// throwaway database, as the engine leaves them: one queued delivery per planned nudge. With
// --processes N, N mailer processes share the queue (the mailer scales out; a process renders on
// one thread).
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { SMTPServer } from "smtp-server";

import {
  backendCpu,
  backendCpuSpent,
  clearRedisPrefix,
  cli,
  cpuMs,
  quantiles,
  REDIS_URL,
  redisCpuMs,
  startService,
  throwawayDatabase,
} from "./_harness.mjs";

const { values } = parseArgs({
  options: {
    emails: { type: "string", default: "5000" },
    processes: { type: "string", default: "1" },
  },
});
const emails = Number(values.emails);
const processes = Math.max(1, Number(values.processes));
const TEMPLATES = ["commit", "reflect", "apply", "manager-aftertalk"];

/** Seeds `count` queued deliveries of the given templates, each to its own person. */
function seed(database, count) {
  const tenant = randomUUID();
  const ruleSet = randomUUID();
  const rule = randomUUID();
  const version = randomUUID();
  const templates = `ARRAY[${TEMPLATES.map((t) => `'${t}'`).join(",")}]`;
  database.query(`
    INSERT INTO tenants (id, slug, name) VALUES ('${tenant}', 'bench', 'Bench');
    INSERT INTO rule_sets (id, tenant_id, key, name) VALUES ('${ruleSet}', '${tenant}', 'werkplekleren', 'Bench');
    INSERT INTO rules (id, rule_set_id, key, current_version, updated_at) VALUES ('${rule}', '${ruleSet}', 'after-completion', 1, now());
    INSERT INTO rule_versions (id, rule_id, version, definition) VALUES ('${version}', '${rule}', 1, '{}');
    INSERT INTO people (id, tenant_id, email, name, given_name, locale, time_zone, updated_at)
      SELECT md5('p' || i)::uuid, '${tenant}', 'learner-' || i || '@example.test', 'Learner ' || i, 'Learner',
             CASE WHEN i % 2 = 0 THEN 'nl' ELSE 'en' END, 'Europe/Amsterdam', now()
      FROM generate_series(1, ${count}) AS i;
    INSERT INTO statements (tenant_id, id, actor_key, person_id, verb_id, object_id, timestamp, stored, content_hash, raw)
      SELECT '${tenant}', md5('s' || i)::uuid, 'mbox:mailto:learner-' || i || '@example.test', md5('p' || i)::uuid,
             'http://adlnet.gov/expapi/verbs/completed', 'https://lms.example.test/course/7', now(), now(), md5('s' || i),
             '{"object":{"id":"https://lms.example.test/course/7","definition":{"name":{"nl-NL":"Feedback geven","en-US":"Giving feedback"}}}}'::jsonb
      FROM generate_series(1, ${count}) AS i;
    INSERT INTO plans (id, tenant_id, entry_key, rule_version_id, person_id, trigger_statement_id, started_at)
      SELECT md5('pl' || i)::uuid, '${tenant}', 'bench-' || i, '${version}', md5('p' || i)::uuid, md5('s' || i)::uuid, now()
      FROM generate_series(1, ${count}) AS i;
    INSERT INTO planned_nudges (id, tenant_id, plan_id, job_id, step_key, recipient_kind, recipient_person_id, template, due_at, status)
      SELECT md5('n' || i)::uuid, '${tenant}', md5('pl' || i)::uuid, 'nudge-bench-' || i, t, 'learner', md5('p' || i)::uuid, t, now(), 'handed-off'
      FROM generate_series(1, ${count}) AS i, LATERAL (SELECT (${templates})[1 + i % ${TEMPLATES.length}] AS t) AS pick;
    INSERT INTO deliveries (id, tenant_id, planned_nudge_id, to_address)
      SELECT gen_random_uuid(), '${tenant}', md5('n' || i)::uuid, 'learner-' || i || '@example.test'
      FROM generate_series(1, ${count}) AS i;
  `);
  return database
    .query(
      "SELECT id::text || ' ' || to_address FROM deliveries ORDER BY to_address",
    )
    .split("\n")
    .map((line) => {
      const [id, address] = line.split(" ");
      return { id, address };
    });
}

/** An SMTP server on loopback that accepts everything and notes when each recipient's DATA ended. */
async function startSink() {
  const acceptedAt = new Map();
  let waiting;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    // It shares the two cores with the mailer: no reverse DNS look-up of 127.0.0.1 for every
    // connection (the pool opens a new one every 100 messages).
    disableReverseLookup: true,
    logger: false,
    size: 1024 * 1024,
    onData: (stream, session, callback) => {
      stream.resume();
      stream.on("end", () => {
        const now = performance.now();
        for (const rcpt of session.envelope.rcptTo)
          acceptedAt.set(rcpt.address, now);
        callback();
        if (waiting !== undefined && acceptedAt.size >= waiting.count)
          waiting.resolve();
      });
    },
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: server.server.address().port,
    acceptedAt,
    waitFor: (count, timeoutMs) =>
      new Promise((resolve, reject) => {
        if (acceptedAt.size >= count) return resolve();
        waiting = { count, resolve };
        setTimeout(
          () =>
            reject(new Error(`only ${acceptedAt.size} of ${count} accepted`)),
          timeoutMs,
        ).unref();
      }),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

const database = throwawayDatabase();
const prefix = `{bench-${randomUUID().slice(0, 8)}}`;
const sink = await startSink();
const mailers = [];
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const queue = new Queue("deliveries", { connection: redis, prefix });
try {
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL,
    BEKLIJF_REDIS_PREFIX: prefix,
    SMTP_URL: `smtp://127.0.0.1:${sink.port}?maxConnections=50`,
    BEKLIJF_SECRET: "bench-secret-bench-secret-bench-secret",
    BEKLIJF_PUBLIC_URL: "https://learn.example.test",
  };
  cli(["migrate"], env);
  const warmUp = Math.min(200, Math.floor(emails / 10));
  const deliveries = seed(database, emails + warmUp);
  for (let i = 0; i < processes; i++)
    mailers.push(await startService("mailer", env));
  const mailersCpuMs = () =>
    mailers.reduce((sum, mailer) => sum + cpuMs(mailer.pid), 0);

  const handOff = async (batch) => {
    const at = new Map();
    for (let i = 0; i < batch.length; i += 500) {
      const chunk = batch.slice(i, i + 500);
      const now = performance.now();
      for (const d of chunk) at.set(d.address, now);
      await queue.addBulk(
        chunk.map((d) => ({
          name: "delivery.send",
          data: { deliveryId: d.id },
          opts: {
            jobId: `delivery-${d.id}`,
            attempts: 10,
            backoff: { type: "exponential", delay: 1000 },
            removeOnComplete: true,
          },
        })),
      );
    }
    return at;
  };

  // Warm up: JIT, Prisma's pool, SMTP connections.
  await handOff(deliveries.slice(0, warmUp));
  await sink.waitFor(warmUp, 60_000);

  const measured = deliveries.slice(warmUp);
  const mailerCpuBefore = mailersCpuMs();
  const postgresCpuBefore = backendCpu(database);
  const redisCpuBefore = await redisCpuMs(redis);
  const benchCpuBefore = process.cpuUsage();
  const started = performance.now();
  const handedOffAt = await handOff(measured);
  await sink.waitFor(warmUp + measured.length, 300_000);
  const elapsedS = (performance.now() - started) / 1000;
  const mailerCpuMs = mailersCpuMs() - mailerCpuBefore;
  const postgresCpu = backendCpuSpent(postgresCpuBefore, backendCpu(database));
  const redisCpu = (await redisCpuMs(redis)) - redisCpuBefore;
  const benchCpu = process.cpuUsage(benchCpuBefore);
  const loadAverage = readFileSync("/proc/loadavg", "utf8").split(" ");
  const latencies = measured.map(
    (d) => sink.acceptedAt.get(d.address) - handedOffAt.get(d.address),
  );
  const at = quantiles(latencies);
  const sent = database.query(
    "SELECT count(*) FROM deliveries WHERE status = 'sent'",
  );

  console.log(
    `beklijf mailer benchmark: ${measured.length} emails (templates ${TEMPLATES.join(", ")}; nl and en), ${processes} mailer process${processes === 1 ? "" : "es"}, each with an SMTP pool of 50 (worker concurrency 100), to a sink on loopback\n`,
  );
  console.log(
    "emails/s   hand-off→accepted p50 ms   p99 ms   max ms   rows sent",
  );
  console.log(
    `${(measured.length / elapsedS).toFixed(0).padStart(8)} ${at(0.5).toFixed(0).padStart(26)} ${at(0.99).toFixed(0).padStart(8)} ${latencies[latencies.length - 1].toFixed(0).padStart(8)} ${sent.padStart(11)}`,
  );
  const perEmail = (ms) => (ms / measured.length).toFixed(2);
  console.log(
    `\nCPU per email (user + system): mailer process${processes === 1 ? "" : "es"} ${perEmail(mailerCpuMs)} ms, this process (hand-off and sink) ${perEmail((benchCpu.user + benchCpu.system) / 1000)} ms, Postgres backends ${perEmail(postgresCpu)} ms, Redis server ${perEmail(redisCpu)} ms (all its clients); load average ${loadAverage.slice(0, 3).join(" ")}`,
  );
} catch (error) {
  console.error(
    database.query(
      "SELECT status || ': ' || coalesce(last_error, '') || ' x' || count(*) FROM deliveries GROUP BY status, last_error",
    ),
  );
  console.error(await queue.getJobCounts());
  const [failed] = await queue.getFailed(0, 1);
  if (failed !== undefined) console.error(failed.failedReason);
  throw error;
} finally {
  await Promise.all(mailers.map((mailer) => mailer.stop()));
  await queue.close();
  await redis.quit();
  await sink.close();
  database.drop();
  clearRedisPrefix(prefix);
}
