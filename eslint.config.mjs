// ESLint (flat config): @eslint/js recommended + typescript-eslint `recommended`, without type
// information (the type-checked presets would re-run the compiler: `npx tsc` already type-checks,
// and lint stays a few seconds). The layer rules live in .dependency-cruiser.cjs.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

export default defineConfig(
  {
    ignores: ["dist/**", "node_modules/**", "coverage/**"],
  },
  {
    linterOptions: {
      // A disable comment that no longer disables anything is dead weight: say so.
      reportUnusedDisableDirectives: "error",
    },
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
    },
    rules: {
      // Unused code is a defect or a leftover; `_name` marks a parameter a signature needs but the
      // body does not (resolver arguments, Fastify handlers), or a destructured field left out on purpose.
      "@typescript-eslint/no-unused-vars": [
        "error",
        {
          args: "after-used",
          argsIgnorePattern: "^_",
          varsIgnorePattern: "^_",
          caughtErrors: "all",
          caughtErrorsIgnorePattern: "^_",
          destructuredArrayIgnorePattern: "^_",
          ignoreRestSiblings: true,
        },
      ],
      // `== null` (null or undefined) is the one loose comparison worth keeping.
      eqeqeq: ["error", "smart"],
      "no-fallthrough": "error",
      // The directory validates text: its regular expressions match NUL and other control
      // characters on purpose (domain/validate.ts, test/fuzz), which is all this rule would flag.
      "no-control-regex": "off",
      "prefer-const": ["error", { destructuring: "all" }],
      "no-empty": ["error", { allowEmptyCatch: false }],
      "no-var": "error",
      "no-throw-literal": "error",
      "no-self-compare": "error",
      "no-template-curly-in-string": "error",
      "no-unmodified-loop-condition": "error",
      "no-unreachable-loop": "error",
      "no-constructor-return": "error",
      "no-return-assign": ["error", "except-parens"],
      "no-sequences": "error",
      "no-useless-concat": "error",
      "no-new-wrappers": "error",
      "no-caller": "error",
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
      radix: "error",
    },
  },
  {
    // Tests, the bench and the scripts parse JSON answers as `any` and index into them: the
    // assertions that follow are the type check there. (Non-null assertions are allowed everywhere:
    // `recommended` does not include no-non-null-assertion.) src/ keeps no-explicit-any.
    files: ["test/**/*.ts", "bench/**/*.ts", "scripts/**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
    },
  },
  {
    // Plain JavaScript config files (jest.config.js, .dependency-cruiser.cjs) run under Node as CommonJS.
    files: ["**/*.js", "**/*.cjs"],
    languageOptions: {
      sourceType: "commonjs",
      globals: { module: "writable", require: "readonly", __dirname: "readonly", process: "readonly" },
    },
    rules: {
      "@typescript-eslint/no-require-imports": "off",
    },
  },
);
