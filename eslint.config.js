// ESLint flat config: strict TypeScript everywhere, no floating promises, the
// workflow-determinism rules of ARCHITECTURE.md on workflows/ (no Node built-ins, no db/,
// no runtime imports of activities/, no Math.random), and the fence that keeps api/ off
// activities/ (routes reach the database through db/ and workflows through the client kit).
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'fs',
  'net',
  'http',
  'https',
  'child_process',
  'crypto',
  'os',
  'path',
  'dns',
  'tls',
  'worker_threads',
];

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', '.tools/**', 'test/replay/histories/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Size limits (ARCHITECTURE.md "Layout", TIGER_STYLE): no source file over 400 lines, no
    // function over 70 lines of code (blank and comment lines not counted). Tests and recorded
    // histories are exempt: a test reads best as one story.
    files: ['**/*.ts', '**/*.js'],
    ignores: ['test/**'],
    rules: {
      'max-lines': ['error', { max: 400 }],
      'max-lines-per-function': [
        'error',
        { max: 70, skipBlankLines: true, skipComments: true, IIFEs: true },
      ],
    },
  },
  {
    // Test helpers and scripts parse loosely typed JSON replies; domain code stays `any`-free.
    files: ['test/**/*.ts', 'scripts/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/activities', '**/activities/*'],
              message:
                'api/ never imports activities/: read through db/, write through a workflow (api/temporal-kit.ts).',
            },
          ],
        },
      ],
    },
  },
  {
    // Tools import the helpers tests share (test/helpers/), never the other way round.
    files: ['test/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/scripts', '**/scripts/*'],
              message: 'test/ never imports scripts/: shared code lives in test/helpers/ or lib/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...nodeBuiltins, ...nodeBuiltins.map((m) => `node:${m}`), 'pg', 'sequelize'].map(
            (name) => ({
              name,
              message: 'Workflow code must stay deterministic: do I/O in activities.',
            }),
          ),
          patterns: [
            { group: ['../db', '../db/*'], message: 'Workflows must not touch the database.' },
            {
              group: ['../activities', '../activities/*'],
              allowTypeImports: true,
              message: 'Import activities with `import type` only.',
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Use the SDK deterministic random.' },
      ],
    },
  },
);
