import {
  type ListeningServer,
  listenOnFreePort,
  serveMounted,
} from "@beklijf/testing";
import express from "express";

import { buildApp, buildStatementsLane, laneInFront } from "./app";
import type { IngestDeps } from "./deps";

/** How a test server takes `POST /xapi/statements`: both ways must answer alike. */
export type IngestWay = "express" | "lane";

/** Both ways, for `describe.each`. */
export const INGEST_WAYS: readonly IngestWay[] = ["express", "lane"];

/**
 * The xAPI app mounted at /xapi on a free loopback port: through Express alone (as the
 * all-in-one process serves it), or with the statements lane in front (as services/ingest's
 * main.ts serves it).
 */
export function serveIngest(
  deps: IngestDeps,
  way: IngestWay,
): Promise<ListeningServer> {
  if (way === "express") return serveMounted("/xapi", buildApp(deps));
  const root = express();
  root.use("/xapi", buildApp(deps));
  return listenOnFreePort(
    laneInFront(buildStatementsLane(deps, { mountPath: "/xapi" }), root),
  );
}
