// Fifty clients on one case at once, over real HTTP (DESIGN.md §8): without If-Match nothing is lost
// and nothing appended twice; with If-Match exactly one write per revision wins and the rest are told
// 412 revision_mismatch; where the rules allow only so many, exactly that many succeed and the rest get
// 409 with the rule's code; a repeated Idempotency-Key appends once. After each scenario the case as
// answered, its list row and its chain equal a replay of its log.
import { createHash } from 'node:crypto';
import t from 'tap';
import type { Actor } from '../../src/commands/actor.js';
import { actors } from '../support/case-fixtures.js';
import { httpHarness } from '../support/http-fixtures.js';
import {
  type Answer,
  allRefused,
  type Body,
  CLIENTS,
  type Client,
  casePath,
  clientOf,
  intakeBody,
  listen,
  logOf,
  matchesReplay,
  people,
  startLine,
  tally,
} from './concurrency-support.js';

const h = await httpHarness(t);
const base = await listen(h.app);
const as = (actor: Actor): Client => clientOf(base, h.token(actor));
const chair = as(actors.chair);
const mediators = people('mediator').map(as);
const gridWorkers = people('gridWorker').map(as);

function expectOk(answer: Answer, what: string): Body {
  if (answer.status >= 300) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** A case registered by the chair and taken as far as the steps say. */
async function newCase(title: string, steps: ReadonlyArray<[string, Body]> = []): Promise<string> {
  const { caseId } = expectOk(await chair('POST', '/api/v1/cases', intakeBody(title)), 'intake');
  for (const [action, body] of steps)
    expectOk(await chair('POST', casePath(String(caseId), action), body), action);
  return String(caseId);
}
const ACCEPT: [string, Body] = ['/accept', { handlingMode: 'onSite' }];

const revisionOf = (answer: Answer): number => Number(answer.body.revision);
const winners = (answers: readonly Answer[]) => answers.filter((a) => a.status >= 200 && a.status < 300);

t.test('without If-Match, 50 clients adding notes and attachments to one case lose nothing', async (t) => {
  const caseId = await newCase('五十人同时记录');
  const prior = (await logOf(h, caseId)).length;
  const perClient = 4;
  const sent = (
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, i) => {
        const client = i % 2 === 0 ? gridWorkers[i]! : mediators[i]!;
        const mine: Array<{ text: string; answer: Answer }> = [];
        for (let k = 0; k < perClient; k++) {
          const text = `客户${i}的第${k}条记录`;
          const answer =
            k % 2 === 0
              ? await client('POST', casePath(caseId, '/notes'), { text })
              : await client('POST', casePath(caseId, '/attachments'), {
                  name: text,
                  contentType: 'image/jpeg',
                  sha256: createHash('sha256').update(text).digest('hex'),
                  size: 1000 + i,
                });
          mine.push({ text, answer });
        }
        return mine;
      }),
    )
  ).flat();
  const answers = sent.map((s) => s.answer);
  tally(t, 'notes without If-Match', answers);
  t.same(
    answers.filter((a) => a.status !== 201).map((a) => a.body),
    [],
    'every note and attachment is taken: one instance runs the commands on a case one after another',
  );
  const revisions = answers.map(revisionOf).sort((a, b) => a - b);
  t.same(
    revisions,
    Array.from({ length: answers.length }, (_, i) => prior + i),
    'the revisions answered are unique and contiguous after the intake',
  );
  t.ok(
    answers.every((a) => a.etag === `"${revisionOf(a)}"`),
    'each answer’s ETag is its revision',
  );

  const history = await as(actors.auditor)('GET', casePath(caseId, '/history'));
  const events = history.body.events as Array<{ revision: number; type: string; data: Body }>;
  t.equal(events.length, prior + answers.length, 'the log holds the intake and one event per answer');
  const misplaced = sent.filter(({ text, answer }) => {
    const event = events[revisionOf(answer)];
    const id = answer.body.noteId ?? answer.body.attachmentId;
    const data = event?.data ?? {};
    return (data.noteId ?? data.attachmentId) !== id || (data.text ?? data.name) !== text;
  });
  t.same(misplaced, [], 'each answer’s revision holds exactly what that client sent');
  const ids = events.map((e) => e.data.noteId ?? e.data.attachmentId).filter(Boolean);
  t.equal(new Set(ids).size, ids.length, 'no note or attachment is in the log twice');

  const state = await matchesReplay(t, h, [base], caseId);
  t.match(state, { noteCount: answers.length / 2, attachmentCount: answers.length / 2 });
});

