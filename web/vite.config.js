// The mgov app's build. The output (dist/) is committed and served by the gateway at `/`;
// `make web-check` rebuilds it and fails when the committed copy differs, so every
// setting here must give byte-identical output for identical sources.
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { VantResolver } from '@vant/auto-import-resolver'
import { VitePWA } from 'vite-plugin-pwa'
import { compression, defineAlgorithm } from 'vite-plugin-compression2'
import { constants } from 'node:zlib'
import { vantIconFontFile } from './vant-icon-font.js'

export default defineConfig({
  base: '/',
  plugins: [
    vue(),
    vantIconFontFile(),
    // Vant components imported on use, each with only its own CSS.
    Components({ resolvers: [VantResolver()], dts: false }),
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: false,
      includeAssets: ['favicon.svg', 'icons/*.png'],
      manifest: {
        id: '/',
        name: '浙里办 · mgov',
        short_name: 'mgov',
        description: '一个省级政务服务移动端：办事指南、在线办理、办件查询、移动办公',
        lang: 'zh-CN',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#ffffff',
        theme_color: '#1c64f2',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        // The shell (HTML, JS, CSS, icons, the icon font) is precached: the app opens offline and says so.
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest,woff2}'],
        // The staff dashboard's chunk (ECharts) is not the citizen's offline shell: fetched when opened.
        globIgnores: ['**/InsightView-*.js', '**/InsightView-*.css'],
        navigateFallback: '/index.html',
        navigateFallbackDenylist: [/^\/v1\//, /^\/(docs|redoc|openapi\.json|healthz|readyz)/],
        // Web Push: the push and notificationclick handlers live in their own file.
        importScripts: ['/push-sw.js'],
        cleanupOutdatedCaches: true,
        sourcemap: false,
        mode: 'production',
      },
    }),
    // Every text file also as .br and .gz beside it, compressed once here at the highest
    // levels (deterministic, so `make web-check` still compares byte for byte); the gateway
    // sends the one the browser accepts instead of compressing on each request.
    compression({
      include: /\.(html|css|js|svg|webmanifest|json)$/,
      threshold: 1024,
      algorithms: [
        defineAlgorithm('brotliCompress', { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        defineAlgorithm('gzip', { level: 9 }),
      ],
      logLevel: 'silent',
    }),
  ],
  // `npm run dev`: the API of a local `make run`.
  server: { proxy: { '/v1': { target: 'http://127.0.0.1:8000', changeOrigin: false } } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 300,
  },
})
