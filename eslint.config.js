import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const noEnums = { selector: 'TSEnumDeclaration', message: 'Use an `as const` union instead of an enum.' };
// `import { z }` keeps all of zod (every locale) in a browser bundle; the namespace import lets bundlers drop what is unused.
const zodNamespace = {
  selector: "ImportDeclaration[source.value='zod'] > ImportSpecifier[imported.name='z']",
  message: "Browser code imports `* as z from 'zod'`: `{ z }` puts all of zod in a page's bundle (three times the size).",
};

export default tseslint.config(
  // examples/ are projects of their own (they import runstream as a package); their test runs them.
  { ignores: ['node_modules/', '.runstream/', 'dist/', 'coverage/', 'src/server/viewer/assets/', 'examples/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      // A `default:` must not hide a missing case: a new member of a union fails lint where it is not handled.
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: false, allowDefaultCaseForExhaustiveSwitch: true, requireDefaultForNonUnion: false },
      ],
      'import-x/no-cycle': 'error',
      'no-restricted-syntax': ['error', noEnums],
    },
  },
  {
    // Workflow code is replayed deterministically in a sandbox: no Node built-ins, no I/O clients.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'ioredis', 'undici', 'zod', 'hono', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'workflows/ may import only @temporalio/workflow and types.' },
            { group: ['../src/**', '../activities/**'], message: 'workflows/ imports only types from src/ and activities/ (use `import type`).', allowTypeImports: true },
          ],
        },
      ],
    },
  },
  {
    // The protocol runs in browsers too (it is `runstream/events`): zod, eventsource-parser and its own files only.
    files: ['src/protocol/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', noEnums, zodNamespace],
      'import-x/no-nodejs-modules': 'error',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(?!(zod|eventsource-parser)$|\\./)', message: 'src/protocol/ imports only zod, eventsource-parser and its own files.' }] },
      ],
    },
  },
  {
    // The client runs in browsers too: no Node built-ins or I/O libraries; from the rest of src/, the protocol (types elsewhere).
    files: ['src/client/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', noEnums, zodNamespace],
      'import-x/no-nodejs-modules': 'error',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['ioredis', 'undici', 'hono', '@hono/*', '@temporalio/*'], message: 'src/client/ runs in browsers: no server libraries.' },
            { group: ['../*', '!../protocol', '!../protocol/*'], message: 'src/client/ imports values only from the protocol (use `import type` for the API types).', allowTypeImports: true },
          ],
        },
      ],
    },
  },
  {
    // The viewer pages run in browsers, bundled by scripts/build-viewer.mjs: the protocol's values, types from elsewhere.
    files: ['src/viewer/**/*.ts'],
    rules: {
      'import-x/no-nodejs-modules': 'error',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['ioredis', 'undici', 'hono', '@hono/*', '@temporalio/*'], message: 'src/viewer/ runs in browsers: no server libraries.' },
            { group: ['../*', '!../protocol', '!../protocol/*'], message: 'src/viewer/ imports values only from the protocol (use `import type` for the API types).', allowTypeImports: true },
          ],
        },
      ],
    },
  },
  {
    // The React hooks run in browsers: React, the client and the protocol, nothing of the server.
    files: ['src/react/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', noEnums, zodNamespace],
      'import-x/no-nodejs-modules': 'error',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(?!(react)$|\\./|\\.\\./(client|protocol)/)', message: 'src/react/ imports only react, the client, the protocol and its own files.' }] },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
