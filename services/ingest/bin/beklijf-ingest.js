#!/usr/bin/env node
// Runs services/ingest on its own, from TypeScript source (tsx compiles on the fly).
require("tsx/cjs/api").register();
require("../src/main.ts");
