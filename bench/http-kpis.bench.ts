import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { openDuckdbDatabase } from '../src/store/duckdb/duckdb-database.js';
import type { Benchmark, BenchmarkOptions, BenchmarkOutcome } from './benchmark.js';
import { get, startServerProcess } from './http-ingest.bench.js';
import { generateReportData } from './report-data.js';

/*
 * Reading over HTTP from a large store: p95 latency of GET /v1/kpis (and of the reports the dashboard's
 * overview asks for) with `unitcost serve` in a child process over 10M stored calls, and the time the
 * dashboard takes in headless Chromium from navigation to its KPI figures on screen.
 */

/** What reads are held to; missing one is reported, not failed. */
export const httpReadTargets = { kpisP95Ms: 1_000, firstRenderMs: 1_000 };

const defaults = { calls: 10_000_000, repetitions: 20, seed: 7 };
const dashboardRoot = fileURLToPath(new URL('../dist/web/', import.meta.url));
const chromiumPath = process.env.UNITCOST_CHROMIUM ?? '/usr/bin/chromium';
// The requests of the overview page, as the dashboard sends them on a first visit.
const overviewRequests = ['/v1/kpis?period=week', '/v1/report?by=feature', '/v1/report?by=feature&period=day', '/v1/report?by=team', '/v1/report?by=user_tier'];

/** The HTTP read benchmark. */
export const benchmark: Benchmark = {
  name: 'http-kpis',
  description: 'p95 of GET /v1/kpis and of the overview\'s reports over 10M stored calls, and the dashboard\'s first render in Chromium',
  run: runHttpReadBenchmark,
};

async function runHttpReadBenchmark(options: BenchmarkOptions): Promise<BenchmarkOutcome> {
  const calls = options.calls ?? defaults.calls;
  const repetitions = options.repetitions ?? defaults.repetitions;
  const directory = mkdtempSync(join(tmpdir(), 'unitcost-http-read-'));
  const db = join(directory, 'bench.duckdb');
  try {
    const generated = performance.now();
    const database = await openDuckdbDatabase(db);
    await generateReportData(database.connection, { events: calls, days: 90, users: Math.max(100, Math.floor(calls / 200)), seed: options.seed ?? defaults.seed, start: '2026-01-01' });
    database.close();
    log(`generated ${count(calls)} calls over 90 days in ${((performance.now() - generated) / 1000).toFixed(1)} s`);

    const server = await startServerProcess(db);
    try {
      // The first read builds the report summaries of a store written behind their back; time it apart.
      const firstStarted = performance.now();
      const first = await get(server.url, '/v1/kpis?period=week');
      const firstReadMs = performance.now() - firstStarted;
      const passed = first.includes('"checks"');
      log(`first /v1/kpis (builds the report summaries): ${firstReadMs.toFixed(0)} ms`);

      const kpis = await timeRequests(server.url, ['/v1/kpis?period=week'], repetitions);
      const overview = await timeRequests(server.url, overviewRequests, repetitions, true);
      log(`/v1/kpis over ${count(calls)} calls: p50 ${kpis.p50.toFixed(0)} ms, p95 ${kpis.p95.toFixed(0)} ms (target ${httpReadTargets.kpisP95Ms} ms)`);
      log(`the overview's ${overviewRequests.length} requests, sent together: p50 ${overview.p50.toFixed(0)} ms, p95 ${overview.p95.toFixed(0)} ms`);

      let firstRender: { p50: number; p95: number } | null = null;
      if (!existsSync(join(dashboardRoot, 'index.html'))) log('the dashboard is not built (npm run build): first render not measured');
      else if (existsSync(chromiumPath)) {
        firstRender = await timeFirstRender(server.url, Math.min(repetitions, 10));
        log(`dashboard first render (navigation to KPI figures) in Chromium: p50 ${firstRender.p50.toFixed(0)} ms, p95 ${firstRender.p95.toFixed(0)} ms (target ${httpReadTargets.firstRenderMs} ms)`);
      } else {
        log(`no Chromium at ${chromiumPath}: first render not measured`);
      }
      return {
        passed,
        results: {
          calls,
          repetitions,
          firstReadMs: Math.round(firstReadMs),
          kpisP50Ms: Math.round(kpis.p50),
          kpisP95Ms: Math.round(kpis.p95),
          overviewP50Ms: Math.round(overview.p50),
          overviewP95Ms: Math.round(overview.p95),
          firstRenderP50Ms: firstRender ? Math.round(firstRender.p50) : null,
          firstRenderP95Ms: firstRender ? Math.round(firstRender.p95) : null,
          targets: httpReadTargets,
          metKpisTarget: kpis.p95 <= httpReadTargets.kpisP95Ms,
          metFirstRenderTarget: firstRender ? firstRender.p95 <= httpReadTargets.firstRenderMs : null,
        },
      };
    } finally {
      await server.stop();
      const failures = server.errors().split('\n').filter((line) => line.includes('"level":50'));
      if (failures.length > 0) log(`the server logged ${failures.length} unexpected errors, the first: ${failures[0]!.slice(0, 400)}`);
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Times `repetitions` rounds of the paths, one after the other or (together) all at once per round. */
async function timeRequests(url: string, paths: string[], repetitions: number, together = false): Promise<{ p50: number; p95: number }> {
  const times: number[] = [];
  for (let round = 0; round < repetitions; round += 1) {
    const started = performance.now();
    const answers = together ? await Promise.all(paths.map((path) => get(url, path))) : [];
    if (!together) for (const path of paths) answers.push(await get(url, path));
    const failed = answers.find((answer) => answer.startsWith('{"error"'));
    if (failed) throw new Error(`a read failed: ${failed.slice(0, 300)}`);
    times.push(performance.now() - started);
  }
  return percentiles(times);
}

async function timeFirstRender(url: string, repetitions: number): Promise<{ p50: number; p95: number }> {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const times: number[] = [];
  try {
    for (let round = 0; round < repetitions; round += 1) {
      // A new context each time: no cached script, as on a first visit.
      const context = await browser.newContext();
      const page = await context.newPage();
      const started = performance.now();
      await page.goto(url);
      await page.locator('[data-kpi]').first().waitFor({ timeout: 30_000 });
      times.push(performance.now() - started);
      // Let the page finish its other requests, so the next visit finds the server idle as a first visit would.
      await page.waitForLoadState('networkidle');
      await context.close();
    }
  } finally {
    await browser.close();
  }
  return percentiles(times);
}

function percentiles(times: number[]): { p50: number; p95: number } {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (share: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)]!;
  return { p50: at(0.5), p95: at(0.95) };
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}

function log(text: string): void {
  console.log(`   ${text}`);
}
