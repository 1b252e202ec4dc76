// ESLint flat config: type-aware rules from typescript-eslint, with no rule switched off globally.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

// A SQL statement written as a template literal with `${...}` in it is SQL built from strings: values must go in
// as bound parameters ($1, $2...) instead. Tagged templates (sql`...`) are left alone: the tag is what binds them.
const SQL_KEYWORD = String.raw`/^\s*(select|insert|update|delete|with)\b/i`;
const sqlBuiltFromStrings = {
  selector: `TemplateLiteral[expressions.length>0][quasis.0.value.raw=${SQL_KEYWORD}]:not(TaggedTemplateExpression > TemplateLiteral)`,
  message:
    'Do not build SQL from a template literal in HTTP code: pass values as bound parameters ($1, $2...) to the store.',
};

export default defineConfig(
  globalIgnores(['**/node_modules/', 'data/', '.bench/', 'coverage/']),
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: {
      reportUnusedDisableDirectives: 'error',
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test runs and reports these itself: their promises are not for the caller to await.
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after'] },
          ],
        },
      ],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Tests inspect response JSON whose shape they are asserting, so they may treat it as untyped.
    files: ['**/*.test.ts', '**/test-support/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // The HTTP edge: routes files and everything under an api/ folder.
    files: ['**/*.routes.ts', '**/api/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', sqlBuiltFromStrings],
    },
  },
  {
    // Config files at the root (this file, .dependency-cruiser.cjs) are plain JavaScript outside the TypeScript
    // project, so type-aware rules cannot run on them.
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: { module: 'writable', require: 'readonly', process: 'readonly', console: 'readonly' },
    },
  },
);
