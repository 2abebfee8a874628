// Path 3: three chained plain Node TCP relays, three processes (the CLI → control plane →
// connector hop count with nothing but socket.pipe()).
import path from "node:path";
import { fileURLToPath } from "node:url";
import { pgHost, pgPort } from "../postgres.mjs";
import { Daemon, freePort } from "../procs.mjs";

const relayScript = fileURLToPath(new URL("../../relay.mjs", import.meta.url));

export async function startRelays({ logDir }) {
  const ports = [await freePort(), await freePort(), await freePort()];
  const relays = [];
  try {
    // Start from the Postgres end so every hop's target is already listening.
    for (let i = 2; i >= 0; i--) {
      const [host, port] = i === 2 ? [pgHost, pgPort] : ["127.0.0.1", ports[i + 1]];
      const relay = new Daemon(
        `relay-${i + 1}`,
        process.execPath,
        [relayScript, String(ports[i]), host, String(port)],
        {
          env: { PATH: process.env.PATH ?? "" },
          logPath: path.join(logDir, `relay-${i + 1}.log`),
        },
      );
      relays.unshift(relay);
      await relay.waitForLog(/relay listening/, 10_000);
    }
  } catch (err) {
    await Promise.all(relays.map((r) => r.stop()));
    throw err;
  }
  return {
    name: "relays",
    label: "3 Node TCP relays",
    host: "127.0.0.1",
    port: ports[0],
    processes: relays.map((r) => ({ role: r.name, pid: r.pid })),
    async stop() {
      await Promise.all(relays.map((r) => r.stop()));
    },
  };
}
