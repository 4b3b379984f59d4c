import { notImplemented } from './stub.js';

export const command = notImplemented('download [names..]', 'Download datasets and T5 checkpoints into the cache', 5);
