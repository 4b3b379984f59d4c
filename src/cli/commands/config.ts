import { notImplemented } from './stub.js';

export const command = notImplemented('config', 'Print the fully resolved config', 2);
