// One jest run for the whole monorepo: unit tests (*.test.ts) and integration tests
// (*.int.test.ts) against real PostgreSQL, Redis and SMTP. See packages/testing/README.md.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/packages", "<rootDir>/services", "<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/generated/"],
  transform: {
    "^.+\\.ts$": [
      "@swc/jest",
      {
        jsc: { target: "es2022", parser: { syntax: "typescript" } },
        module: { type: "commonjs" },
      },
    ],
  },
  // Prisma's generated client (and NodeNext-style code) imports "./x.js" meaning "./x.ts".
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  globalSetup: "<rootDir>/packages/testing/src/global-setup.ts",
  globalTeardown: "<rootDir>/packages/testing/src/global-teardown.ts",
  testTimeout: 30000,
  maxWorkers: 2,
};
