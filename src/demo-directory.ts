// The demo's world (`casetrail demo`): a district with two streets, their communities and grids, the
// departments a community can whistle, the people of the seed stories (the claims of their tokens) and
// the cases they bring (intake bodies). Places follow the seed articles (青八社区, 顺正河社区); people are fictional.
import type { Department, OrgUnit } from './commands/directory/directory.js';

export const DEMO_ORG_UNITS: readonly OrgUnit[] = [
  { id: 'kundulun', name: '昆都仑区', kind: 'district' },
  { id: 'aerding', name: '阿尔丁街道', kind: 'street', parentId: 'kundulun' },
  { id: 'shaoxianlu', name: '少先路街道', kind: 'street', parentId: 'kundulun' },
  { id: 'qingba', name: '青八社区', kind: 'community', parentId: 'aerding' },
  {
    id: 'qingba-grid-1',
    name: '青八社区第一网格',
    kind: 'grid',
    parentId: 'qingba',
    gridType: 'comprehensive',
  },
  {
    id: 'qingba-grid-2',
    name: '青八社区第二网格',
    kind: 'grid',
    parentId: 'qingba',
    gridType: 'comprehensive',
  },
  {
    id: 'qingba-school',
    name: '青八社区校园专属网格',
    kind: 'grid',
    parentId: 'qingba',
    gridType: 'dedicated',
  },
  { id: 'shunzhenghe', name: '顺正河社区', kind: 'community', parentId: 'shaoxianlu' },
  {
    id: 'shunzhenghe-grid-1',
    name: '顺正河社区第一网格',
    kind: 'grid',
    parentId: 'shunzhenghe',
    gridType: 'comprehensive',
  },
  {
    id: 'shunzhenghe-park',
    name: '顺正河工业园专属网格',
    kind: 'grid',
    parentId: 'shunzhenghe',
    gridType: 'dedicated',
  },
];

export const DEMO_DEPARTMENTS: readonly Department[] = [
  { id: 'police-aerding', name: '阿尔丁派出所', kind: 'police', orgUnitId: 'aerding' },
  { id: 'police-shaoxianlu', name: '少先路派出所', kind: 'police', orgUnitId: 'shaoxianlu' },
  { id: 'judicial-shaoxianlu', name: '少先路司法所', kind: 'judicial', orgUnitId: 'shaoxianlu' },
  {
    id: 'labour-arbitration-kundulun',
    name: '昆都仑区劳动人事争议仲裁院',
    kind: 'labourArbitration',
    orgUnitId: 'kundulun',
  },
  { id: 'court-kundulun', name: '昆都仑区人民法院', kind: 'court', orgUnitId: 'kundulun' },
  { id: 'legal-aid-kundulun', name: '昆都仑区法律援助中心', kind: 'legalAid', orgUnitId: 'kundulun' },
  { id: 'heating-baotou', name: '包头市热力公司', kind: 'utility' },
  { id: 'property-qingba', name: '青八小区物业服务中心', kind: 'propertyManagement', orgUnitId: 'qingba' },
];

/** The claims of a demo person's token (DESIGN.md §1). */
export interface DemoPerson {
  readonly sub: string;
  readonly name: string;
  readonly role: string;
  readonly scope: string;
  readonly dept?: string;
}

const liaison = (dept: string, sub: string, name: string): DemoPerson => ({
  sub,
  name,
  role: 'liaison',
  scope: 'kundulun',
  dept,
});

export const DEMO_PEOPLE = {
  admin: { sub: 'admin-demo', name: '系统管理员', role: 'admin', scope: 'kundulun' },
  parkGridWorker: { sub: 'grid-ma', name: '马网格员', role: 'gridWorker', scope: 'shunzhenghe-park' },
  shunzhengheChair: { sub: 'chair-cheng', name: '程书记', role: 'chair', scope: 'shunzhenghe' },
  shunzhengheMediator: { sub: 'mediator-he', name: '何调解员', role: 'mediator', scope: 'shunzhenghe' },
  workerRep: { sub: 'resident-zhang-wei', name: '张伟', role: 'resident', scope: 'shunzhenghe-park' },
  qingbaChair: { sub: 'chair-wang-meili', name: '王美丽', role: 'chair', scope: 'qingba' },
  qingbaMediator: { sub: 'mediator-liu', name: '刘调解员', role: 'mediator', scope: 'qingba' },
  partyMemberMediator: { sub: 'mediator-wu', name: '吴师傅', role: 'mediator', scope: 'qingba' },
  buildingHead: { sub: 'building-head-zhao', name: '赵楼栋长', role: 'gridWorker', scope: 'qingba-grid-1' },
  qingbaGridWorker: { sub: 'grid-sun', name: '孙网格员', role: 'gridWorker', scope: 'qingba-grid-2' },
  streetSupervisor: {
    sub: 'supervisor-aerding',
    name: '阿尔丁街道综治中心',
    role: 'supervisor',
    scope: 'aerding',
  },
  districtSupervisor: {
    sub: 'supervisor-kundulun',
    name: '区矛调中心',
    role: 'supervisor',
    scope: 'kundulun',
  },
  heatingResident: {
    sub: 'resident-zhang-yanhong',
    name: '张艳红',
    role: 'resident',
    scope: 'qingba-grid-1',
  },
  upstairs: { sub: 'resident-li-na', name: '李娜', role: 'resident', scope: 'qingba-grid-1' },
  downstairs: { sub: 'resident-chen-gang', name: '陈刚', role: 'resident', scope: 'qingba-grid-1' },
  liftResident: { sub: 'resident-zhou-min', name: '周敏', role: 'resident', scope: 'qingba' },
  leakResident: { sub: 'resident-sun-li', name: '孙丽', role: 'resident', scope: 'qingba-grid-2' },
  police: liaison('police-shaoxianlu', 'police-li', '李警官'),
  judicial: liaison('judicial-shaoxianlu', 'judicial-gao', '高所长'),
  labour: liaison('labour-arbitration-kundulun', 'arbitrator-xu', '徐仲裁员'),
  lawyer: liaison('legal-aid-kundulun', 'lawyer-tang', '唐律师'),
  court: liaison('court-kundulun', 'judge-han', '韩法官'),
  heating: liaison('heating-baotou', 'heating-dispatch-yang', '杨调度'),
  property: liaison('property-qingba', 'property-manager-qian', '钱经理'),
} satisfies Record<string, DemoPerson>;

