import { defineConfig } from 'vite';

// `npm run dev` serves the page with hot reload and sends /api to the backend (server.mjs, default port 3000).
export default defineConfig({
  oxc: { jsx: { runtime: 'automatic' } },
  server: { proxy: { '/api': `http://127.0.0.1:${process.env.PORT ?? 3000}` } },
});
