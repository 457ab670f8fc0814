/** Structured logging, as used by workflows (`ctx.log`), steps and the engine itself. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `bindings` to every line. */
  child(bindings: Record<string, unknown>): Logger;
}

/** Drops every line. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

/**
 * A logger that calls `make` on its first line (or `child`), for a logger that is often never
 * used and not free to make. A plain object, not a getter: see `stepContext` in step-runner.ts.
 */
export function lazyLogger(make: () => Logger): Logger {
  return new LazyLogger(make);
}

class LazyLogger implements Logger {
  private made: Logger | undefined;

  constructor(private readonly make: () => Logger) {}

  debug(message: string, fields?: Record<string, unknown>): void {
    this.logger().debug(message, fields);
  }

  info(message: string, fields?: Record<string, unknown>): void {
    this.logger().info(message, fields);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.logger().warn(message, fields);
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.logger().error(message, fields);
  }

  child(bindings: Record<string, unknown>): Logger {
    return this.logger().child(bindings);
  }

  private logger(): Logger {
    return (this.made ??= this.make());
  }
}
