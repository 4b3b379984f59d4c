import { notImplemented } from './stub.js';

export const command = notImplemented('score <file>', 'Score a CoNLL-style gold/pred file like conlleval', 6);
