// Import boundaries (STYLE.md rule 18), checked by `pnpm lint` through
//   depcruise apps packages test --config .dependency-cruiser.cjs
// Paths are matched after resolution. With pnpm, a package resolves to
// node_modules/.pnpm/<name>@<version>/node_modules/<name>/..., so "the package X" is
// matched as `(^|/node_modules/)X/`; the leading `^` also catches a bare specifier
// that could not be resolved. Test code (root test/, any */test/, *.test.ts) may
// import anything.

/** A module inside the npm package(s) given as a regex alternation. */
const pkg = (names) => `(^|/node_modules/)(${names})(/|$)`;

const TEST_CODE = ["^test/", "^(apps|packages)/[^/]+/test/", "\\.test\\.ts$"];
const PRISMA = ["^apps/control-plane/src/generated/", pkg("@prisma/[^/]+"), pkg("prisma")];
const INFRA = pkg("@nestjs/[^/]+|@prisma/[^/]+|prisma|pg|ioredis|bullmq");

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Circular imports make load order matter and hide a missing module boundary.",
      from: {},
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment:
        "An import that does not resolve (missing dependency or file; run `pnpm build` first).",
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: "apps-not-to-other-apps",
      severity: "error",
      comment: "An app never imports another app; share code through a package under packages/.",
      from: { path: "^apps/([^/]+)/", pathNot: TEST_CODE },
      to: {
        path: ["^apps/", "^@airlock/(control-plane|connector|cli)(/|$)"],
        pathNot: ["^apps/$1/"],
      },
    },
    {
      name: "packages-not-to-apps",
      severity: "error",
      comment: "Packages are the shared layer: they never depend on an app.",
      from: { path: "^packages/", pathNot: TEST_CODE },
      to: { path: ["^apps/", "^@airlock/(control-plane|connector|cli)(/|$)"] },
    },
    {
      name: "packages-not-to-infrastructure",
      severity: "error",
      comment:
        "Packages stay free of NestJS, Prisma (and its generated client), pg, ioredis and bullmq.",
      from: { path: "^packages/", pathNot: TEST_CODE },
      to: { path: [INFRA, "^apps/control-plane/src/generated/"] },
    },
    {
      name: "policy-core-is-pure",
      severity: "error",
      comment: "policy-core imports only the Node standard library, zod and libpg-query.",
      from: { path: "^packages/policy-core/", pathNot: TEST_CODE },
      to: {
        dependencyTypesNot: ["core"],
        pathNot: ["^packages/policy-core/", pkg("zod|libpg-query")],
      },
    },
    {
      name: "masking-is-pure",
      severity: "error",
      comment:
        "masking imports only the Node standard library: the connector masks without policy-core or libpg-query.",
      from: { path: "^packages/masking/", pathNot: [...TEST_CODE, "^packages/masking/bench/"] },
      to: {
        dependencyTypesNot: ["core"],
        pathNot: ["^packages/masking/"],
      },
    },
    {
      name: "proto-imports-only-its-runtime",
      severity: "error",
      comment: "The contract package imports only @bufbuild/protobuf and @grpc/grpc-js.",
      from: { path: "^packages/proto/", pathNot: TEST_CODE },
      to: {
        dependencyTypesNot: ["core"],
        pathNot: ["^packages/proto/", pkg("@bufbuild/protobuf|@grpc/grpc-js")],
      },
    },
    {
      name: "only-repositories-touch-prisma",
      severity: "error",
      comment:
        "Only *.repository.ts (plus the Prisma service/module in apps/control-plane/src/db/ and the migrator) may import the generated Prisma client or @prisma/*.",
      from: {
        pathNot: [
          ...TEST_CODE,
          "\\.repository\\.ts$",
          "^apps/control-plane/src/db/prisma[^/]*\\.ts$",
          "^apps/control-plane/src/(db/)?migrat[^/]*\\.ts$",
          "^apps/control-plane/src/generated/",
          "(^|/)node_modules/",
        ],
      },
      to: { path: PRISMA },
    },
    {
      name: "nest-only-in-control-plane",
      severity: "error",
      comment: "The connector and the CLI are plain Node processes: no @nestjs/*.",
      from: { path: "^apps/(connector|cli)/", pathNot: TEST_CODE },
      to: { path: pkg("@nestjs/[^/]+") },
    },
    {
      name: "no-test-code-in-src",
      severity: "error",
      comment: "Production code never imports test code or a test framework (STYLE.md rule 16).",
      from: { path: "^(apps|packages)/[^/]+/src/" },
      to: { path: [...TEST_CODE, pkg("vitest|@vitest/[^/]+")] },
    },
  ],
  options: {
    // Build output and the generated Prisma client appear as targets (so the rules above
    // see them) but are not cruised themselves.
    doNotFollow: {
      path: ["(^|/)node_modules/", "(^|/)dist/", "^apps/control-plane/src/generated/"],
    },
    exclude: { path: ["(^|/)coverage/"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.base.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "types", "default"],
      mainFields: ["module", "main", "types", "typings"],
    },
    cache: false,
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