/** Each client reads the case's ETag, waits for all to have read it, then sends its pinned command. */
async function pinnedRound(
  caseId: string,
  command: (i: number) => { client: Client; action: string; body: Body },
) {
  const arrive = startLine(CLIENTS);
  return Promise.all(
    Array.from({ length: CLIENTS }, async (_, i) => {
      const { client, action, body } = command(i);
      const read = await client('GET', casePath(caseId));
      await arrive();
      const answer = await client('POST', casePath(caseId, action), body, { 'if-match': read.etag ?? '' });
      return { i, read, answer };
    }),
  );
}

t.test('with If-Match, exactly one of 50 conflicting writes wins each revision', async (t) => {
  t.test('accept against reject on a submitted case', async (t) => {
    const caseId = await newCase('受理还是驳回');
    const results = await pinnedRound(caseId, (i) =>
      i % 2 === 0
        ? { client: mediators[i]!, action: '/accept', body: { handlingMode: 'onSite' } }
        : { client: mediators[i]!, action: '/reject', body: { reason: '不属受理范围' } },
    );
    const answers = results.map((r) => r.answer);
    tally(t, 'accept/reject with If-Match', answers);
    t.same([...new Set(results.map((r) => r.read.etag))], ['"0"'], 'every client read revision 0');
    const won = results.filter((r) => r.answer.status === 200);
    t.equal(won.length, 1, 'one write wins');
    t.match(won[0]?.answer, { etag: '"1"', body: { revision: 1 } });
    const lost = answers.filter((a) => a.status !== 200);
    allRefused(t, lost, 412, 'revision_mismatch');
    t.ok(
      lost.every((a) => String(a.body.detail).includes('at revision 1')),
      'each 412 names the revision the case is at now',
    );
    const log = await logOf(h, caseId);
    const winner = won[0]!.i % 2 === 0 ? 'CaseAccepted' : 'CaseRejected';
    t.same(
      log.map((e) => e.type),
      ['CaseSubmitted', winner],
      'only the winner is in the log',
    );
    t.match(
      log[1]?.metadata,
      { actor: { id: `mediator-client-${won[0]!.i}` } },
      'made by the one answered 200',
    );
    const state = await matchesReplay(t, h, [base], caseId);
    t.equal(state.status, winner === 'CaseAccepted' ? 'accepted' : 'rejected');
  });

  t.test('five rounds of assignments to 50 different people', async (t) => {
    const caseId = await newCase('谁来负责', [ACCEPT]);
    const chosen: string[] = [];
    const all: Answer[] = [];
    for (let round = 0; round < 5; round++) {
      const results = await pinnedRound(caseId, (i) => ({
        client: mediators[i]!,
        action: '/assign',
        body: { assigneeId: `staff-${round}-${i}` },
      }));
      all.push(...results.map((r) => r.answer));
      const read = Number(JSON.parse(results[0]!.read.etag ?? 'NaN'));
      t.ok(
        results.every((r) => r.read.etag === `"${read}"`),
        `round ${round}: every client read revision ${read}`,
      );
      const won = results.filter((r) => r.answer.status === 200);
      t.equal(won.length, 1, `round ${round}: one assignment wins`);
      t.equal(revisionOf(won[0]!.answer), read + 1, `round ${round}: the winner made revision ${read + 1}`);
      allRefused(
        t,
        results.filter((r) => r.answer.status !== 200).map((r) => r.answer),
        412,
        'revision_mismatch',
      );
      chosen.push(`staff-${round}-${won[0]!.i}`);
      const now = await chair('GET', casePath(caseId));
      t.match(now.body, { assigneeId: chosen.at(-1), revision: read + 1 }, 'the winner’s assignee holds');
    }
    tally(t, 'assignments with If-Match', all);
    const assigned = (await logOf(h, caseId)).filter((e) => e.type === 'CaseAssigned');
    t.same(
      assigned.map((e) => e.data.assigneeId),
      chosen,
      'the log holds exactly the five winners, in order',
    );
    await matchesReplay(t, h, [base], caseId);
  });
});

