// Helpers for the seed stories: local Beijing times, a case played command by command, and the people
// of the stories who are not in the shared fixtures.
import type { Actor } from '../../src/commands/actor.js';
import type { CaseCommand } from '../../src/commands/case/commands.js';
import { type DecisionContext, decide } from '../../src/commands/case/decide.js';
import { type ExistingCase, foldCase, type Summons } from '../../src/commands/case/state.js';
import { DomainError } from '../../src/commands/domain-error.js';
import type { CaseEvent, CaseEventType } from '../../src/events/case-events.js';
import { contextFor } from './case-fixtures.js';

/** A Beijing wall-clock time ('2026-03-02 09:00') as the UTC instant the server records. */
export function beijing(local: string): string {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2})$/.exec(local);
  if (!match) throw new Error(`write Beijing times as 'YYYY-MM-DD HH:MM', not ${local}`);
  return new Date(`${match[1]}T${match[2]}:00.000+08:00`).toISOString();
}

/** People of the stories beyond the shared fixtures. */
export const people = {
  /** 楼栋长: registers cases in the building; a gridWorker by role. */
  buildingHead: { id: 'building-head-zhao', role: 'gridWorker', scope: 'grid-1' },
  /** A party-member mediator of the committee (党员调解员). */
  partyMemberMediator: { id: 'mediator-wu', role: 'mediator', scope: 'community-sunrise' },
  /** A resident who is no party to the case. */
  stranger: { id: 'resident-stranger', role: 'resident', scope: 'grid-1' },
} satisfies Record<string, Actor>;

/** A case played one command at a time, as the people of a story would. */
export class Story {
  readonly events: CaseEvent[];

  constructor(history: readonly CaseEvent[] = []) {
    this.events = [...history];
  }

  get state(): ExistingCase {
    const state = foldCase(this.events);
    if (state.status === 'initial') throw new Error('the story has no case yet');
    return state;
  }

  /** The actor issues the command at a Beijing time; returns the events it adds (throws if refused). */
  act(actor: Actor, when: string, command: CaseCommand, extra: Partial<DecisionContext> = {}): CaseEvent[] {
    const added = decide(command, foldCase(this.events), contextFor(actor, beijing(when), extra));
    this.events.push(...added);
    return added;
  }

  /** The code with which the command is refused, or 'accepted' (and then nothing is recorded). */
  refusal(actor: Actor, when: string, command: CaseCommand): string {
    try {
      decide(command, foldCase(this.events), contextFor(actor, beijing(when)));
      return 'accepted';
    } catch (error) {
      if (error instanceof DomainError) return error.code;
      throw error;
    }
  }

  /** The same story from here on, on its own branch. */
  branch(): Story {
    return new Story(this.events);
  }

  summons(departmentId: string): Summons {
    const found = this.state.summons[departmentId];
    if (!found) throw new Error(`${departmentId} was never summoned`);
    return found;
  }
}

/** The one event of a type among some events (fails loudly when there is none or several). */
export function only<T extends CaseEventType>(
  events: readonly CaseEvent[],
  type: T,
): Extract<CaseEvent, { type: T }> {
  const found = events.filter((event) => event.type === type);
  if (found.length !== 1) throw new Error(`expected one ${type}, got ${found.length}`);
  return found[0] as Extract<CaseEvent, { type: T }>;
}

export const types = (events: readonly CaseEvent[]): string[] => events.map((event) => event.type);
