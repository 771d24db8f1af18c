#!/usr/bin/env node
// The beklijf command line, run from TypeScript source (tsx compiles on the fly).
require("tsx/cjs/api").register();
require("../src/main.ts");