/** All 50 clients send at once, without If-Match. */
const race = (send: (i: number) => Promise<Answer>): Promise<Answer[]> =>
  Promise.all(Array.from({ length: CLIENTS }, (_, i) => send(i)));

t.test('without If-Match, the rules decide how many of 50 conflicting commands succeed', async (t) => {
  t.test('accept against reject: one, the rest case_not_submitted', async (t) => {
    const caseId = await newCase('无条件受理竞争');
    const answers = await race((i) =>
      i % 2 === 0
        ? mediators[i]!('POST', casePath(caseId, '/accept'), { handlingMode: 'online' })
        : mediators[i]!('POST', casePath(caseId, '/reject'), { reason: '不属受理范围' }),
    );
    tally(t, 'accept/reject without If-Match', answers);
    const won = answers.findIndex((a) => a.status === 200);
    t.equal(winners(answers).length, 1, 'one succeeds');
    allRefused(
      t,
      answers.filter((a) => a.status !== 200),
      409,
      'case_not_submitted',
    );
    const state = await matchesReplay(t, h, [base], caseId);
    t.equal(state.status, won % 2 === 0 ? 'accepted' : 'rejected', 'the case is as the one success left it');
  });

  t.test('escalate: three levels up from the grid, the rest already_at_district', async (t) => {
    const caseId = await newCase('一路上报');
    const answers = await race((i) =>
      (i % 2 === 0 ? gridWorkers[i]! : mediators[i]!)('POST', casePath(caseId, '/escalate'), {
        reason: `第${i}次上报`,
      }),
    );
    tally(t, 'escalate', answers);
    t.equal(winners(answers).length, 3, 'grid → community → street → district');
    allRefused(
      t,
      answers.filter((a) => a.status !== 200),
      409,
      'already_at_district',
    );
    const escalations = (await logOf(h, caseId)).filter((e) => e.type === 'CaseEscalated');
    t.same(
      escalations.map((e) => `${e.data.fromLevel}→${e.data.toLevel}`),
      ['grid→community', 'community→street', 'street→district'],
    );
    const state = await matchesReplay(t, h, [base], caseId);
    t.match(state, { level: 'district', orgUnitId: 'district-1' });
  });

  t.test(
    'resolve, then rate: one of each, the rest case_not_accepted and feedback_already_given',
    async (t) => {
      const caseId = await newCase('办结与回访', [ACCEPT]);
      const resolved = await race((i) =>
        mediators[i]!('POST', casePath(caseId, '/resolve'), { summary: `第${i}位调解员办结` }),
      );
      tally(t, 'resolve', resolved);
      t.equal(winners(resolved).length, 1, 'resolved once');
      allRefused(
        t,
        resolved.filter((a) => a.status !== 200),
        409,
        'case_not_accepted',
      );
      const resident = as(actors.resident);
      const rated = await race((i) =>
        i % 5 === 0
          ? resident('POST', casePath(caseId, '/feedback'), { rating: 'satisfied', comment: `${i}` })
          : mediators[i]!('POST', casePath(caseId, '/feedback'), {
              rating: 'basicallySatisfied',
              via: 'phone',
              comment: `${i}`,
            }),
      );
      tally(t, 'feedback', rated);
      const won = rated.findIndex((a) => a.status === 200);
      t.equal(winners(rated).length, 1, 'rated once');
      allRefused(
        t,
        rated.filter((a) => a.status !== 200),
        409,
        'feedback_already_given',
      );
      const log = await logOf(h, caseId);
      t.same(
        log.map((e) => e.type),
        ['CaseSubmitted', 'CaseAccepted', 'CaseResolved', 'FeedbackGiven'],
      );
      t.equal(log.at(-1)?.data.comment, `${won}`, 'the rating in the log is the one that was answered 200');
      await matchesReplay(t, h, [base], caseId);
    },
  );
});

