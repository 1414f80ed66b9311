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
      from: { path: '^src/(cli|server|gateway)/', pathNot: '^src/cli/serve-command\\.ts$' },
      to: { path: '^src/(cli|server|gateway)/', pathNot: '^src/$1/' },
    },
    {
      name: 'serve-starts-only-the-server',
      comment: '`unitcost serve` is the one command that launches another surface, and only through its entry point, start-server.ts.',
      severity: 'error',
      from: { path: '^src/cli/serve-command\\.ts$' },
      to: { path: '^src/(server|gateway)/', pathNot: '^src/server/start-server\\.ts$' },
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
