// The Vaultra web app: static pages, every asset bundled and hashed under /_astro/, no inline
// script or stylesheet (the shell's Content-Security-Policy allows neither).
import { defineConfig } from 'astro/config';

// `npm run dev` proxies the API to a running `vaultra serve` (override with VAULTRA_API).
const api = process.env.VAULTRA_API ?? 'http://127.0.0.1:8000';

export default defineConfig({
  output: 'static',
  trailingSlash: 'always',
  build: { format: 'directory', inlineStylesheets: 'never', assets: '_astro' },
  devToolbar: { enabled: false },
  server: { host: '127.0.0.1', port: 4321 },
  vite: {
    build: { assetsInlineLimit: 0, cssCodeSplit: true },
    // Same Host and Origin as the page, so the shell's same-origin check passes in dev too.
    server: { proxy: { '/api': { target: api, changeOrigin: false }, '/mcp': { target: api } } },
  },
});
