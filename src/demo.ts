// `casetrail demo`: a client of a running service. Over real HTTP, with the tokens of the people in them,
// it loads a directory and plays the seed stories of DESIGN.md §10 (1–5), so that a newcomer finds
// cases in every state. Fresh Idempotency-Keys each run: running it twice plays the stories twice.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { type Config, parseConfig } from './config.js';
import {
  DEMO_CASES,
  DEMO_DEPARTMENTS,
  DEMO_ORG_UNITS,
  DEMO_PEOPLE,
  type DemoPersonKey,
} from './demo-directory.js';
import { loadJwtSecret, registerAuth, signToken } from './http/auth.js';

/** A failure the demo explains to its user before it exits with 1. */
export class DemoError extends Error {
  override name = 'DemoError';
}

const ESCALATION_WAIT_MS = 120_000;
const POLL_MS = 2_000;
const REQUEST_TIMEOUT_MS = 15_000;
/** 409 codes that mean "this directory entry is already there": the demo may run again. */
const ALREADY_THERE = new Set(['org_unit_exists', 'department_exists', 'directory_entry_exists']);

interface CaseView {
  readonly caseId: string;
  readonly status: string;
  readonly level: string;
  readonly reopenCount: number;
  readonly summons: ReadonlyArray<{
    readonly departmentId: string;
    readonly status: string;
    readonly round: number;
    readonly reportInDueAt: string;
    readonly overdue: { readonly reportIn: boolean };
  }>;
  readonly feedback: ReadonlyArray<{ readonly rating: string }>;
}
type Body = Record<string, unknown>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const causeOf = (error: unknown): string => {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
};

/** Where `serve` listens with the same HOST and PORT; a wildcard address is reached on loopback. */
export function serviceUrl(config: Pick<Config, 'host' | 'port'>): string {
  const wildcard: Record<string, string> = { '0.0.0.0': '127.0.0.1', '::': '::1', '': '127.0.0.1' };
  const host = wildcard[config.host] ?? config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
}

/** Tokens signed with the data directory's secret, as `casetrail token` signs them. */
async function mintTokens(config: Config): Promise<Record<DemoPersonKey, string>> {
  if (!config.jwtSecret && !existsSync(join(config.dataDir, 'jwt-secret'))) {
    throw new DemoError(
      `there is no JWT secret in ${config.dataDir}: run the demo with the CASETRAIL_DATA_DIR (or the CASETRAIL_JWT_SECRET) of the running service`,
    );
  }
  const app = Fastify({ logger: false });
  try {
    await registerAuth(app, loadJwtSecret(config.dataDir, config.jwtSecret));
    await app.ready();
    const entries = Object.entries(DEMO_PEOPLE).map(([key, person]) => [key, signToken(app, person)]);
    return Object.fromEntries(entries) as Record<DemoPersonKey, string>;
  } finally {
    await app.close();
  }
}

class Api {
  private step = 0;

  constructor(
    readonly base: string,
    private readonly tokens: Record<DemoPersonKey, string>,
    /** Where the tokens' secret came from, to explain a 401. */
    private readonly secret: string,
    private readonly run = randomUUID().slice(0, 8),
  ) {}

