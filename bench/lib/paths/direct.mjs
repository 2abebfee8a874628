// Path 1: pgbench straight to Postgres.
import { pgHost, pgPort } from "../postgres.mjs";

export async function startDirect() {
  return {
    name: "direct",
    label: "direct",
    host: pgHost,
    port: pgPort,
    processes: [],
    async stop() {},
  };
}
