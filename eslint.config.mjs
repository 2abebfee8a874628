// ESLint flat config. Formatting belongs to Prettier and import boundaries to
// dependency-cruiser (.dependency-cruiser.cjs); this file is about code that is
// wrong or risky: floating promises, non-exhaustive switches, unsafe `any`.
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

const root = import.meta.dirname;

/** Tests and tooling files that no package tsconfig includes. */
const testFiles = [
  "test/**/*.ts",
  "apps/*/test/**/*.ts",
  "packages/*/test/**/*.ts",
  "vitest.config.mts",
  // Declarations of the plain-JavaScript tooling the tests import (scripts/dev-idp.mjs).
  "scripts/*.d.mts",
];

export default defineConfig(
  globalIgnores([
    "**/node_modules/",
    "**/dist/",
    "**/coverage/",
    "packages/proto/src/gen/",
    "apps/control-plane/src/generated/",
    "prisma/migrations/",
    // Third-party files kept as published.
    "vendor/",
  ]),

  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,

  {
    name: "airlock/typescript",
    files: ["**/*.ts", "**/*.mts", "**/*.cts"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: root },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // A switch without `default` must list every member. With a `default`, our own unions
      // end in `assertNever(x)` (STYLE.md rule 2), which the compiler already checks;
      // wide foreign enums (gRPC Status) may fall through to a default.
      "@typescript-eslint/switch-exhaustiveness-check": [
        "error",
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        {
          argsIgnorePattern: "^_",
          varsIgnorePattern: "^_",
          caughtErrorsIgnorePattern: "^_",
          destructuredArrayIgnorePattern: "^_",
          ignoreRestSiblings: true,
        },
      ],
      // `import type` would erase the classes Nest reads through emitDecoratorMetadata.
      "@typescript-eslint/consistent-type-imports": "off",
      // Nest handlers and interface implementations (TargetEngine) are `async` by contract;
      // a missing `await` that matters is caught by no-floating-promises instead.
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/only-throw-error": "error",
      "@typescript-eslint/prefer-promise-reject-errors": "error",
      eqeqeq: ["error", "always", { null: "ignore" }],
    },
  },

  {
    // Files outside every package tsconfig get their types from one tooling project.
    name: "airlock/tests-and-tooling",
    files: testFiles,
    languageOptions: {
      parserOptions: {
        projectService: false,
        project: ["./test/support/tsconfig.json"],
        tsconfigRootDir: root,
      },
    },
    rules: {
      // Assertions on parsed JSON and mocks: `any` and unbound methods are the norm here.
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/unbound-method": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },

  {
    // Plain JavaScript (scripts, bin shims) and prisma.config.ts, whose `prisma/config`
    // resolves only from apps/control-plane: linted without type information.
    name: "airlock/untyped",
    files: ["**/*.js", "**/*.mjs", "**/*.cjs", "prisma.config.ts"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: globals.node,
    },
    rules: {
      "@typescript-eslint/no-require-imports": "off",
    },
  },
);
