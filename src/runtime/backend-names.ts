/** The tfjs backends a run can ask for (experiment.backend, --backend); kept apart from backend.ts so config validation does not load tfjs. */
export const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];
