// The deadline process (DESIGN.md §4): reads the deadlines model and, when clocks run out, issues the
// system's commands. Command ids are derived from case, action, clock and due time, so any number of
// instances may run: a clock fires once, whichever instance gets there first.
import { createHash } from 'node:crypto';
import { SYSTEM_ACTOR } from '../commands/actor.js';
import type { CaseCommand } from '../commands/case/commands.js';
import type { CaseCommandHandler } from '../commands/handle-case-command.js';
import { type ClockAction, type DueClock, dueClocks } from './deadlines-query.js';
import type { ReadModels } from './read-models.js';

export interface DeadlineProcessOptions {
  readonly readModels: ReadModels;
  readonly handler: CaseCommandHandler;
  readonly clock?: () => Date;
  readonly intervalMs?: number;
  readonly batchSize?: number;
  /** Told about a command that failed; the process goes on with the others. */
  readonly onError?: (error: unknown, clock?: DueClock, action?: ClockAction) => void;
}

/** A UUID (version 8, RFC 9562) that is the same wherever and however often it is computed. */
export function deterministicId(name: string): string {
  const bytes = createHash('sha256').update(name).digest().subarray(0, 16);
  bytes[6] = 0x80 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function commandFor(clock: DueClock, action: ClockAction): { command: CaseCommand; key: string } {
  const { caseId, dueAt, departmentId } = clock;
  switch (action) {
    case 'markOverdue':
      if (!departmentId || (clock.clock !== 'reportIn' && clock.clock !== 'respond'))
        throw new Error(`${clock.clock} is not a summons clock`);
      return {
        command: { type: 'MarkSummonsOverdue', departmentId, clock: clock.clock, dueAt },
        key: `${caseId}|overdue|${clock.clock}|${departmentId}|${dueAt}`,
      };
    case 'escalate': {
      if (clock.clock === 'feedback') throw new Error('the feedback clock does not escalate');
      const command: CaseCommand = departmentId
        ? { type: 'EscalateOnOverdue', clock: clock.clock, departmentId, dueAt }
        : { type: 'EscalateOnOverdue', clock: clock.clock, dueAt };
      // One escalation per clock and due time, whichever department's row asks for it.
      return { command, key: `${caseId}|escalate|${clock.clock}|${dueAt}` };
    }
    case 'closeWithoutFeedback':
      return { command: { type: 'CloseWithoutFeedback', dueAt }, key: `${caseId}|close|${dueAt}` };
  }
}

export class DeadlineProcess {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private readonly clock: () => Date;

  constructor(private readonly options: DeadlineProcessOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  start(): void {
    const every = this.options.intervalMs ?? 1000;
    this.timer = setInterval(() => void this.tick(), every);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass over the clocks due now; resolves to the number of commands that appended events. */
  tick(): Promise<number> {
    this.running ??= this.pass()
      .catch((error: unknown) => {
        // A failed pass (the read models unreadable, say) is reported; the next tick tries again.
        this.options.onError?.(error);
        return 0;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async pass(): Promise<number> {
    const now = this.clock();
    let appended = 0;
    for (const due of dueClocks(this.options.readModels.db, now, this.options.batchSize ?? 200)) {
      for (const action of due.needs) {
        const { command, key } = commandFor(due, action);
        try {
          const result = await this.options.handler.handle({
            caseId: due.caseId,
            command,
            actor: SYSTEM_ACTOR,
            commandId: deterministicId(key),
            correlationId: deterministicId(`deadline|${key}`),
          });
          if (result.events.length > 0) appended += 1;
        } catch (error) {
          this.options.onError?.(error, due, action);
        }
      }
    }
    return appended;
  }
}
