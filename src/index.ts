export * from './capture/types.js';
