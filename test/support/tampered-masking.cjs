// Preloaded into a connector process (NODE_OPTIONS=--require …) to make it a TAMPERED
// connector: its masking library never plans anything, so results leave it unmasked.
// Used only by test/e2e/masking-verification.test.ts, to show that the control plane's
// verification pass catches such a connector (docs/design/0007-masking.md).
const path = require("node:path");
const entry = require.resolve("@airlock/masking", {
  paths: [path.join(__dirname, "../../apps/connector")],
});
const masking = require(entry);
masking.Masker.prototype.plan = function plan() {
  return undefined;
};
masking.Masker.prototype.planCopy = function planCopy() {
  return undefined;
};
