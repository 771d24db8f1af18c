// Writes rules.schema.json, the JSON Schema of a rule file, from the zod schema in src/rule.ts.
// Run it after changing the rule language: node packages/rules/scripts/write-schema.mjs
// (src/rule-file-json-schema.test.ts fails while the committed file is out of date).
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { tsImport } from "tsx/esm/api";

const { ruleFileJsonSchema } = await tsImport(
  "../src/rule-file-json-schema.ts",
  import.meta.url,
);
const target = fileURLToPath(new URL("../rules.schema.json", import.meta.url));
writeFileSync(target, `${JSON.stringify(ruleFileJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target}`);
