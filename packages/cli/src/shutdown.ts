/**
 * Resolves on the first SIGINT or SIGTERM. Call it BEFORE a service starts: the handlers are
 * installed at once, so a signal that arrives while the service is still starting is not lost
 * to the default action (which would kill the process without closing the service, e.g.
 * without flushing its log). Await it after startup, then close the service.
 */
export function shutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
