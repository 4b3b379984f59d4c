import { notImplemented } from './stub.js';

export const command = notImplemented('eval', 'Evaluate a saved run: F1 tables into the run directory', 6);
