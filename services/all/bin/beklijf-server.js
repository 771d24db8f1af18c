#!/usr/bin/env node
// Runs the all-in-one process from TypeScript source (tsx compiles on the fly; no build step).
require("tsx/cjs/api").register();
require("../src/main.ts");
