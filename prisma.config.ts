import { defineConfig } from "prisma/config";

// Used by the Prisma CLI only (generate; `migrate deploy` for users who have the
// schema engine). The control plane reads DATABASE_URL through its own config.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env["DATABASE_URL"] ?? "postgresql://localhost:5432/airlock" },
});
