import { notImplemented } from './stub.js';

export const command = notImplemented('data [action] [names..]', 'Dataset statistics and checks', 5);
