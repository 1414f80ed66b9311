import type { Command } from 'commander';
import type { CliContext } from './main.js';

/** Placeholder until the estimate command lands; registers nothing. */
export function registerEstimateCommand(_program: Command, _context: CliContext): void {}
