// Loaded into the benchmarked server with --expose-gc: SIGUSR2 runs a full garbage collection,
// so memory is read without the garbage the handshakes left behind.
process.on('SIGUSR2', () => {
  globalThis.gc?.();
});
