import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev -w @vigil/dashboard` proxies the API to a `vigil dev` on its default port.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    proxy: Object.fromEntries(
      ['/v1', '/metrics', '/healthz', '/openapi.json'].map((path) => [path, 'http://127.0.0.1:7400']),
    ),
  },
});
