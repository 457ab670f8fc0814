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