  /** One request as a person. A command keeps its Idempotency-Key across retries, so it applies once. */
  async send(who: DemoPersonKey, method: 'GET' | 'POST', path: string, body?: Body) {
    const key = `demo-${this.run}-${++this.step}`;
    for (let attempt = 1; ; attempt += 1) {
      let response: Response;
      try {
        response = await fetch(`${this.base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${this.tokens[who]}`,
            ...(body ? { 'content-type': 'application/json', 'idempotency-key': key } : {}),
          },
          ...(body ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
      } catch (error) {
        if (attempt < 3) {
          await sleep(1000);
          continue;
        }
        throw new DemoError(`${method} ${path}: the service stopped answering (${causeOf(error)})`);
      }
      if ((response.status === 503 || response.status === 429) && attempt < 3) {
        await sleep(1000 * (Number(response.headers.get('retry-after')) || 1));
        continue;
      }
      if (response.status === 401) {
        throw new DemoError(
          `the service refused the demo's tokens (401): they are signed with ${this.secret}, which must be the running service's`,
        );
      }
      const text = await response.text();
      let json: Body = {};
      try {
        json = text ? (JSON.parse(text) as Body) : {};
      } catch {
        json = { detail: text.slice(0, 200) };
      }
      return { status: response.status, json };
    }
  }

  /** A case command (or the intake, when action is empty) that must succeed. */
  async act(who: DemoPersonKey, caseId: string, action: string, body: Body = {}): Promise<Body> {
    const path = caseId ? `/api/v1/cases/${caseId}/${action}` : '/api/v1/cases';
    const { status, json } = await this.send(who, 'POST', path, body);
    if (status >= 300) {
      throw new DemoError(
        `${DEMO_PEOPLE[who].name} (${who}) POST ${path} was refused: ${status} ${String(json.code ?? '')} ${String(json.detail ?? '')}`,
      );
    }
    return json;
  }

  async submit(who: DemoPersonKey, body: Body): Promise<string> {
    return String((await this.act(who, '', '', body)).caseId);
  }

  async look(who: DemoPersonKey, caseId: string): Promise<CaseView> {
    const { status, json } = await this.send(who, 'GET', `/api/v1/cases/${caseId}`);
    if (status !== 200) throw new DemoError(`GET case ${caseId} as ${who}: ${status} ${String(json.code)}`);
    return json as unknown as CaseView;
  }

  /** An org unit or department; one that exists already (a second run) is fine. */
  async ensure(path: string, body: Body): Promise<'created' | 'existed'> {
    const { status, json } = await this.send('admin', 'POST', path, body);
    if (status === 201) return 'created';
    if (status === 409 && ALREADY_THERE.has(String(json.code))) return 'existed';
    throw new DemoError(
      `POST ${path} ${String(body.id)}: ${status} ${String(json.code)} ${String(json.detail ?? '')}`,
    );
  }
}

async function reachable(base: string): Promise<void> {
  let health: Response;
  try {
    health = await fetch(`${base}/health`, { signal: AbortSignal.timeout(5000) });
  } catch (error) {
    throw new DemoError(
      `no casetrail service answers at ${base} (${causeOf(error)}). Start it first (npm start) with the same HOST, PORT and CASETRAIL_DATA_DIR, then run the demo again.`,
    );
  }
  const body = (await health.json().catch(() => ({}))) as Body;
  if (!health.ok || body.status !== 'ok')
    throw new DemoError(
      `something answers at ${base}, but not as casetrail does (GET /health: ${health.status})`,
    );
}

async function loadDirectory(api: Api): Promise<string> {
  let created = 0;
  for (const unit of DEMO_ORG_UNITS)
    created += (await api.ensure('/api/v1/org-units', { ...unit })) === 'created' ? 1 : 0;
  for (const dept of DEMO_DEPARTMENTS)
    created += (await api.ensure('/api/v1/departments', { ...dept })) === 'created' ? 1 : 0;
  const total = DEMO_ORG_UNITS.length + DEMO_DEPARTMENTS.length;
  return created === total
    ? `${total} org units and departments created`
    : `${created} of ${total} created, the rest were there already`;
}

/** What a story left behind: its case and a line on the state it is in. */
interface Played {
  readonly caseId: string;
  readonly line: string;
}
const now = () => new Date().toISOString();

/** Story 1 (seed 002): 80 workers, four departments whistled, four days of joint mediation, confirmed. */
async function factoryRelocation(api: Api): Promise<Played> {
  const id = await api.submit('parkGridWorker', DEMO_CASES.factory);
  await api.act('shunzhengheChair', id, 'accept', { handlingMode: 'onSite', note: '书记带队赶赴现场' });
  const present = [
    ['police', 'police', '民警已到厂区维持秩序', '现场秩序平稳，未发生打砸'],
    ['labour', 'departmentLiaison', '仲裁员到场', '已现场解答经济补偿标准'],
    ['judicial', 'judicialOfficer', '司法所到场', '已组织劳资双方代表进入调解'],
    ['lawyer', 'lawyer', '律师到场', '已为员工代表提供法律咨询'],
  ] as const;
  const departmentIds = present.map(([who]) => DEMO_PEOPLE[who].dept);
  await api.act('shunzhengheChair', id, 'whistle', { departmentIds, reason: '群体性事件苗头：员工聚集静坐' });
  for (const [who, role, note] of present) {
    const { dept: departmentId, sub: userId } = DEMO_PEOPLE[who];
    await api.act(who, id, `summons/${departmentId}/report-in`, { note });
    await api.act('shunzhengheChair', id, 'participants', { userId, role, departmentId });
  }
  for (const [who, , , summary] of present) {
    await api.act(who, id, `summons/${DEMO_PEOPLE[who].dept}/respond`, { summary });
  }
  // 四天三晚, compressed: four sessions, the last one reaching agreement.
  for (const outcome of ['noAgreement', 'partialAgreement', 'partialAgreement', 'agreement']) {
    const session = { scheduledAt: now(), place: '万友通公司厂区会议室' };
    const { sessionId } = await api.act('shunzhengheMediator', id, 'mediation-sessions', session);
    await api.act('shunzhengheMediator', id, `mediation-sessions/${String(sessionId)}/record`, { outcome });
  }
  const { agreementId } = await api.act('shunzhengheMediator', id, 'agreements', {
    terms: '公司按工作年限支付经济补偿金，三月底前一次性付清；员工解除聚集。',
    signatories: ['万友通公司（法定代表人）', '员工代表 张伟', '员工代表 王强'],
  });
  const confirmation = `agreements/${String(agreementId)}/judicial-confirmation`;
  await api.act('shunzhengheChair', id, confirmation, { courtId: DEMO_PEOPLE.court.dept });
  await api.act('court', id, `${confirmation}/decision`, { granted: true, note: '协议合法有效，予以确认' });
  await api.act('shunzhengheChair', id, 'resolve', { summary: '调解协议经司法确认，纠纷化解' });
  await api.act('workerRep', id, 'feedback', { rating: 'satisfied' });
  await api.act('shunzhengheChair', id, 'close', { reason: '回访满意' });
  const { status } = await api.look('shunzhengheChair', id);
  return { caseId: id, line: `${status}: four departments reported in, the court confirmed the agreement` };
}

/** Story 2 (seed 003): nine households without heating; the heating company restores it. */
async function noHeating(api: Api): Promise<Played> {
  const id = await api.submit('qingbaChair', DEMO_CASES.heating);
  await api.act('qingbaChair', id, 'accept', { handlingMode: 'immediate' });
  await api.act('qingbaChair', id, 'whistle', {
    departmentIds: ['heating-baotou'],
    reason: '九户停暖，气温骤降',
  });
  await api.act('heating', id, 'summons/heating-baotou/report-in', { note: '维修班组已出发' });
  const restored = { summary: '已恢复供暖，九户住户均正常供暖' };
  await api.act('heating', id, 'summons/heating-baotou/respond', restored);
  await api.act('qingbaChair', id, 'resolve', { summary: '协调热力公司恢复供暖' });
  await api.act('heatingResident', id, 'feedback', { rating: 'satisfied', comment: '居民为书记送上锦旗' });
  await api.act('qingbaChair', id, 'close', { reason: '回访满意' });
  const { status } = await api.look('qingbaChair', id);
  return { caseId: id, line: `${status}: heat restored within the 24 h clock, rated satisfied` };
}

/** Story 3 (seed 003): a building head registers a quarrel; a party-member mediator settles it. */
async function neighbours(api: Api): Promise<Played> {
  const id = await api.submit('buildingHead', DEMO_CASES.neighbours);
  await api.act('qingbaMediator', id, 'accept', { handlingMode: 'onSite' });
  await api.act('qingbaMediator', id, 'assign', { assigneeId: DEMO_PEOPLE.partyMemberMediator.sub });
  const session = { scheduledAt: now(), place: '3号楼楼道党员议事点' };
  const { sessionId } = await api.act('partyMemberMediator', id, 'mediation-sessions', session);
  const recorded = { outcome: 'agreement' };
  await api.act('partyMemberMediator', id, `mediation-sessions/${String(sessionId)}/record`, recorded);
  await api.act('partyMemberMediator', id, 'agreements', {
    terms: '楼上住户三日内修复卫生间防水，并承担楼下天花板修缮费用。',
    signatories: ['陈刚', '李娜'],
  });
  await api.act('partyMemberMediator', id, 'resolve', { summary: '邻里和解，签订调解协议' });
  const { status } = await api.look('qingbaMediator', id);
  return { caseId: id, line: `${status}: settled by agreement, no department; the neighbours may rate it` };
}

/** Waits until the service's deadline process has moved the case up from the community. */
async function untilEscalated(api: Api, id: string): Promise<CaseView> {
  const giveUp = Date.now() + ESCALATION_WAIT_MS;
  for (;;) {
    const view = await api.look('streetSupervisor', id);
    if (view.level !== 'community') return view;
    if (Date.now() > giveUp) {
      throw new DemoError(
        `case ${id} was still not escalated after ${ESCALATION_WAIT_MS / 1000} s; is the service's deadline process running (see its log)? --no-wait skips this wait`,
      );
    }
    await sleep(POLL_MS);
  }
}

/** Story 4: the property company does not come; the system escalates to the street, which whistles again. */
async function absentDepartment(api: Api, wait: boolean): Promise<Played> {
  const id = await api.submit('qingbaMediator', DEMO_CASES.lift);
  await api.act('qingbaMediator', id, 'accept', { handlingMode: 'onSite' });
  // A one-minute report-in clock, so that the deadline really passes while the demo watches.
  const whistle = { departmentIds: ['property-qingba'], reason: '电梯停运，需物业到场', reportInMinutes: 1 };
  await api.act('qingbaMediator', id, 'whistle', whistle);
  const due = (await api.look('qingbaMediator', id)).summons[0]?.reportInDueAt ?? now();
  const dueLocal = new Date(due).toLocaleTimeString();
  if (!wait) {
    return {
      caseId: id,
      line: `accepted, summons pending: at ${dueLocal} the service escalates it to the street`,
    };
  }
  console.log(`story 4  waiting for the deadline process: the property company is due by ${dueLocal}…`);
  await untilEscalated(api, id);
  const again = {
    departmentIds: ['property-qingba'],
    reason: '街道再次吹哨，限两小时内到场',
    reportInMinutes: 120,
  };
  await api.act('streetSupervisor', id, 'whistle', again);
  const view = await api.look('streetSupervisor', id);
  const summons = view.summons.find((one) => one.departmentId === 'property-qingba');
  const whistled = `whistled again by the street (round ${summons?.round}, ${summons?.status})`;
  return {
    caseId: id,
    line: `${view.status} at ${view.level} level: overdue, escalated by the system, ${whistled}`,
  };
}

/** Story 5: rated dissatisfied, the case reopens (重办), is handled again with the property company, rated again. */
async function notSatisfied(api: Api): Promise<Played> {
  const id = await api.submit('qingbaGridWorker', DEMO_CASES.leak);
  await api.act('qingbaMediator', id, 'accept', { handlingMode: 'onSite' });
  await api.act('qingbaMediator', id, 'resolve', { summary: '已督促楼上住户自行维修' });
  await api.act('leakResident', id, 'feedback', { rating: 'dissatisfied', comment: '漏水仍未修好' });
  await api.act('qingbaMediator', id, 'whistle', {
    departmentIds: ['property-qingba'],
    reason: '检查防水层',
  });
  await api.act('property', id, 'summons/property-qingba/report-in', { note: '维修师傅上门查看' });
  await api.act('property', id, 'summons/property-qingba/respond', { summary: '已更换防水层' });
  await api.act('qingbaMediator', id, 'resolve', { summary: '防水层已更换，漏水停止' });
  await api.act('leakResident', id, 'feedback', { rating: 'basicallySatisfied' });
  const view = await api.look('qingbaMediator', id);
  const ratings = view.feedback.map((given) => given.rating).join(' → ');
  return { caseId: id, line: `${view.status}: reopened ${view.reopenCount}× after ${ratings}` };
}

/** A resident's fresh suggestion, so that one case waits to be accepted. */
async function freshIntake(api: Api): Promise<Played> {
  const id = await api.submit('liftResident', DEMO_CASES.streetLight);
  const { status } = await api.look('qingbaChair', id);
  return { caseId: id, line: `${status}: waiting for the community to accept it` };
}

async function hint(api: Api, caseId: string): Promise<string> {
  const list = await api.send('districtSupervisor', 'GET', '/api/v1/cases?limit=1');
  const { sub, role, scope } = DEMO_PEOPLE.districtSupervisor;
  const env = process.env.CASETRAIL_DATA_DIR ? `CASETRAIL_DATA_DIR=${process.env.CASETRAIL_DATA_DIR} ` : '';
  const cli = process.argv[1]?.endsWith('.ts') ? 'node --import tsx src/cli.ts' : 'npx casetrail';
  const curl = `curl -H "Authorization: Bearer $TOKEN" ${api.base}/api/v1/cases`;
  return [
    'look around as the district supervisor (区矛调中心), who sees every case of the district:',
    `  TOKEN=$(${env}${cli} token --sub ${sub} --role ${role} --scope ${scope})`,
    ...(list.status === 200 ? [`  ${curl}`] : []),
    `  ${curl}/${caseId}`,
    `the API and its documentation: ${api.base}/docs`,
  ].join('\n');
}

async function runDemo(wait: boolean): Promise<void> {
  const config = parseConfig();
  const base = serviceUrl(config);
  await reachable(base);
  const secret = config.jwtSecret ? 'CASETRAIL_JWT_SECRET' : `the secret in ${config.dataDir}`;
  const api = new Api(base, await mintTokens(config), secret);
  console.log(`directory  ${await loadDirectory(api)}`);
  const stories: Array<[string, () => Promise<Played>]> = [
    ['story 1  factory relocation ', () => factoryRelocation(api)],
    ['story 2  no heating         ', () => noHeating(api)],
    ['story 3  neighbours         ', () => neighbours(api)],
    ['story 4  department absent  ', () => absentDepartment(api, wait)],
    ['story 5  not satisfied      ', () => notSatisfied(api)],
    ['new      a street-light idea', () => freshIntake(api)],
  ];
  const played: Played[] = [];
  for (const [label, play] of stories) {
    const story = await play();
    played.push(story);
    console.log(`${label}  ${story.caseId}  ${story.line}`);
  }
  console.log(`\n${await hint(api, played[0]?.caseId ?? '')}`);
}

/** `casetrail demo [--no-wait]`. */
export async function demo(argv: string[]): Promise<void> {
  let wait = true;
  try {
    const { values } = parseArgs({ args: argv, options: { 'no-wait': { type: 'boolean' } }, strict: true });
    wait = !values['no-wait'];
  } catch (error) {
    console.error(`casetrail demo: ${(error as Error).message}; usage: casetrail demo [--no-wait]`);
    process.exitCode = 2;
    return;
  }
  try {
    await runDemo(wait);
  } catch (error) {
    if (!(error instanceof DemoError)) throw error;
    console.error(`casetrail demo: ${error.message}`);
    process.exitCode = 1;
  }
}
