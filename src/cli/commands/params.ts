import { notImplemented } from './stub.js';

export const command = notImplemented('params', 'Trainable and frozen parameter counts per component', 4);
