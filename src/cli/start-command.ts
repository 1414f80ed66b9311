import type { Command } from 'commander';
import type { CliContext } from './cli-context.js';

/** Placeholder until the start command lands; registers nothing. */
export function registerStartCommand(_program: Command, _context: CliContext): void {}
