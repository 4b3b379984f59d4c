import { notImplemented } from './stub.js';

export const command = notImplemented('train', 'Multi-task training of a run under runs/<name>/', 7);