export type DemoPersonKey = keyof typeof DEMO_PEOPLE;

const complainant = (name: string, who: DemoPersonKey, phone?: string) => ({
  role: 'complainant',
  kind: 'person',
  name,
  userId: DEMO_PEOPLE[who].sub,
  ...(phone ? { phone } : {}),
});
const respondent = (name: string, kind: 'person' | 'organization' = 'organization') => ({
  role: 'respondent',
  kind,
  name,
});

/** The intake bodies (POST /api/v1/cases) of the stories, as the people who register them fill them in. */
export const DEMO_CASES = {
  factory: {
    kind: 'dispute',
    category: 'labour',
    title: '万友通公司搬迁，80余名员工对辞退补偿不满',
    description: '公司决定迁至武汉，80余名员工对辞退补偿不满，在厂区聚集静坐示威，并扬言打砸滋事。',
    channel: 'gridPatrol',
    location: { orgUnitId: 'shunzhenghe-park', address: '顺正河工业园万友通公司厂区' },
    parties: [complainant('张伟', 'workerRep', '13812345678'), respondent('万友通公司')],
    urgency: 'emergency',
    peopleInvolved: 80,
    massIncidentRisk: true,
  },
  heating: {
    kind: 'help',
    category: 'heating',
    title: '九户居民停暖一周',
    description: '因分户供暖问题产生分歧，九户居民已经停暖一周，联系多部门一直未得到解决。',
    channel: 'phone',
    location: { orgUnitId: 'qingba-grid-1', address: '青八社区12号楼' },
    parties: [complainant('张艳红', 'heatingResident', '13900001111'), respondent('包头市热力公司')],
    urgency: 'urgent',
    peopleInvolved: 9,
  },
  neighbours: {
    kind: 'dispute',
    category: 'neighbour',
    title: '楼上楼下因漏水争吵',
    description: '3号楼两户居民因卫生间漏水发生争吵，楼栋长到场劝解。',
    channel: 'buildingHead',
    location: { orgUnitId: 'qingba-grid-1', address: '青八社区3号楼2单元' },
    parties: [
      complainant('陈刚', 'downstairs'),
      { ...respondent('李娜', 'person'), userId: DEMO_PEOPLE.upstairs.sub },
    ],
    urgency: 'normal',
  },
  lift: {
    kind: 'complaint',
    category: 'property',
    title: '电梯停运两周，物业不予维修',
    description: '居民反映小区5号楼电梯停运两周，多次联系物业无果，老人上下楼困难。',
    channel: 'walkIn',
    location: { orgUnitId: 'qingba', address: '青八小区5号楼' },
    parties: [complainant('周敏', 'liftResident'), respondent('青八小区物业服务中心')],
    urgency: 'normal',
  },
  leak: {
    kind: 'dispute',
    category: 'neighbour',
    title: '楼上漏水纠纷',
    description: '楼上住户装修后卫生间漏水，楼下天花板受损，双方协商未果。',
    channel: 'gridPatrol',
    location: { orgUnitId: 'qingba-grid-2', address: '青八小区7号楼1单元' },
    parties: [complainant('孙丽', 'leakResident', '13700002222'), respondent('吴强', 'person')],
    urgency: 'normal',
  },
  streetLight: {
    kind: 'suggestion',
    category: 'publicFacilities',
    title: '建议小区东门增设路灯',
    description: '小区东门至公交站一段路夜间没有照明，老人晚上出行不便，建议增设路灯。',
    channel: 'online',
    location: { orgUnitId: 'qingba-grid-2', address: '青八小区东门' },
    parties: [complainant('周敏', 'liftResident')],
    urgency: 'normal',
  },
} satisfies Record<string, Record<string, unknown>>;