t.test('the same Idempotency-Key from 10 clients at once appends once', async (t) => {
  const same = (n: number, send: () => Promise<Answer>) => Promise.all(Array.from({ length: n }, send));
  const author = as(actors.mediator);

  t.test('a note: ten identical answers, one event', async (t) => {
    const caseId = await newCase('重复提交备注', [ACCEPT]);
    const answers = await same(10, () =>
      author('POST', casePath(caseId, '/notes'), { text: '上门走访' }, { 'idempotency-key': 'visit-1' }),
    );
    tally(t, 'note with one key', answers);
    t.ok(
      answers.every((a) => a.status === 201),
      'all 201',
    );
    t.same(new Set(answers.map((a) => JSON.stringify(a.body))).size, 1, 'all answers are the same');
    t.same(
      (await logOf(h, caseId)).map((e) => e.type),
      ['CaseSubmitted', 'CaseAccepted', 'NoteAdded'],
    );
    await matchesReplay(t, h, [base], caseId);
  });

  t.test('an intake: one case', async (t) => {
    const answers = await same(10, () =>
      chair('POST', '/api/v1/cases', intakeBody('重复登记'), { 'idempotency-key': 'intake-1' }),
    );
    tally(t, 'intake with one key', answers);
    t.ok(
      answers.every((a) => a.status === 201),
      'all 201',
    );
    t.same(new Set(answers.map((a) => JSON.stringify(a.body))).size, 1, 'all answers are the same');
    const caseId = String(answers[0]!.body.caseId);
    t.equal((await logOf(h, caseId)).length, 1, 'one CaseSubmitted');
    await matchesReplay(t, h, [base], caseId);
  });

  t.test('a write pinned with If-Match: the retries get the first answer, not 412', async (t) => {
    const caseId = await newCase('带条件的重试', [ACCEPT]);
    const answers = await same(10, () =>
      author(
        'POST',
        casePath(caseId, '/assign'),
        { assigneeId: 'mediator-liu' },
        {
          'if-match': '"1"',
          'idempotency-key': 'assign-1',
        },
      ),
    );
    tally(t, 'pinned assign with one key', answers);
    t.ok(
      answers.every((a) => a.status === 200),
      'all 200',
    );
    t.same(new Set(answers.map((a) => JSON.stringify(a.body))).size, 1, 'all answers are the same');
    t.equal((await logOf(h, caseId)).filter((e) => e.type === 'CaseAssigned').length, 1);
  });

  t.test(
    'one key, two different requests: the first wins, the other is idempotency_key_reused',
    async (t) => {
      const caseId = await newCase('同一个键两种请求', [ACCEPT]);
      const texts = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? '第一次走访' : '第二次走访'));
      const answers = await Promise.all(
        texts.map((text) =>
          author('POST', casePath(caseId, '/notes'), { text }, { 'idempotency-key': 'visit-2' }),
        ),
      );
      tally(t, 'one key, two notes', answers);
      const notes = (await logOf(h, caseId)).filter((e) => e.type === 'NoteAdded');
      t.equal(notes.length, 1, 'one note');
      const kept = notes[0]?.data.text;
      const forKept = answers.filter((_, i) => texts[i] === kept);
      t.ok(
        forKept.every((a) => a.status === 201),
        'the request that was kept is answered 201 every time',
      );
      t.same(new Set(forKept.map((a) => JSON.stringify(a.body))).size, 1, 'with the same answer');
      allRefused(
        t,
        answers.filter((_, i) => texts[i] !== kept),
        409,
        'idempotency_key_reused',
      );
    },
  );
});
