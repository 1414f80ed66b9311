import type { Command } from 'commander';
import type { CliContext } from './main.js';

/** Placeholder until the models command lands; registers nothing. */
export function registerModelsCommand(_program: Command, _context: CliContext): void {}
