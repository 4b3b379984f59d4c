import { notImplemented } from './stub.js';

export const command = notImplemented('ablate', 'Run several PEFT variants and write one comparison table', 7);
