#!/usr/bin/env node
// Where the time goes in a V8 CPU profile (`node --cpu-prof`): the top functions by self time,
// and self time per package / app. Usage:
//   node bench/top-functions.mjs <file.cpuprofile | directory> [--top N] [--match substring]
// Given a directory, reads the newest .cpuprofile in it (optionally whose name has --match).
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: "string", default: "25" }, match: { type: "string" } },
});
const target =
  positionals[0] ?? path.join(path.dirname(new URL(import.meta.url).pathname), "profiles");
const top = Number(values.top);

function pickFile(p) {
  if (!statSync(p).isDirectory()) return p;
  const files = readdirSync(p)
    .filter((f) => f.endsWith(".cpuprofile") && (!values.match || f.includes(values.match)))
    .map((f) => path.join(p, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (files.length === 0) {
    process.stderr.write(`no .cpuprofile in ${p} (run \`pnpm bench -- --profile\` first)\n`);
    process.exit(1);
  }
  return files[0];
}

/** "node:internal/…", a package name, apps/<x> / packages/<x>, or the url itself. */
function owner(url) {
  if (!url) return "(native / V8)";
  if (url.startsWith("node:")) return url.split("/").slice(0, 2).join("/");
  const nm = url.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + "/node_modules/".length).split("/");
    return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const m = /\/((?:apps|packages)\/[^/]+)\//.exec(url);
  return m ? m[1] : url.replace(/^file:\/\//, "");
}

const file = pickFile(target);
const profile = JSON.parse(readFileSync(file, "utf8"));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map();
let totalUs = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0;
  totalUs += dt;
  selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + dt);
}

const fns = new Map();
const owners = new Map();
for (const [id, us] of selfUs) {
  const { callFrame } = byId.get(id);
  const name = callFrame.functionName || "(anonymous)";
  const where = callFrame.url
    ? `${callFrame.url.replace(/^file:\/\//, "").replace(process.cwd() + "/", "")}:${callFrame.lineNumber + 1}`
    : "";
  const key = `${name}\t${where}`;
  fns.set(key, (fns.get(key) ?? 0) + us);
  const o = name.startsWith("(") && !callFrame.url ? name : owner(callFrame.url);
  owners.set(o, (owners.get(o) ?? 0) + us);
}

// Percentages are of the busy time: (idle) is the event loop waiting, reported apart.
const idleUs = owners.get("(idle)") ?? 0;
const busyUs = totalUs - idleUs;
owners.delete("(idle)");
for (const key of fns.keys()) if (key.startsWith("(idle)\t")) fns.delete(key);
const pct = (us) => `${((100 * us) / busyUs).toFixed(1).padStart(5)}%`;
const ms = (us) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
process.stdout.write(
  `${file}\n${(totalUs / 1e6).toFixed(1)} s sampled: ${(busyUs / 1e6).toFixed(1)} s busy, ` +
    `${(idleUs / 1e6).toFixed(1)} s idle (percentages below are of the busy time)\n\n`,
);
process.stdout.write(`Top ${top} functions by self time\n`);
for (const [key, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  const [name, where] = key.split("\t");
  process.stdout.write(`${ms(us)} ${pct(us)}  ${name}  ${where}\n`);
}
process.stdout.write(`\nSelf time by package / app\n`);
for (const [o, us] of [...owners].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  process.stdout.write(`${ms(us)} ${pct(us)}  ${o}\n`);
}
