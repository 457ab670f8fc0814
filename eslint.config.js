// Lint: type-aware rules (a dropped promise in a durable runtime is a lost checkpoint), no
// import cycles, and the layer direction of DESIGN.md: core ← store ← governance ← llm ←
// runtime ← server ← cli. compose.ts is the one file that sees every layer; nothing in src imports testing/,
// except that `vigil chaos` (cli) is a thin shell over the chaos harness in testing/chaos.
import js from '@eslint/js';
import { importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const src = './packages/runtime/src';
const layers = ['core', 'store', 'governance', 'llm', 'runtime', 'server', 'cli'];
const outer = (layer) => layers.slice(layers.indexOf(layer) + 1).map((l) => `${src}/${l}`);
const layerZones = layers.map((layer) => ({
  target: `${src}/${layer}`,
  // The CLI is the one layer that runs the composition root.
  from: [...outer(layer), ...(layer === 'cli' ? [] : [`${src}/compose.ts`]), `${src}/index.ts`, `${src}/testing`],
  ...(layer === 'cli' ? { except: ['./chaos'] } : {}),
  message: `${layer}/ may import only layers inside it (core ← store ← governance ← llm ← runtime ← server ← cli).`,
}));

// Files that run once per step or per audit entry: see the rule that uses this list below.
const hotPath = [
  'runtime/step-runner.ts',
  'runtime/attempt-context.ts',
  'runtime/policy-step.ts',
  'runtime/run-writer.ts',
  'runtime/run-execution.ts',
  'runtime/execution-context.ts',
  'runtime/run-logs.ts',
  'runtime/audit-recorder.ts',
  'runtime/engine-metrics.ts',
  'runtime/events.ts',
  'store/audit-rows.ts',
  'store/step-rows.ts',
  'store/sqlite/checkpoints.ts',
  'store/sqlite/write-batcher.ts',
  'store/postgres/group-commit.ts',
  'store/postgres/group-statement.ts',
  'store/postgres/step-arrays.ts',
].map((file) => `${src}/${file}`);

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.vigil/**', 'bench/results/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: [
            '*.js',
            '*.mjs',
            'bench/*.js',
            'packages/runtime/bin/*.js',
            'packages/runtime/scripts/*.mjs',
          ],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver': {
        typescript: {
          project: ['./tsconfig.json', './packages/dashboard/tsconfig.json', './packages/dashboard/test/tsconfig.json'],
          noWarnOnMultipleProjects: true,
        },
        node: true,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { zones: layerZones }],
      'max-lines': ['warn', { max: 400, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // The per-step path. On Node 20 (V8 11.3) an object literal that opens with a spread and then
    // adds keys (`{ ...base, status }`, `{ ...a, ...b }`) costs a microsecond or more per added
    // key and gets a hidden class of its own, and one with a getter of its own is a dictionary
    // with an accessor pair in old space; either keeps young objects alive through scavenges.
    // Profiles do not show it (bench/README.md, "Hidden classes on the per-step path").
    files: hotPath,
    rules: {
      'no-restricted-syntax': [
        'error',
        ...[
          'ObjectExpression > SpreadElement:first-child ~ Property',
          'ObjectExpression > SpreadElement:first-child ~ SpreadElement',
        ].map((selector) => ({
          selector,
          message: 'Per-step path: write the object out whole instead of adding keys after a spread.',
        })),
        {
          selector: "ObjectExpression > Property[kind='get']",
          message: 'Per-step path: no getter in an object literal (a dictionary-mode object per call).',
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { URL: 'readonly', process: 'readonly', console: 'readonly' } },
  },
  {
    // Tests cross layers on purpose: they wire real components together.
    files: ['**/*.test.ts', '**/*.contract.ts', '**/store/contract/**/*.ts', '**/test/**/*.ts'],
    rules: {
      'import-x/no-restricted-paths': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
);
