import { readFileSync } from "node:fs";
import path from "node:path";

import type { CliConfig } from "@beklijf/config";
import { errorMessage, ValidationError } from "@beklijf/core";
import type { LrsSettings } from "@beklijf/db";

/** The options of `connection create` that name an external LRS. */
export interface LrsOptions {
  readonly pullFrom?: string;
  readonly forwardTo?: string;
  readonly forwardAnswers?: boolean;
  readonly lrsUser?: string;
  readonly lrsPasswordFile?: string;
  readonly pullInterval?: string;
}

/** What `createConnection` takes for those options; empty when none was given. */
export interface LrsInput {
  readonly mode?: "push" | "pull";
  readonly lrs?: LrsSettings;
  readonly pullIntervalSeconds?: number;
  readonly forwardAnswers?: boolean;
  readonly sealingSecret?: string;
}

function invalid(message: string): ValidationError {
  return new ValidationError(message, [], "CONNECTION_INVALID");
}

/**
 * Turns `--pull-from URL` (pull mode) or `--forward-to URL` (a push connection that forwards
 * answers), with `--lrs-user` and `--lrs-password-file`, into a connection's LRS settings. The
 * password comes from a file (its first line), so it never shows in the shell history or `ps`.
 */
export function lrsInput(options: LrsOptions, config: CliConfig): LrsInput {
  const { pullFrom, forwardTo } = options;
  if (pullFrom === undefined && forwardTo === undefined) {
    if (
      options.lrsUser !== undefined ||
      options.lrsPasswordFile !== undefined ||
      options.pullInterval !== undefined ||
      options.forwardAnswers === true
    )
      throw invalid(
        "--lrs-user, --lrs-password-file, --pull-interval and --forward-answers need --pull-from URL (or --forward-to URL).",
      );
    return {};
  }
  if (
    pullFrom !== undefined &&
    forwardTo !== undefined &&
    pullFrom !== forwardTo
  )
    throw invalid(
      "A connection has one external LRS: give --pull-from, or --forward-to, not two different URLs.",
    );
  const endpoint = pullFrom ?? forwardTo ?? "";
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw invalid(
      `"${endpoint}" is not a URL; give the LRS's xAPI base URL, e.g. https://lrs.example.com/xapi.`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw invalid(`The LRS URL must be http or https, not ${url.protocol}`);
  if (url.username !== "" || url.password !== "")
    throw invalid(
      "Leave the credentials out of the LRS URL; give --lrs-user and --lrs-password-file.",
    );
  if (options.lrsUser === undefined || options.lrsPasswordFile === undefined)
    throw invalid(
      "The LRS needs --lrs-user NAME and --lrs-password-file FILE (a file whose first line is the password).",
    );
  let password: string;
  try {
    password =
      readFileSync(options.lrsPasswordFile, "utf8").split(/\r?\n/)[0] ?? "";
  } catch (error) {
    throw invalid(
      `Cannot read --lrs-password-file ${options.lrsPasswordFile}: ${errorMessage(error)}`,
    );
  }
  if (password === "")
    throw invalid(`--lrs-password-file ${options.lrsPasswordFile} is empty.`);
  let pullIntervalSeconds: number | undefined;
  if (options.pullInterval !== undefined) {
    pullIntervalSeconds = Number(options.pullInterval);
    if (
      !Number.isInteger(pullIntervalSeconds) ||
      pullIntervalSeconds < 10 ||
      pullIntervalSeconds > 86_400
    )
      throw invalid(
        `--pull-interval takes whole seconds from 10 to 86400; got "${options.pullInterval}".`,
      );
  }
  return {
    mode: pullFrom === undefined ? "push" : "pull",
    lrs: { endpoint, username: options.lrsUser, password },
    ...(pullIntervalSeconds === undefined ? {} : { pullIntervalSeconds }),
    forwardAnswers: forwardTo !== undefined || options.forwardAnswers === true,
    sealingSecret: deploymentSecret(config),
  };
}

/**
 * BEKLIJF_SECRET, or the one `npm start` generated into the data dir: LRS passwords must be
 * sealed under the secret the running services open them with.
 */
function deploymentSecret(config: CliConfig): string {
  if (config.BEKLIJF_SECRET !== undefined) return config.BEKLIJF_SECRET;
  const file = path.resolve(config.BEKLIJF_DATA_DIR, "secret");
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    throw invalid(
      `Storing an LRS password needs the deployment's secret: set BEKLIJF_SECRET as the services have it, or run \`npm start\` once so that ${file} exists.`,
    );
  }
}
