#!/usr/bin/env node
// The shipped entry point runs the compiled CLI; `npm run build` produces dist/.
import { runCli } from '../dist/cli/main.js';

process.exitCode = await runCli(process.argv);
