import express, { type Router } from "express";
import type { Registry } from "prom-client";

/** A dependency `/readyz` checks, e.g. `{ name: "postgres", check: () => pingDb(db) }`. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<boolean>;
}

/**
 * `/healthz` (the process is alive), `/readyz` (every dependency answers and start-up finished:
 * 503 otherwise, with each check's result) and `/metrics` (Prometheus text format).
 */
export function healthRouter(options: {
  checks: readonly ReadinessCheck[];
  registry: Registry;
  isStarted: () => boolean;
}): Router {
  const router = express.Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    const results = await Promise.all(
      options.checks.map(
        async (c) => [c.name, await c.check().catch(() => false)] as const,
      ),
    );
    const started = options.isStarted();
    const ready = started && results.every(([, ok]) => ok);
    res.status(ready ? 200 : 503).json({
      status: ready ? "ready" : "not ready",
      started,
      ...Object.fromEntries(results),
    });
  });
  router.get("/metrics", async (_req, res) => {
    res
      .type(options.registry.contentType)
      .send(await options.registry.metrics());
  });
  return router;
}
