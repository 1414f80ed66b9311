import type { ImportTool, RowMapper } from './import-mapping.js';
import { mapHeliconeRequest } from './map-helicone-request.js';
import { mapLangfuseObservation } from './map-langfuse-observation.js';
import { mapLitellmSpendLog } from './map-litellm-spend-log.js';

/** The row mapper of each tool `unitcost import` reads. */
export const rowMappers: Readonly<Record<ImportTool, RowMapper>> = {
  litellm: mapLitellmSpendLog,
  langfuse: mapLangfuseObservation,
  helicone: mapHeliconeRequest,
};
