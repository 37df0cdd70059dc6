// The network views live in the engine, so the CLI and the Engine API serve the same documents.
export * from '../../engine/container/network-views.js';
