import { systemClock } from "@beklijf/core";
import express from "express";

import { createLogger } from "./logger";
import { createMetrics } from "./metrics";
import { serveHttp } from "./process";
import { createCleanups } from "./shutdown";

// Behind a load balancer every request comes from the balancer: BEKLIJF_TRUST_PROXY makes
// req.ip the client's address again, also inside mounted apps (the console counts sign-in
// failures by it).
describe("serveHttp trustProxy", () => {
  async function clientIpSeen(trustProxy: number): Promise<string> {
    const logger = createLogger("silent");
    const base = {
      name: "test",
      logger,
      metrics: createMetrics(),
      clock: systemClock,
      cleanups: createCleanups(logger),
    };
    const mounted = express();
    mounted.get("/ip", (req, res) => {
      res.send(req.ip);
    });
    const { port } = await serveHttp(base, {
      port: 0,
      checks: [],
      trustProxy,
      mount: (app) => app.use("/web", mounted),
    });
    try {
      const res = await fetch(`http://127.0.0.1:${String(port)}/web/ip`, {
        headers: { "X-Forwarded-For": "203.0.113.9" },
      });
      return await res.text();
    } finally {
      await base.cleanups.run();
    }
  }

  it("takes the client address from X-Forwarded-For with one trusted proxy", async () => {
    expect(await clientIpSeen(1)).toBe("203.0.113.9");
  });

  it("ignores X-Forwarded-For when no proxy is trusted", async () => {
    expect(await clientIpSeen(0)).not.toBe("203.0.113.9");
  });
});
