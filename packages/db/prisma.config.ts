// Prisma CLI configuration. Only the standard CLI reads this (generate everywhere; migrate deploy
// where Prisma's schema engine can be downloaded). beklijf applies migrations itself: see
// docs/decisions/0002-migrations-without-the-native-schema-engine.md.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: {
    url:
      process.env["DATABASE_URL"] ??
      "postgresql://postgres@127.0.0.1:5432/beklijf",
  },
});
