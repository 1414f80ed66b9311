// Preloaded (node --import) into the gateway benchmark's servers: how late their event loop ran, and how long
// garbage collection held it, between two SIGUSR2s. Each SIGUSR2 prints one line to standard error,
// `event-loop N {json}` (N counts the signals), and starts the next window. Wall latency at p99 on a small
// shared machine is mostly other processes' scheduling; a loop held by the server's own work shows here.
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';

// A 1 ms timer: a loop held for a few milliseconds shows at that grain (the default, 10 ms, would hide it).
const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
let collections = { count: 0, totalMs: 0, maxMs: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    collections.count += 1;
    collections.totalMs += entry.duration;
    collections.maxMs = Math.max(collections.maxMs, entry.duration);
  }
}).observe({ entryTypes: ['gc'] });
let utilization = performance.eventLoopUtilization();
let signals = 0;
const milliseconds = (nanoseconds) => Math.round(nanoseconds / 1e4) / 100;
process.on('SIGUSR2', () => {
  signals += 1;
  const figures = {
    p50: milliseconds(delay.percentile(50)),
    p99: milliseconds(delay.percentile(99)),
    max: milliseconds(delay.max),
    gcCount: collections.count,
    gcMs: Math.round(collections.totalMs * 10) / 10,
    gcMaxMs: Math.round(collections.maxMs * 100) / 100,
    utilization: Math.round(performance.eventLoopUtilization(utilization).utilization * 1000) / 1000,
  };
  process.stderr.write(`event-loop ${signals} ${JSON.stringify(figures)}\n`);
  delay.reset();
  collections = { count: 0, totalMs: 0, maxMs: 0 };
  utilization = performance.eventLoopUtilization();
});
