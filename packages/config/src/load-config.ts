import { type z } from "zod";

/** One bad environment variable: which, what was wrong, and a value that would work. */
export interface ConfigProblem {
  readonly key: string;
  readonly message: string;
  readonly example?: string;
}

/** Thrown once at start-up, listing every bad key at the same time. */
export class ConfigError extends Error {
  readonly code = "CONFIG_INVALID";
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[]) {
    super(
      `Invalid configuration:\n${problems
        .map(
          (p) =>
            `  - ${p.key}: ${p.message}${p.example === undefined ? "" : ` (for example ${p.key}=${p.example})`}`,
        )
        .join("\n")}`,
    );
    this.name = "ConfigError";
    this.problems = problems;
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Parses `env` with `schema`. Pure: pass `process.env` from main.ts. Empty strings count as unset,
 * so `FOO=` in a shell behaves like no FOO at all.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Env,
  examples: Readonly<Record<string, string>> = {},
): Readonly<z.output<S>> {
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== "") cleaned[key] = value.trim();
  }
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const key = issue.path.map(String).join(".") || "(environment)";
        const example = examples[key];
        return example === undefined
          ? { key, message: issue.message }
          : { key, message: issue.message, example };
      }),
    );
  }
  return deepFreeze(parsed.data);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
