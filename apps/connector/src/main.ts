// airlock-connector: parse config, build the engine registry, dial the control
// plane, drain on SIGTERM/SIGINT.
//
// Exit codes: 0 stopped (drained); 1 bad configuration, a second signal or a
// crash; 2 the control plane refused this connector (token refused, or
// disconnect without retry) — restarting will not help until an operator acts.

import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { parseConfig } from "./config";
import { buildEngineRegistry } from "./engines";
import { createLogger } from "./logger";
import { onShutdownSignals } from "./signals";
import { ControlChannel } from "./tunnel/control-channel";
import { connectorVersion } from "./version";

async function main(): Promise<void> {
  const parsed = parseConfig(process.env, { hostname: hostname() });
  if (!parsed.ok) {
    for (const problem of parsed.problems) process.stderr.write(`config: ${problem}\n`);
    process.exit(1);
  }
  const config = parsed.config;
  const log = createLogger(config.logLevel);
  process.on("uncaughtException", (err) => {
    log.fatal({ err }, "uncaught exception; exiting");
    process.exit(1);
  });
  process.on("unhandledRejection", (err) => {
    log.fatal({ err }, "unhandled promise rejection; exiting");
    process.exit(1);
  });

  const version = connectorVersion();
  const instanceId = randomUUID();
  const registry = buildEngineRegistry();
  log.info(
    {
      version,
      instanceId,
      controlPlane: config.controlPlane,
      tls: config.insecure ? "off" : config.tlsCaFile ? `CA ${config.tlsCaFile}` : "system roots",
      hostname: config.hostname,
      capabilities: registry.names(),
    },
    "connector starting",
  );
  if (config.insecure) {
    log.warn(
      "AIRLOCK_INSECURE=true: the tunnel is plaintext, so the connector token and target credentials cross the network in clear text; use it for local development only",
    );
  }

  const channel = new ControlChannel({ config, registry, log, version, instanceId });
  onShutdownSignals(log, (signal) => void channel.drain(`received ${signal}`));
  channel.start();

  const end = await channel.ended;
  const exitCode = end.kind === "fatal" ? 2 : 0;
  log.info(
    { exitCode, ...(end.kind === "fatal" ? { reason: end.reason } : {}) },
    "connector stopped",
  );
  process.exit(exitCode);
}

void main();
