import type { Logger } from "@beklijf/core";

import { createCleanups } from "./shutdown";

function recordingLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (_fields, message) => {
      warnings.push(message ?? "");
    },
    error: () => undefined,
    child: () => logger,
  };
  return { logger, warnings };
}

describe("createCleanups", () => {
  it("runs cleanups in reverse order of registration, past one that fails", async () => {
    const { logger, warnings } = recordingLogger();
    const cleanups = createCleanups(logger);
    const ran: string[] = [];
    cleanups.add(() => {
      ran.push("database");
      return Promise.resolve();
    });
    cleanups.add(() => Promise.reject(new Error("queue gone")));
    cleanups.add(() => {
      ran.push("server");
      return Promise.resolve();
    });
    await cleanups.run();
    expect(ran).toEqual(["server", "database"]);
    expect(warnings).toEqual(["error while stopping"]);
  });

  it("leaves a step that hangs behind after its timeout and runs the rest", async () => {
    const { logger, warnings } = recordingLogger();
    const cleanups = createCleanups(logger, { stepTimeoutMs: 50 });
    const ran: string[] = [];
    cleanups.add(() => {
      ran.push("database");
      return Promise.resolve();
    });
    cleanups.add(function closeQueues() {
      return new Promise<void>(() => undefined);
    });
    await cleanups.run();
    expect(ran).toEqual(["database"]);
    expect(warnings).toEqual([
      "a step of stopping did not finish in time; going on without it",
    ]);
  });
});
