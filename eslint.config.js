// Layering is enforced here, not by convention: engine/ stays a pure library that any host can embed,
// and the renderer reaches the engine only through its typed contract.
import globals from 'globals';
import tseslint from 'typescript-eslint';

const uiPackages = ['electron', 'react', 'react-dom', 'react/*', 'zustand', 'zustand/*', '@xyflow/*', 'recharts'];
const nodeBuiltins = ['node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'net', 'http', 'https', 'worker_threads', 'crypto', 'stream', 'url'];

export default tseslint.config(
  { ignores: ['node_modules/**', '**/dist/**', 'out/**', 'release/**', '.cache/**', '**/.cache/**'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name=/^(it|test|describe)$/][callee.property.name='only']", message: '.only silently skips the rest of the suite.' },
        { selector: "CallExpression[callee.name='eval']", message: 'Never evaluate user text.' },
        { selector: "NewExpression[callee.name='Function']", message: 'Never compile user text with new Function.' },
      ],
    },
  },
  {
    files: ['engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: uiPackages, message: 'engine/ is a pure library: no UI or Electron imports.' },
          { group: ['**/renderer/**', '**/electron/**', '../renderer', '../electron'], message: 'engine/ must not import renderer or electron code.' },
        ],
      }],
    },
  },
  {
    // Window and runtime logic must be deterministic under test: time comes from the injected Clock/Timers.
    files: ['engine/**/*.ts'],
    ignores: ['engine/runtime/clock.ts', 'engine/cli/**', 'engine/host/**', 'engine/bench/**', 'engine/testing/**', 'engine/kafka/broker/**', '**/*.test.ts'],
    rules: {
      'no-restricted-globals': ['error',
        { name: 'setTimeout', message: 'Use the injected Timers (engine/runtime/clock.ts).' },
        { name: 'setInterval', message: 'Use the injected Timers (engine/runtime/clock.ts).' },
      ],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'Use the injected Clock (engine/runtime/clock.ts).' }],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: nodeBuiltins, message: 'The renderer runs in a browser sandbox: no Node built-ins.' },
          { group: ['electron'], message: 'The renderer talks to its host only through the engine contract.' },
          { regex: '(^|/)engine/(?!(api|format|expr)/|errors\\.ts$)', message: 'The renderer may use only engine/api, engine/format, engine/expr and engine/errors.ts.' },
        ],
      }],
    },
  },
  {
    files: ['electron/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/renderer/**', 'react', 'react-dom'], message: 'The Electron main process does not import renderer code.' }],
      }],
    },
  },
);
