/** The library API: everything a command does can be called from a program or a test. */
export { HyperloaderError, NotImplementedError } from './errors.js';
export * from './config/schema.js';
