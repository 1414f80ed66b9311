/** Dependencies point inward: the pure core knows nothing of adapters, and surfaces never import each other. */
module.exports = {
  forbidden: [
    {
      name: 'core-stays-pure',
      comment: 'src/core is pure domain logic: it may import only itself, zod and the price data, never adapters or Node I/O.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { pathNot: ['^src/core/', 'node_modules/(zod|fastest-levenshtein)/'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'core-no-node-io',
      comment: 'The core takes time, files and environment as arguments; it never reaches for them.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'adapters-not-into-surfaces',
      comment: 'Stores, ingest and config serve the surfaces; they must not import the CLI, server or app wiring.',
      severity: 'error',
      from: { path: '^src/(store|ingest|config)/' },
      to: { path: '^src/(cli|server|app|gateway)/' },
    },
    {
      name: 'app-not-into-surfaces',
      comment: 'The app wires services for every surface, so it cannot depend on any one of them.',
      severity: 'error',
      from: { path: '^src/app/' },
      to: { path: '^src/(cli|server|gateway)/' },
    },
    {
      name: 'surfaces-independent',
      comment: 'CLI, server and gateway are thin shells over the app; none may call another.',
      severity: 'error',
      from: { path: '^src/(cli|server|gateway)/', pathNot: '^src/cli/(serve|gateway)-command\\.ts$' },
      to: { path: '^src/(cli|server|gateway)/', pathNot: '^src/$1/' },
    },
    {
      name: 'serve-starts-only-the-server',
      comment:
        '`unitcost serve` launches the server through its entry point, start-server.ts, and with --gateway the gateway beside it through start-gateway.ts: two listeners side by side, wired by the app, neither importing the other.',
      severity: 'error',
      from: { path: '^src/cli/serve-command\\.ts$' },
      to: { path: '^src/(server|gateway)/', pathNot: ['^src/server/start-server\\.ts$', '^src/gateway/start-gateway\\.ts$'] },
    },
    {
      name: 'gateway-starts-only-the-gateway',
      comment: '`unitcost gateway` launches the gateway surface, and only through its entry point, start-gateway.ts.',
      severity: 'error',
      from: { path: '^src/cli/gateway-command\\.ts$' },
      to: { path: '^src/(server|gateway)/', pathNot: '^src/gateway/start-gateway\\.ts$' },
    },
    {
      name: 'sdk-wrappers-stay-light',
      comment: 'unitcost/openai, /anthropic and /ai-sdk load inside a customer app: they may use the pure core, never the store, server or CLI (no DuckDB in their process).',
      severity: 'error',
      from: { path: '^src/capture/' },
      to: { path: '^src/(app|store|server|cli|gateway|ingest|config)/' },
    },
    {
      name: 'test-support-only-in-tests',
      comment: 'src/testing holds fakes of the providers for tests; shipped code never reaches them.',
      severity: 'error',
      from: { pathNot: ['^src/testing/', '-test-harness\\.ts$'] },
      to: { path: '^src/testing/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
