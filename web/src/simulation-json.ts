/*
 * The answer of POST /v1/simulate, as the what-if page reads it: the server's own types (docs/simulate.md),
 * imported as types only, so the page cannot drift from what the simulator sends.
 */
import type { SimulatedComparison, SimulationResult } from '../../src/core/simulate/simulation-result.js';

/** Baseline against scenario for one group. */
export type Comparison = SimulatedComparison;

/** What the simulator answers. */
export type SimulationJson = SimulationResult;
