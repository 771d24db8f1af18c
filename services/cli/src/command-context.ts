import type { CliConfig } from "@beklijf/config";
import type { Logger } from "@beklijf/core";

/** What the people, rules and simulate commands need from the CLI's composition root. */
export interface CommandContext {
  readonly config: () => CliConfig;
  readonly logger: Logger;
  readonly print: (value: unknown) => void;
}
