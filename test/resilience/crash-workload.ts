// The load of the crash test: a client that sends commands to whichever server process is up, with an
// Idempotency-Key each, and resends a command whose answer was lost (the server was killed) to the
// next one with the same key, as a careful client would; and the workers, each playing whole cases
// from intake to closure — acceptance, assignment, notes, attachments, summons (吹哨报到), resolution,
// a dissatisfied rating that reopens the case, merges — beside notes on a few cases they all share.
// Every command records what it must have left in the log: its stream, its event types, its command id.
import { setTimeout as delay } from 'node:timers/promises';
import { deterministicId } from '../../src/projections/deadline-process.js';
import { mintToken, type ServerProcess, type TokenClaims } from '../support/server-process.js';

export type Claims = TokenClaims;

/** What a command must have written: these event types, in this stream, under this command id. */
export interface Written {
  readonly stream: string;
  readonly commandId: string;
  readonly types: readonly string[];
}

export interface Sent {
  readonly key: string;
  readonly actor: Claims;
  readonly method: 'POST';
  readonly path: string;
  readonly body: Record<string, unknown>;
  /** The command's own events, then (for a merge) those it makes the other case record. */
  readonly writes: readonly Written[];
  /** Requests made for it; those that got no answer because the server was killed. */
  attempts: number;
  lost: number;
  /** The 2xx answer, and the server generation that gave it. */
  status?: number;
  answer?: {
    readonly caseId?: string;
    readonly id?: string;
    readonly revision: number;
    readonly position: number;
  };
  answeredIn?: number;
}

interface Up {
  readonly server: ServerProcess;
  readonly generation: number;
}

