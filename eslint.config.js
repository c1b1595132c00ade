// Lint: typescript-eslint's recommended rules, plus the import direction of the design:
// domain/ is pure (api/ and schemas/ only, no I/O); controller/ sees adapters only through interfaces
// it declares; only main.ts wires concrete adapters.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const adapters = ['**/kube/**', '**/etcd/**', '**/observability/**', '**/controller/**', '**/cli/**', '**/client/**'];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.cairn/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/domain/**/*.ts', 'src/api/**/*.ts', 'src/schemas/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: adapters, message: 'the pure core imports only api/, schemas/ and domain/' },
            { group: ['node:fs', 'node:net', 'node:http', 'node:https', 'node:child_process', 'etcd3', '@kubernetes/client-node', 'pino', 'prom-client'], message: 'the pure core does no I/O' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/controller/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['etcd3', '@kubernetes/client-node', '**/kube/*', '**/etcd/*'], allowTypeImports: true, message: 'the controller uses adapters through their interfaces; main.ts wires them' }] },
      ],
    },
  },
);
