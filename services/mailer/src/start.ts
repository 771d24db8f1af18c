import { createWorker } from "@beklijf/queue";

import type { MailerDeps } from "./deps";
import { deliveryHandlers } from "./workers/deliveries";

export interface MailerHandle {
  stop(): Promise<void>;
}

export function start(
  deps: MailerDeps,
  options: { concurrency?: number } = {},
): MailerHandle {
  const worker = createWorker("deliveries", deliveryHandlers(deps), {
    connection: deps.connection,
    prefix: deps.prefix,
    logger: deps.logger,
    concurrency: options.concurrency ?? 10,
  });
  return {
    stop: async () => {
      await worker.close();
      deps.transport.close();
    },
  };
}
