import { Worker, type ResourceLimits } from 'node:worker_threads';

/*
 * Starting a worker thread from a module beside the caller, built or from sources. Built, the worker is the .js
 * file beside the caller's. From sources, a worker does not inherit tsx's module hooks, so a small bootstrap
 * registers them before importing the .ts entry.
 */

/** Whether the calling module runs from its TypeScript sources (under tsx or vitest) rather than built. */
export function runsFromSources(callerUrl: string): boolean {
  return callerUrl.endsWith('.ts');
}

/** Whether a worker can start beside the caller: always once built; from sources when tsx can be loaded into the worker (a development checkout). */
export function moduleWorkersAvailable(callerUrl: string): boolean {
  if (!runsFromSources(callerUrl)) return true;
  try {
    import.meta.resolve('tsx/esm/api');
    return true;
  } catch {
    return false;
  }
}

/** Starts the worker module `name` (without extension) that sits beside the caller's module. */
export function startModuleWorker(callerUrl: string, name: string, workerData: unknown, resourceLimits?: ResourceLimits): Worker {
  const options = { workerData, ...(resourceLimits ? { resourceLimits } : {}) };
  if (!runsFromSources(callerUrl)) return new Worker(new URL(`./${name}.js`, callerUrl), options);
  const entry = new URL(`./${name}.ts`, callerUrl).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { eval: true, ...options });
}
