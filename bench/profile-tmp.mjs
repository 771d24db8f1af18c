import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { cli, load, REDIS_URL, ROOT, throwawayDatabase } from "./_harness.mjs";
const database = throwawayDatabase();
const prefix = `{prof-${randomUUID().slice(0, 8)}}`;
const env = { DATABASE_URL: database.url, REDIS_URL, BEKLIJF_REDIS_PREFIX: prefix };
cli(["migrate"], env);
const c = cli(["connection", "create", "--name", "bench", "--rate-limit", "none"], env);
const authorization = `Basic ${Buffer.from(`${c.key}:${c.secret}`).toString("base64")}`;
const port = 20000 + Math.floor(Math.random() * 20000);
const child = spawn(process.execPath, [...(process.env.PROF ? ["--cpu-prof", "--cpu-prof-dir=/tmp/prof"] : []), path.join(ROOT, "services/ingest/bin/beklijf-ingest.js")], {
  cwd: ROOT, env: { ...process.env, LOG_LEVEL: "warn", PORT: String(port), ...env }, stdio: ["ignore", "ignore", "inherit"] });
const url = `http://127.0.0.1:${port}`;
for (;;) { try { if ((await fetch(`${url}/readyz`)).status === 200) break; } catch {} await new Promise(r => setTimeout(r, 200)); }
const st = () => ({ id: randomUUID(), actor: { objectType: "Agent", account: { homePage: "https://moodle.example.test", name: String(Math.floor(Math.random()*1e6)) } }, verb: { id: "http://adlnet.gov/expapi/verbs/experienced" }, object: { id: `https://moodle.example.test/mod/page/view.php?id=${Math.floor(Math.random()*1e4)}`, definition: { type: "http://adlnet.gov/expapi/activities/lesson" } }, timestamp: new Date().toISOString() });
const batch = Number(process.argv[2] ?? "1");
const post = async (body) => { const r = await fetch(`${url}/xapi/statements`, { method: "POST", headers: { "content-type": "application/json", "x-experience-api-version": "1.0.3", authorization }, body: JSON.stringify(body) }); await r.arrayBuffer(); if (r.status !== 200) throw new Error(`HTTP ${r.status}`); };
import fs from "node:fs";
const cpu = () => { const f = fs.readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1].split(" "); return (Number(f[11]) + Number(f[12])) * 10; };
await load({ connections: 5, seconds: 2, send: () => post(st()) });
const c0 = cpu();
const r = await load({ connections: 50, seconds: Number(process.argv[3] ?? "8"), send: () => post(batch === 1 ? st() : Array.from({ length: batch }, st)) });
const used = cpu() - c0;
console.log(batch, (r.requests * batch / r.elapsed).toFixed(0), "st/s", r.p50.toFixed(1), r.p99.toFixed(1), r.errors, "cpu ms/request", (used / r.requests).toFixed(3), "cpu ms/statement", (used / r.requests / batch).toFixed(3));
await new Promise((resolve) => { child.once("exit", resolve); child.kill("SIGINT"); });
database.drop();
