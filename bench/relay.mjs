// One plain TCP relay: `node bench/relay.mjs <listen-port> <target-host> <target-port>`.
// Socket → socket with pipe() (backpressure included), Nagle off on both sides, nothing
// parsed. Three of these in a chain are the floor for Airlock's hop count.
import net from "node:net";

const [listenPort, targetHost, targetPort] = process.argv.slice(2);
if (!listenPort || !targetHost || !targetPort) {
  process.stderr.write("usage: node bench/relay.mjs <listen-port> <target-host> <target-port>\n");
  process.exit(2);
}

const server = net.createServer({ noDelay: true }, (client) => {
  const upstream = net.connect({ host: targetHost, port: Number(targetPort), noDelay: true });
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on("error", close);
  upstream.on("error", close);
  client.on("close", close);
  upstream.on("close", close);
  client.pipe(upstream);
  upstream.pipe(client);
});

server.listen(Number(listenPort), "127.0.0.1", () => {
  process.stdout.write(
    `relay listening on 127.0.0.1:${listenPort} -> ${targetHost}:${targetPort}\n`,
  );
});
process.on("SIGTERM", () => process.exit(0));
