import { createWorker } from "@beklijf/queue";

import type { MailerDeps } from "./deps";
import {
  DEFAULT_TEMPLATES_MAX_AGE_MS,
  openTenantTemplates,
  withFreshTemplates,
} from "./tenant-templates";
import { deliveryHandlers } from "./workers/deliveries";

export interface MailerHandle {
  stop(): Promise<void>;
}

export function start(
  deps: MailerDeps,
  options: { concurrency?: number } = {},
): MailerHandle {
  const templates = openTenantTemplates(deps);
  const handlers = withFreshTemplates(
    templates,
    deps.templatesMaxAgeMs ?? DEFAULT_TEMPLATES_MAX_AGE_MS,
    deliveryHandlers({ ...deps, templates }),
  );
  const worker = createWorker("deliveries", handlers, {
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