/** A Promise with its resolver. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const REQUEST_TIMEOUT_MS = 15_000;
const MAX_ATTEMPTS = 200;

export class StopRequested extends Error {}

export class CrashClient {
  readonly sent: Sent[] = [];
  readonly stats = { requests: 0, lost: 0, transient: 0, resentAnswered: 0 };
  /** Set when the test wants the workers to finish the command in hand and stop. */
  stopping = false;
  private current: Up | undefined;
  private waiting = deferred<Up>();
  private generation = 0;
  private keys = 0;
  private readonly tokens = new Map<string, string>();

  /** A new server is up: commands go to it, and those waiting for one are sent. */
  up(server: ServerProcess): number {
    this.generation += 1;
    this.current = { server, generation: this.generation };
    this.waiting.resolve(this.current);
    return this.generation;
  }

  /** The server is about to be killed: an error from it now is the kill, and new commands wait. */
  down(): void {
    this.current = undefined;
    this.waiting = deferred<Up>();
  }

  private token(actor: Claims): string {
    const key = JSON.stringify(actor);
    let token = this.tokens.get(key);
    if (!token) {
      token = mintToken(actor);
      this.tokens.set(key, token);
    }
    return token;
  }

  /** The command id the server derives from the caller and its Idempotency-Key (command-routes.ts). */
  static commandId(actor: Claims, key: string): string {
    return deterministicId(`${actor.sub}|${key}`);
  }

  /** A fresh idempotency key and the command id it gives this actor. */
  nextKey(actor: Claims): { key: string; commandId: string } {
    this.keys += 1;
    const key = `crash-${this.keys}`;
    return { key, commandId: CrashClient.commandId(actor, key) };
  }

  /**
   * Sends until the command has a definite answer: a 2xx is returned; a lost answer (the server was
   * killed) is sent again with the same key to the next server; 429 and 503 are tried again shortly;
   * anything else, or a failure while the server was not being killed, throws.
   */
  async send(
    actor: Claims,
    path: string,
    body: Record<string, unknown>,
    key: string,
    writes: readonly Written[],
  ): Promise<NonNullable<Sent['answer']>> {
    const sent: Sent = { key, actor, method: 'POST', path, body, writes, attempts: 0, lost: 0 };
    this.sent.push(sent);
    for (;;) {
      if (sent.attempts >= MAX_ATTEMPTS)
        throw new Error(`POST ${path}: no answer after ${sent.attempts} attempts`);
      const up = this.current ?? (await this.waiting.promise);
      sent.attempts += 1;
      this.stats.requests += 1;
      let status: number;
      let text: string;
      try {
        ({ status, text } = await this.post(up.server, sent));
      } catch (error) {
        if (this.current?.generation === up.generation) {
          throw new Error(
            `POST ${path} failed while the server was not being killed: ${String((error as Error).cause ?? error)}`,
          );
        }
        // Killed in flight: the command may or may not have been applied. Same key, next server.
        sent.lost += 1;
        this.stats.lost += 1;
        continue;
      }
      if (status === 429 || status === 503) {
        this.stats.transient += 1;
        await delay(20 + Math.random() * 80);
        continue;
      }
      if (status < 200 || status >= 300)
        throw new Error(`POST ${path} (key ${key}) answered ${status}: ${text}`);
      sent.status = status;
      sent.answer = JSON.parse(text) as NonNullable<Sent['answer']>;
      sent.answeredIn = up.generation;
      return sent.answer;
    }
  }

  /** One request for the command, with its key, to this server. */
  private async post(server: ServerProcess, sent: Sent): Promise<{ status: number; text: string }> {
    const res = await fetch(`${server.url}/api/v1${sent.path}`, {
      method: sent.method,
      headers: {
        authorization: `Bearer ${this.token(sent.actor)}`,
        'content-type': 'application/json',
        'idempotency-key': sent.key,
      },
      body: JSON.stringify(sent.body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return { status: res.status, text: await res.text() };
  }

  /**
   * Sends an acknowledged command again, as a client does that never saw the answer it was given:
   * a mismatch, when the server answers anything but the first answer again.
   */
  async resendAnswered(server: ServerProcess, sent: Sent): Promise<string | undefined> {
    this.stats.requests += 1;
    this.stats.resentAnswered += 1;
    const { status, text } = await this.post(server, sent);
    const again = status >= 200 && status < 300 ? (JSON.parse(text) as Sent['answer']) : undefined;
    return status === sent.status && JSON.stringify(again) === JSON.stringify(sent.answer)
      ? undefined
      : `${sent.path} (key ${sent.key}): first ${sent.status} ${JSON.stringify(sent.answer)}, now ${status} ${text}`;
  }
}

// ---- the directory and the people -------------------------------------------------------------

export const ADMIN: Claims = { sub: 'admin-crash', role: 'admin', scope: 'district-1' };
export const AUDITOR: Claims = { sub: 'auditor-crash', role: 'auditor', scope: 'district-1' };
export const POLICE_LIAISON: Claims = {
  sub: 'liaison-police-crash',
  role: 'liaison',
  scope: 'district-1',
  dept: 'police-east',
};
export const SUMMONED = ['police-east', 'heating-co'] as const;

const peopleOf = (worker: number) => {
  const grid = worker % 2 === 0 ? 'grid-1' : 'grid-2';
  return {
    grid,
    gridWorker: { sub: `grid-w${worker}`, role: 'gridWorker', scope: grid },
    mediator: { sub: `mediator-w${worker}`, role: 'mediator', scope: 'community-sunrise' },
    chair: { sub: `chair-w${worker}`, role: 'chair', scope: 'community-sunrise' },
    resident: { sub: `resident-w${worker}`, role: 'resident', scope: grid },
    liaison: {
      'police-east': {
        sub: `liaison-police-w${worker}`,
        role: 'liaison',
        scope: 'district-1',
        dept: 'police-east',
      },
      'heating-co': {
        sub: `liaison-heating-w${worker}`,
        role: 'liaison',
        scope: 'district-1',
        dept: 'heating-co',
      },
    } as Record<string, Claims>,
  } satisfies Record<string, unknown>;
};

// ---- what each case must look like at the end -----------------------------------------------

export interface CaseModel {
  readonly caseId: string;
  status: string;
  notes: number;
  /** Markers of its notes, to look the case up by full-text search. */
  readonly markers: string[];
  attachments: number;
  summons: Record<string, string>;
  feedback: number;
  reopenCount: number;
  assigneeId?: string;
  readonly mergedFrom: string[];
  intoCaseId?: string;
}

const newCase = (caseId: string): CaseModel => ({
  caseId,
  status: 'submitted',
  notes: 0,
  markers: [],
  attachments: 0,
  summons: {},
  feedback: 0,
  reopenCount: 0,
  mergedFrom: [],
});

export const intakeBody = (grid: string, userId: string, title: string): Record<string, unknown> => ({
  kind: 'dispute',
  category: title.length % 2 === 0 ? 'neighbour' : 'property',
  title,
  description: '楼上住户装修后卫生间漏水，楼下天花板受损，双方协商未果。',
  channel: 'buildingHead',
  location: { orgUnitId: grid, address: '朝阳小区3号楼2单元' },
  parties: [
    { role: 'complainant', kind: 'person', name: '张伟', phone: '13812345678', userId },
    { role: 'respondent', kind: 'person', name: '李娜' },
  ],
  urgency: 'normal',
});

const stream = (caseId: string): string => `case-${caseId}`;
const pad = (value: number, width: number): string => String(value).padStart(width, '0');

export class Workload {
  /** Every case by id, as the acknowledged commands left it. */
  readonly cases = new Map<string, CaseModel>();
  /** Cases every worker adds notes to, so that commands on one case race each other. */
  readonly hot: string[] = [];
  private markers = 0;

  constructor(readonly client: CrashClient) {}

  /** A unique token for full-text search: one segment of fixed length, "mk" and seven digits. */
  private marker(): string {
    this.markers += 1;
    return `mk${pad(this.markers, 7)}`;
  }

  /** A command on an existing case that writes these event types to it. */
  private async command(
    actor: Claims,
    caseId: string,
    action: string,
    body: Record<string, unknown>,
    types: readonly string[],
  ) {
    const { key, commandId } = this.client.nextKey(actor);
    return this.client.send(actor, `/cases/${caseId}${action}`, body, key, [
      { stream: stream(caseId), commandId, types },
    ]);
  }

  /** Intake: the case id is derived from the command id, so it is known before the answer. */
  async submit(actor: Claims, grid: string, resident: string): Promise<CaseModel> {
    const { key, commandId } = this.client.nextKey(actor);
    const caseId = deterministicId(`${commandId}|case`);
    const answer = await this.client.send(
      actor,
      '/cases',
      intakeBody(grid, resident, `楼道漏水纠纷 ${this.marker()}`),
      key,
      [{ stream: stream(caseId), commandId, types: ['CaseSubmitted'] }],
    );
    if (answer.caseId !== caseId) throw new Error(`the intake answered case ${answer.caseId}, not ${caseId}`);
    const model = newCase(caseId);
    this.cases.set(caseId, model);
    return model;
  }

  private async note(actor: Claims, model: CaseModel): Promise<void> {
    const marker = this.marker();
    await this.command(actor, model.caseId, '/notes', { text: `走访记录 ${marker}：双方情绪平稳。` }, [
      'NoteAdded',
    ]);
    model.notes += 1;
    model.markers.push(marker);
  }

  /** Two hot cases, submitted and accepted before the load starts. */
  async setUpHotCases(): Promise<void> {
    const people = peopleOf(0);
    for (let i = 0; i < 2; i += 1) {
      const model = await this.submit(people.gridWorker, people.grid, people.resident.sub);
      await this.command(people.mediator, model.caseId, '/accept', { handlingMode: 'onSite' }, [
        'CaseAccepted',
      ]);
      model.status = 'accepted';
      this.hot.push(model.caseId);
    }
  }

  /** Between steps, now and then, a note on a case everyone writes to. */
  private async maybeHotNote(worker: number): Promise<void> {
    if (Math.random() >= 0.25) return;
    const model = this.cases.get(this.hot[Math.floor(Math.random() * this.hot.length)]!)!;
    await this.note(peopleOf(worker).mediator, model);
  }

  /** Plays cases one after another until asked to stop; a step once begun is seen through. */
  async worker(worker: number): Promise<void> {
    try {
      for (let n = 0; ; n += 1) await this.story(worker, n);
    } catch (error) {
      if (!(error instanceof StopRequested)) throw error;
    }
  }

  private async story(worker: number, n: number): Promise<void> {
    const p = peopleOf(worker);
    const step = async (run: () => Promise<void>): Promise<void> => {
      if (this.client.stopping) throw new StopRequested();
      await run();
      await this.maybeHotNote(worker);
    };
    let model!: CaseModel;
    await step(async () => {
      model = await this.submit(p.gridWorker, p.grid, p.resident.sub);
    });
    await step(async () => {
      await this.command(p.mediator, model.caseId, '/accept', { handlingMode: 'onSite' }, ['CaseAccepted']);
      model.status = 'accepted';
    });
    if (n % 3 === 1) {
      // A duplicate of the same complaint, merged into it: one command, two cases' histories.
      let duplicate!: CaseModel;
      await step(async () => {
        duplicate = await this.submit(p.gridWorker, p.grid, p.resident.sub);
      });
      await step(async () => {
        // The handler records the target's half under the merge's command id with this suffix.
        const { key, commandId } = this.client.nextKey(p.chair);
        await this.client.send(
          p.chair,
          `/cases/${duplicate.caseId}/merge`,
          { intoCaseId: model.caseId },
          key,
          [
            { stream: stream(duplicate.caseId), commandId, types: ['CaseMerged'] },
            {
              stream: stream(model.caseId),
              commandId: `${commandId}:merge-target`,
              types: ['DuplicateCaseMerged'],
            },
          ],
        );
        duplicate.status = 'merged';
        duplicate.intoCaseId = model.caseId;
        model.mergedFrom.push(duplicate.caseId);
      });
    }
    await step(async () => {
      await this.command(p.mediator, model.caseId, '/assign', { assigneeId: p.mediator.sub }, [
        'CaseAssigned',
      ]);
      model.assigneeId = p.mediator.sub;
    });
    await step(() => this.note(p.mediator, model));
    await step(async () => {
      const attachment = {
        name: '现场照片.jpg',
        contentType: 'image/jpeg',
        sha256: deterministicId(model.caseId).replaceAll('-', '').repeat(2),
        size: 2048 + n,
      };
      await this.command(p.gridWorker, model.caseId, '/attachments', attachment, ['AttachmentAdded']);
      model.attachments += 1;
    });
    await step(async () => {
      await this.command(
        p.mediator,
        model.caseId,
        '/whistle',
        { departmentIds: [...SUMMONED], reason: '需要派出所和热力公司到场' },
        ['DepartmentsSummoned'],
      );
      for (const department of SUMMONED) model.summons[department] = 'pending';
    });
    for (const department of SUMMONED) {
      await step(async () => {
        const summons = `/summons/${department}/report-in`;
        await this.command(p.liaison[department]!, model.caseId, summons, { note: '已到场' }, [
          'DepartmentReportedIn',
        ]);
        model.summons[department] = 'reportedIn';
      });
    }
    await step(() => this.note(p.liaison['police-east']!, model));
    await step(async () => {
      const liaison = p.liaison['police-east']!;
      await this.command(liaison, model.caseId, '/summons/police-east/respond', { summary: '已调解' }, [
        'DepartmentResponded',
      ]);
      model.summons['police-east'] = 'responded';
    });
    await step(async () => {
      if (n % 2 === 0) {
        const liaison = p.liaison['heating-co']!;
        await this.command(liaison, model.caseId, '/summons/heating-co/respond', { summary: '已修复管道' }, [
          'DepartmentResponded',
        ]);
        model.summons['heating-co'] = 'responded';
      } else {
        await this.command(p.mediator, model.caseId, '/summons/heating-co/release', { reason: '不再需要' }, [
          'SummonsReleased',
        ]);
        model.summons['heating-co'] = 'released';
      }
    });
    const resolve = () =>
      step(async () => {
        await this.command(p.mediator, model.caseId, '/resolve', { summary: '已修复漏水' }, ['CaseResolved']);
        model.status = 'resolved';
      });
    await resolve();
    if (n % 4 === 1) {
      // A dissatisfied rating reopens the case: one command, two events, both or neither.
      await step(async () => {
        await this.command(p.resident, model.caseId, '/feedback', { rating: 'dissatisfied' }, [
          'FeedbackGiven',
          'CaseReopened',
        ]);
        model.feedback += 1;
        model.reopenCount += 1;
        model.status = 'accepted';
      });
      await step(() => this.note(p.mediator, model));
      await resolve();
    }
    await step(async () => {
      await this.command(p.resident, model.caseId, '/feedback', { rating: 'satisfied' }, ['FeedbackGiven']);
      model.feedback += 1;
    });
    await step(async () => {
      await this.command(p.chair, model.caseId, '/close', { reason: '当事人满意' }, ['CaseClosed']);
      model.status = 'closed';
    });
  }
}
