// Shared pieces of the benchmarks: a throwaway database, a beklijf process, a load generator.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
);
export const ADMIN_DATABASE_URL =
  process.env.BEKLIJF_BENCH_ADMIN_DATABASE_URL ??
  "postgresql://postgres@127.0.0.1:5432/postgres";
export const REDIS_URL =
  process.env.BEKLIJF_BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

function psql(sql) {
  const result = spawnSync("psql", [ADMIN_DATABASE_URL, "-qAtc", sql], {
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`psql failed: ${result.stderr}`);
  return result.stdout.trim();
}

/** A fresh database for one bench run; `drop()` removes it. */
export function throwawayDatabase() {
  const name = `beklijf_bench_${randomBytes(4).toString("hex")}`;
  psql(`CREATE DATABASE "${name}"`);
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    query: (sql) =>
      spawnSync("psql", [url.toString(), "-qAtc", sql], {
        encoding: "utf8",
      }).stdout.trim(),
    drop: () => psql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

/**
 * Extra Node options for the services a bench starts, e.g.
 * `BEKLIJF_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"` to profile them.
 */
const SERVICE_NODE_ARGS = (process.env.BEKLIJF_BENCH_NODE_ARGS ?? "")
  .split(/\s+/)
  .filter(Boolean);

/** Starts a service's bin (e.g. "ingest") on a free port; resolves when /readyz says ready. */
export async function startService(service, env) {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const bin =
    service === "all"
      ? "services/all/bin/beklijf-server.js"
      : `services/${service}/bin/beklijf-${service}.js`;
  const child = spawn(
    process.execPath,
    [...SERVICE_NODE_ARGS, path.join(ROOT, bin)],
    {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: "warn", PORT: String(port), ...env },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null)
      throw new Error(`${service} exited with ${child.exitCode}`);
    if (Date.now() > deadline)
      throw new Error(`${service} did not become ready`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    pid: child.pid,
    stop: () =>
      new Promise((resolve) =>
        child.exitCode !== null
          ? resolve()
          : (child.once("exit", () => resolve()), child.kill("SIGTERM")),
      ),
  };
}

/** Runs `npx beklijf …` against a database and parses its JSON output. */
export function cli(args, env) {
  const result = spawnSync(
    process.execPath,
    [path.join(ROOT, "services/cli/bin/beklijf.js"), ...args],
    { cwd: ROOT, env: { ...process.env, ...env }, encoding: "utf8" },
  );
  if (result.status !== 0)
    throw new Error(`beklijf ${args.join(" ")} failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/**
 * Closed-loop load: `connections` workers each send `makeRequest()` back to back for `seconds`.
 * Returns requests, errors, and latencies in milliseconds.
 */
export async function load({ connections, seconds, send }) {
  const latencies = [];
  let errors = 0;
  let firstError;
  const until = Date.now() + seconds * 1000;
  const worker = async () => {
    while (Date.now() < until) {
      const started = process.hrtime.bigint();
      try {
        await send();
      } catch (error) {
        errors += 1;
        firstError ??= error;
      }
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  };
  const startedAt = Date.now();
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = (Date.now() - startedAt) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q) =>
    latencies[
      Math.min(latencies.length - 1, Math.floor(q * latencies.length))
    ] ?? NaN;
  return {
    requests: latencies.length,
    errors,
    firstError,
    elapsed,
    p50: at(0.5),
    p99: at(0.99),
  };
}

/**
 * Open-loop load: `send()` started `rate` times a second for `seconds`, whether or not earlier
 * ones have answered (at most `maxInFlight` at once; beyond that a send is skipped and counted).
 * Unlike {@link load}, the work offered does not depend on how fast the server answers, so two
 * runs at the same rate compare CPU time per request fairly on a busy machine. Returns the same
 * figures as load, plus `skipped`.
 */
export async function loadAtRate({ rate, seconds, send, maxInFlight = 500 }) {
  const latencies = [];
  let errors = 0;
  let skipped = 0;
  let firstError;
  let inFlight = 0;
  const pending = new Set();
  const startedAt = Date.now();
  let started = 0;
  const one = async () => {
    const began = process.hrtime.bigint();
    inFlight += 1;
    try {
      await send();
    } catch (error) {
      errors += 1;
      firstError ??= error;
    } finally {
      inFlight -= 1;
    }
    latencies.push(Number(process.hrtime.bigint() - began) / 1e6);
  };
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      const elapsedMs = Date.now() - startedAt;
      if (elapsedMs >= seconds * 1000) {
        clearInterval(timer);
        resolve();
        return;
      }
      // Catch up to the schedule: rate × elapsed requests by now.
      const due = Math.floor((rate * elapsedMs) / 1000);
      for (; started < due; started += 1) {
        if (inFlight >= maxInFlight) {
          skipped += 1;
          continue;
        }
        const run = one();
        pending.add(run);
        void run.finally(() => pending.delete(run));
      }
    }, 5);
  });
  await Promise.all(pending);
  const elapsed = (Date.now() - startedAt) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q) =>
    latencies[
      Math.min(latencies.length - 1, Math.floor(q * latencies.length))
    ] ?? NaN;
  return {
    requests: latencies.length,
    errors,
    skipped,
    firstError,
    elapsed,
    p50: at(0.5),
    p99: at(0.99),
  };
}

/** HTTP Basic for a connection's credentials (`connection create` prints them). */
export function basicAuthorization({ key, secret }) {
  return `Basic ${Buffer.from(`${key}:${secret}`).toString("base64")}`;
}

/** POSTs one statement or a batch to ingest's statement resource; throws unless it answers 200. */
export async function postStatements(baseUrl, authorization, body) {
  const response = await fetch(`${baseUrl}/xapi/statements`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-experience-api-version": "1.0.3",
      authorization,
    },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
}

/**
 * A lighter poster than {@link postStatements} for load generators: node:http over kept-alive
 * connections instead of fetch, which costs the load generator several times the CPU per request
 * (and so takes it from the service measured on the same machine). Same request, same check.
 */
export function createStatementPoster(baseUrl, authorization) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const url = new URL("/xapi/statements", baseUrl);
  return (body) =>
    new Promise((resolve, reject) => {
      const text = JSON.stringify(body);
      const req = http.request(
        url,
        {
          method: "POST",
          agent,
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(text),
            "x-experience-api-version": "1.0.3",
            authorization,
          },
        },
        (res) => {
          res.resume();
          res.on("end", () =>
            res.statusCode === 200
              ? resolve()
              : reject(new Error(`HTTP ${res.statusCode}`)),
          );
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(text);
    });
}

/** Deletes every Redis key under a bench run's queue prefix. */
export function clearRedisPrefix(prefix) {
  const keys = spawnSync(
    "redis-cli",
    ["-u", REDIS_URL, "--scan", "--pattern", `${prefix}*`],
    { encoding: "utf8" },
  )
    .stdout.split("\n")
    .filter(Boolean);
  for (let i = 0; i < keys.length; i += 500)
    spawnSync("redis-cli", ["-u", REDIS_URL, "del", ...keys.slice(i, i + 500)]);
}
