// The proto TargetSpec a connector needs to reach a connection's target.
import type { Credential, TargetSpec } from "@airlock/proto";
import { optionsOf, targetOptions } from "./connection-options";
import type { ConnectionRecord } from "./connection.repository";

export function toTargetSpec(row: ConnectionRecord, credential: Credential): TargetSpec {
  return {
    engine: row.type,
    host: row.host,
    port: row.port,
    database: row.database ?? "",
    username: row.username ?? "",
    credential,
    options: targetOptions(optionsOf(row.options)),
  };
}
