import { notImplemented } from './stub.js';

export const command = notImplemented('predict', 'Tag raw text with a trained run', 7);
