// The tests' OpenID Connect provider: scripts/dev-idp.mjs (plain JavaScript, shared with
// `npm run demo`; what it does is described there, its types are in scripts/dev-idp.d.mts).
//
//   const idp = await startTestIdp({ clients: [...], accounts: [...] });
//   ... AIRLOCK_OIDC_ISSUER=idp.issuer ...
//   await idp.stop();

export { startTestIdp } from "../../scripts/dev-idp.mjs";
export type { IdpAccount, IdpClient, TestIdp, TestIdpOptions } from "../../scripts/dev-idp.mjs";
