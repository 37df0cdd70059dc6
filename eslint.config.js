// ESLint, flat config: eslint's and typescript-eslint's recommended rules, type-aware for
// TypeScript, so that a promise nobody awaits or catches is an error.
// `npm run lint` lints src/, test/, bench/ and scripts/.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // The point of this config. node:test's test()/describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      // Off: about 200 findings in existing style, nearly all in tests that read parsed JSON (any) directly.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      // Off: async functions without await are deliberate here (a Command's run(), async generators over
      // data already in memory, a throw that must become a rejection).
      '@typescript-eslint/require-await': 'off',
      // Off: the control characters are the point where they appear (LXC config values are checked for them).
      'no-control-regex': 'off',
      // The house style: a leading _ marks a binding left unused on purpose (e.g. dropping keys with a rest pattern).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // Re-throwing a caught value (`(e) => Promise.reject(e)`) is fine: it was an error where it came from.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
    },
  },
  {
    // Tests and benchmarks read the program's JSON output as `any` on purpose (see the no-unsafe-* rules above).
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The plain JavaScript around the build (test/run.mjs, scripts/*.mjs, this file): eslint's rules, Node's globals.
    files: ['**/*.mjs', '**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
