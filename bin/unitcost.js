#!/usr/bin/env node
// The shipped entry point runs the compiled CLI; `npm run build` produces dist/.
await import('../dist/cli/bin.js');
