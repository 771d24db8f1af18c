// Shared pieces of the benchmarks: a throwaway database, a beklijf process, a load generator.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import net from "node:net";
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
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${service} did not become ready within 60 s`);
    }
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
 * Sorts `values` in place and returns `at(q)`: the value at quantile q (0.5 for p50), NaN when
 * there are none.
 */
export function quantiles(values) {
  values.sort((a, b) => a - b);
  return (q) =>
    values[Math.min(values.length - 1, Math.floor(q * values.length))] ?? NaN;
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
  const at = quantiles(latencies);
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
  const at = quantiles(latencies);
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
 * A lighter poster than {@link postStatements} for load generators, which share the machine's
 * cores with the service they measure: HTTP/1.1 written and read directly on kept-alive TCP
 * connections (one per request in flight, reused), without fetch's or node:http's per-request
 * objects. Each call still serialises its own body and waits for the whole answer; it throws
 * unless the answer is 200. It reads answers with a Content-Length (or none, as for a 204), which
 * is how the ingest service answers; a chunked answer is an error here.
 */
const ANSWER_TIMEOUT_MS = 60_000;

export function createStatementPoster(baseUrl, authorization) {
  const url = new URL("/xapi/statements", baseUrl);
  const port = Number(url.port || 80);
  const head =
    `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\n` +
    "Content-Type: application/json\r\nX-Experience-API-Version: 1.0.3\r\n" +
    `Authorization: ${authorization}\r\nContent-Length: `;
  const idle = [];

  const open = () => {
    const connection = {
      socket: net.connect(port, url.hostname),
      buffer: null,
      pending: null,
    };
    connection.socket.setNoDelay(true);
    // A request the service never answers fails the request instead of stalling the bench.
    connection.socket.setTimeout(ANSWER_TIMEOUT_MS, () =>
      connection.socket.destroy(
        new Error(`no answer within ${ANSWER_TIMEOUT_MS / 1000} s`),
      ),
    );
    const fail = (error) => {
      const pending = connection.pending;
      connection.pending = null;
      connection.dead = true;
      pending?.reject(error);
    };
    connection.socket.on("error", fail);
    connection.socket.on("close", () => fail(new Error("connection closed")));
    connection.socket.on("data", (chunk) => {
      const buffer =
        connection.buffer === null
          ? chunk
          : Buffer.concat([connection.buffer, chunk]);
      const headEnd = buffer.indexOf("\r\n\r\n");
      if (headEnd < 0) {
        connection.buffer = buffer;
        return;
      }
      const headers = buffer.toString("latin1", 0, headEnd).toLowerCase();
      if (headers.includes("\r\ntransfer-encoding:")) {
        connection.socket.destroy(new Error("chunked answer"));
        return;
      }
      const length = /\r\ncontent-length: *(\d+)/.exec(headers);
      const total = headEnd + 4 + (length === null ? 0 : Number(length[1]));
      if (buffer.length < total) {
        connection.buffer = buffer;
        return;
      }
      connection.buffer = null;
      const status = Number(headers.slice(9, 12));
      const pending = connection.pending;
      connection.pending = null;
      if (headers.includes("\r\nconnection: close")) {
        connection.dead = true;
        connection.socket.end();
      } else idle.push(connection);
      if (status === 200) pending?.resolve();
      else pending?.reject(new Error(`HTTP ${status}`));
    });
    return connection;
  };

  return (body) =>
    new Promise((resolve, reject) => {
      const text = JSON.stringify(body);
      let connection = idle.pop();
      while (connection?.dead) connection = idle.pop();
      connection ??= open();
      connection.pending = { resolve, reject };
      connection.socket.write(
        `${head}${Buffer.byteLength(text)}\r\n\r\n${text}`,
      );
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

/**
 * CPU milliseconds (user + system) a process has used so far, from /proc (Linux); undefined
 * elsewhere or once it is gone. Throughput on a shared 2-core machine mostly measures contention;
 * CPU per unit of work does not.
 */
export function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start at state; utime and stime are
    // the 12th and 13th of those, in clock ticks of 10 ms.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/**
 * CPU ms so far of each Postgres backend serving the bench database (the services' pools), but
 * for the backends of `excludePids` (the bench's own connections).
 */
export function backendCpu(database, excludePids = []) {
  const pids = database
    .query(
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .split("\n")
    .filter((pid) => pid !== "" && !excludePids.includes(pid));
  // A Postgres in a container reports its own pids, which /proc here does not know or gives to
  // other processes: count a pid only when it is a postgres process here.
  return new Map(
    pids.map((pid) => [pid, isPostgres(pid) ? cpuMs(pid) : undefined]),
  );
}

function isPostgres(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").startsWith("postgres");
  } catch {
    return false;
  }
}

/**
 * Postgres backends' CPU ms between two backendCpu readings (a backend new since counts whole);
 * undefined without /proc.
 */
export function backendCpuSpent(before, after) {
  if (cpuMs(process.pid) === undefined) return undefined;
  // None of the backends is a postgres process here (Postgres in a container): no figure.
  if (after.size > 0 && [...after.values()].every((ms) => ms === undefined))
    return undefined;
  let total = 0;
  for (const [pid, ms] of after)
    if (ms !== undefined) total += ms - (before.get(pid) ?? 0);
  return total;
}

/** CPU milliseconds the Redis server has used so far (INFO cpu: every client's work, not only ours). */
export async function redisCpuMs(redis) {
  const info = await redis.info("cpu");
  const field = (name) =>
    Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(info)?.[1] ?? NaN);
  return (field("used_cpu_user") + field("used_cpu_sys")) * 1000;
}
