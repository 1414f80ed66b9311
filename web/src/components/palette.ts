/** Colours that stay apart for colour-blind readers (Okabe–Ito), in a fixed order per series. */
export const palette = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

/** Model tiers keep one colour everywhere. */
export const tierColours: Record<string, string> = { budget: '#009E73', mid: '#0072B2', frontier: '#D55E00', unpriced: '#94a3b8' };
