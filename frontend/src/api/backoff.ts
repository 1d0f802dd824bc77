export interface BackoffOptions {
  /** First delay, in milliseconds. */
  initial?: number;
  /** Largest delay, in milliseconds. */
  max?: number;
  factor?: number;
  /** Fraction of the delay added at random (0 = none, 0.2 = up to +20%). */
  jitter?: number;
  random?: () => number;
}

/** Exponential backoff for reconnecting: 500 ms, 1 s, 2 s, ... up to 30 s, reset after a success. */
export class Backoff {
  private readonly initial: number;
  private readonly max: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly random: () => number;
  private failures = 0;

  constructor(options: BackoffOptions = {}) {
    this.initial = options.initial ?? 500;
    this.max = options.max ?? 30_000;
    this.factor = options.factor ?? 2;
    this.jitter = options.jitter ?? 0;
    this.random = options.random ?? Math.random;
  }

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const base = Math.min(this.max, this.initial * Math.pow(this.factor, this.failures));
    this.failures += 1;
    const extra = this.jitter > 0 ? base * this.jitter * this.random() : 0;
    return Math.min(this.max, Math.round(base + extra));
  }

  reset(): void {
    this.failures = 0;
  }

  get attempts(): number {
    return this.failures;
  }
}
