/// <reference types="vitest/config" />
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { antdStaticCss } from './build/vite-antd-css';
import { preloadDynamicEntry } from './build/vite-preload-app';
import { routePreloads } from './build/vite-route-preloads';
import { bundleReport } from './build/vite-bundle-report';
import { chunkPlan } from './build/chunk-plan';

const apiTarget = process.env.KEYI_API ?? 'http://127.0.0.1:8000';

// The first screens (src/routes.ts): their third-party code is the vendor chunk every page loads.
const FIRST_SCREENS = {
  shared: ['/src/root.tsx', '/src/pages/LoginPage.tsx', '/src/components/Shell.tsx'],
  list: '/src/pages/ListPage.tsx',
};
const plans = new WeakMap<object, Map<string, string>>();

export default defineConfig(({ mode }) => ({
  base: '/',
  plugins: [
    react(),
    antdStaticCss('/src/theme.ts', '/build/antd-catalog.tsx'),
    preloadDynamicEntry('/src/root.tsx'),
    // the modules of src/routes.ts's routeLoaders; the server puts the URL's page's files in index.html
    routePreloads({
      shell: '/src/components/Shell.tsx',
      home: '/src/pages/HomePage.tsx',
      list: '/src/pages/ListPage.tsx',
      record: '/src/pages/RecordPage.tsx',
      kanban: '/src/pages/KanbanPage.tsx',
      dashboard: '/src/pages/dashboards/DashboardPage.tsx',
    }),
    // `vite build --mode report`: dist/bundle-report.txt, what each chunk holds
    mode === 'report' && bundleReport(),
  ],
  server: {
    port: 5173,
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false },
    },
  },
  preview: {
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 900,
    rollupOptions: {
      output: {
        // Merge small shared chunks: a first list load asked for ~16 files of 1-3 kB after the
        // page's own, each queued behind the browser's 6 connections per host.
        experimentalMinChunkSize: 20_000,
        // Shared chunks get a neutral name (vendor- when mostly third-party code) instead of the
        // name of whichever app module rollup happened to put in them.
        chunkFileNames(info) {
          if (info.isDynamicEntry || info.name === 'react' || info.name === 'echarts') return 'assets/[name]-[hash].js';
          if (info.name === 'antd-lazy') return 'assets/vendor-lazy-[hash].js';
          const ids = info.moduleIds;
          const vendor = ids.filter((id) => id.includes('node_modules')).length;
          return ids.length && vendor / ids.length > 0.8 ? 'assets/vendor-[hash].js' : 'assets/shared-[hash].js';
        },
        // build/chunk-plan.ts: what the first screens run in one vendor chunk (split by route,
        // rollup made ~60 small shared chunks, and a browser fetches only 6 at a time from one
        // HTTP/1.1 host — the first list view waited ~1 s on that queue), the rest of Ant Design
        // in one chunk the other pages share, icons with the pages that use them.
        manualChunks(id, api) {
          let plan = plans.get(api.getModuleInfo);
          if (!plan) plans.set(api.getModuleInfo, (plan = chunkPlan(api, FIRST_SCREENS)));
          return plan.get(id);
        },
        onlyExplicitManualChunks: true,
      },
    },
  },
  test: {
    environment: 'jsdom',
    globals: false,
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
    // antd renders are slow on a 2-core CI machine: form-editing tests that take 3-6 s alone took
    // 13-26 s while the machine also ran the Python suite's workers (measured), and a timeout is
    // a hang detector here, not a speed budget.
    testTimeout: 60000,
    // Vitest's default is one worker fewer than the CPUs: one worker on the 2-core CI machine,
    // where `make test` runs Vitest alone (before the Python suite). Both cores: 487 → 282 s.
    maxWorkers: availableParallelism(),
  },
}));
