// A broken business rule. The code is stable (clients and tests match on it); the message explains.
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
