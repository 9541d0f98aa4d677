/** One handler or file error, as the dashboard lists it. */
export interface RecentError {
  /** Epoch milliseconds. */
  readonly time: number;
  /** "file:line:column", or the file when no line is known. */
  readonly at: string;
  readonly message: string;
  readonly code?: string;
  readonly endpoint?: string;
  readonly session?: string;
}

/** The newest errors, at most `capacity` of them, newest first. */
export class RecentErrors {
  private readonly items: RecentError[] = [];

  constructor(private readonly capacity = 50) {}

  add(error: RecentError): void {
    this.items.unshift(error);
    if (this.items.length > this.capacity) this.items.length = this.capacity;
  }

  list(): RecentError[] {
    return [...this.items];
  }
}
