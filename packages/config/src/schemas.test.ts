import { ConfigError, loadConfig } from "./load-config";
import {
  allInOneSchema,
  CONFIG_EXAMPLES,
  ingestSchema,
  mailerSchema,
  redactConfig,
} from "./schemas";

const load = (env: Record<string, string>) =>
  loadConfig(allInOneSchema, env, CONFIG_EXAMPLES);

function problemsOf(env: Record<string, string>) {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => p.key);
    throw error;
  }
  return [];
}

describe("allInOneSchema", () => {
  it("runs on no environment at all, in embedded mode", () => {
    const config = load({});
    expect(config).toMatchObject({
      PORT: 3000,
      BEKLIJF_TIME_SCALE: 1,
      LOG_LEVEL: "info",
      BEKLIJF_MIGRATE_ON_START: true,
      BEKLIJF_REDIS_PREFIX: "{beklijf}",
    });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it.each([
    ["DATABASE_URL", "mysql://x@y/z"],
    ["REDIS_URL", "http://127.0.0.1:6379"],
    ["SMTP_URL", "not a url"],
    ["PORT", "70000"],
    ["PORT", "3.5"],
    ["BEKLIJF_TIME_SCALE", "0"],
    ["BEKLIJF_TIME_SCALE", "fast"],
    ["BEKLIJF_SECRET", "short"],
    ["BEKLIJF_MIGRATE_ON_START", "maybe"],
    ["LOG_LEVEL", "loud"],
    ["BEKLIJF_PUBLIC_URL", "ftp://x"],
    ["BEKLIJF_REDIS_PREFIX", "beklijf"],
  ])("rejects %s=%s", (key, value) => {
    expect(problemsOf({ [key]: value })).toEqual([key]);
  });

  it("reads BEKLIJF_PREVIOUS_SECRETS as a list, and names a short one by position, never by value", () => {
    const old = "o".repeat(32);
    const older = "p".repeat(40);
    expect(load({}).BEKLIJF_PREVIOUS_SECRETS).toEqual([]);
    expect(
      load({ BEKLIJF_PREVIOUS_SECRETS: ` ${old}, ${older},` })
        .BEKLIJF_PREVIOUS_SECRETS,
    ).toEqual([old, older]);
    try {
      load({ BEKLIJF_PREVIOUS_SECRETS: `${old},tooshort-secret-value` });
      throw new Error("expected a ConfigError");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as ConfigError).message;
      expect(message).toContain("BEKLIJF_PREVIOUS_SECRETS");
      expect(message).toContain(
        "secret number 2 is shorter than 32 characters",
      );
      expect(message).not.toContain("tooshort-secret-value");
    }
  });

  it("reads false as false", () => {
    expect(
      load({ BEKLIJF_MIGRATE_ON_START: "false" }).BEKLIJF_MIGRATE_ON_START,
    ).toBe(false);
    expect(
      load({ BEKLIJF_MIGRATE_ON_START: "0" }).BEKLIJF_MIGRATE_ON_START,
    ).toBe(false);
  });

  it("lists every bad key at once, with an example", () => {
    try {
      load({ PORT: "x", SMTP_URL: "nope" });
      throw new Error("expected a ConfigError");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as ConfigError).message;
      expect(message).toContain("PORT");
      expect(message).toContain(
        "SMTP_URL=smtp://user:pass@smtp.example.com:587",
      );
    }
  });

  it("treats an empty value as unset", () => {
    expect(load({ DATABASE_URL: "" }).DATABASE_URL).toBeUndefined();
  });

  it("never prints secret values in the summary", () => {
    const summary = JSON.stringify(
      redactConfig(
        load({
          DATABASE_URL: "postgresql://u:hunter2@h/d",
          BEKLIJF_SECRET: "x".repeat(40),
        }),
      ),
    );
    expect(summary).not.toContain("hunter2");
    expect(summary).not.toContain("x".repeat(40));
    expect(summary).toContain('"DATABASE_URL":"<set>"');
  });
});

describe("standalone service schemas", () => {
  it("need DATABASE_URL and REDIS_URL (no embedded defaults beyond one machine)", () => {
    expect(() => loadConfig(ingestSchema, {})).toThrow(
      /DATABASE_URL[\s\S]*REDIS_URL/,
    );
    expect(
      loadConfig(ingestSchema, {
        DATABASE_URL: "postgresql://h/d",
        REDIS_URL: "redis://h:6379",
      }).PORT,
    ).toBe(3000);
  });

  it("make the mailer name its SMTP server, public URL and secret", () => {
    const base = {
      DATABASE_URL: "postgresql://h/d",
      REDIS_URL: "redis://h:6379",
    };
    try {
      loadConfig(mailerSchema, base);
      throw new Error("expected a ConfigError");
    } catch (error) {
      expect((error as ConfigError).problems.map((p) => p.key).sort()).toEqual([
        "BEKLIJF_PUBLIC_URL",
        "BEKLIJF_SECRET",
        "SMTP_URL",
      ]);
    }
  });
});
