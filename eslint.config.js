// Lint rules: typescript-eslint's type-checked set plus the import boundaries of DESIGN's layout.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { catchHandlesOrRethrows } from './eslint-rules/catch-handles-or-rethrows.js';

const folder = (name) => [`../${name}/*`, `../${name}`, `../../src/${name}/*`];

/** Each entry: files, and the imports those files must not make (DESIGN: imports point downwards). */
const boundaries = [
  {
    files: ['src/api/**/*.ts'],
    patterns: [
      ...folder('machines'),
      ...folder('actors'),
      ...folder('kube'),
      ...folder('datasource'),
      ...folder('render'),
      ...folder('observe'),
      '../main*',
    ],
    message: 'src/api is the bottom layer: it imports no other folder of src.',
  },
  {
    files: ['src/machines/**/*.ts'],
    patterns: [
      ...folder('actors'),
      ...folder('kube'),
      ...folder('datasource'),
      ...folder('render'),
      ...folder('observe'),
      '../main*',
      'node:*',
      '@kubernetes/client-node',
      'mysql2',
      'mysql2/*',
      'piscina',
      'pino',
    ],
    message: 'Machines are pure: they import only xstate and src/api.',
  },
  {
    files: ['src/render/**/*.ts'],
    patterns: [
      ...folder('kube'),
      ...folder('datasource'),
      ...folder('actors'),
      ...folder('machines'),
      '../main*',
      '@kubernetes/client-node',
      'mysql2',
      'mysql2/*',
    ],
    message: 'src/render never imports kube, datasource, actors or machines.',
  },
  {
    files: ['src/kube/**/*.ts', 'src/datasource/**/*.ts', 'src/observe/**/*.ts'],
    patterns: [...folder('actors'), ...folder('machines'), '../main*'],
    message: 'Adapters do not import actors, machines or the composition root.',
  },
  {
    files: ['src/reconcile/**/*.ts'],
    patterns: [
      ...folder('actors'),
      ...folder('machines'),
      ...folder('kube'),
      ...folder('datasource'),
      ...folder('render'),
      ...folder('observe'),
      '../main*',
    ],
    message: 'src/reconcile is pure decision logic: it imports only src/api.',
  },
  {
    files: ['src/actors/**/*.ts'],
    patterns: ['../main*'],
    message: 'Only src/main.ts composes the application.',
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      'no-console': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    plugins: { lynq: { rules: { 'catch-handles-or-rethrows': catchHandlesOrRethrows } } },
    rules: { 'lynq/catch-handles-or-rethrows': 'error' },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'src/**/*.test.ts', 'eslint-rules/**/*.test.ts'],
    rules: {
      // node:test's describe/it return promises the runner awaits itself.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      // Tests build invalid objects on purpose by mutating JSON fixtures.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  ...boundaries.map(({ files, patterns, message }) => ({
    files,
    // Tests may use node:test and fakes; the boundary is about what production code imports.
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }] },
  })),
);
