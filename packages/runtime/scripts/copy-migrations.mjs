// Copies each dialect's numbered SQL migrations next to the compiled store code.
import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
for (const dialect of readdirSync(join(root, 'src/store'), { withFileTypes: true })) {
  if (!dialect.isDirectory()) continue;
  const from = join(root, 'src/store', dialect.name, 'migrations');
  try {
    cpSync(from, join(root, 'dist/store', dialect.name, 'migrations'), { recursive: true });
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
}
