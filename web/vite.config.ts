import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The web app: built into web/dist and served by the Tandem server itself (src/http/static-web.ts).
 * `npm run dev:web` serves it with hot reload and forwards /api to a Tandem on port 3000
 * (TANDEM_API_URL to change that).
 */
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    proxy: { '/api': process.env.TANDEM_API_URL ?? 'http://localhost:3000' },
  },
});
