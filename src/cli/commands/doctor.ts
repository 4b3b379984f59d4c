import { notImplemented } from './stub.js';

export const command = notImplemented('doctor', 'Check the runtime: Node, tfjs, backends, GPU, cache', 2);
