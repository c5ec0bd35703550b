import t from 'tap';
import { DirectoryRepository } from '../../src/commands/directory/directory-repository.js';
import { DirectoryCommandHandler } from '../../src/commands/handle-directory-command.js';
import { readStreamToArray } from '../../src/events/event-store.js';
import { actors } from '../support/case-fixtures.js';
import { harness } from '../support/handler-fixtures.js';

t.test('org units form the district → street → community → grid tree', async (t) => {
  const h = await harness(t);
  const directory = new DirectoryCommandHandler(h.store, new DirectoryRepository(h.store), h.clock.read);
  const create = (unit: Parameters<typeof directory.handle>[0] extends infer C ? C : never) =>
    directory.handle(unit, actors.admin).catch((e) => e);
  t.match(
    await create({
      type: 'CreateOrgUnit',
      unit: { id: 'grid-9', name: '第九网格', kind: 'grid', parentId: 'community-river' },
    }),
    {
      revision: 0,
    },
  );
  const [created] = await readStreamToArray(h.store, 'orgunit-grid-9');
  t.same(created?.data, {
    id: 'grid-9',
    name: '第九网格',
    kind: 'grid',
    parentId: 'community-river',
    gridType: 'comprehensive',
  });
  t.match(
    await create({
      type: 'CreateOrgUnit',
      unit: { id: 'grid-x', name: 'x', kind: 'grid', parentId: 'street-east' },
    }),
    {
      code: 'invalid_parent',
    },
  );
  t.match(
    await create({
      type: 'CreateOrgUnit',
      unit: { id: 'street-x', name: 'x', kind: 'street', parentId: 'nowhere' },
    }),
    {
      code: 'unknown_org_unit',
    },
  );
  t.match(
    await create({
      type: 'CreateOrgUnit',
      unit: { id: 'district-2', name: 'x', kind: 'district', parentId: 'district-1' },
    }),
    {
      code: 'invalid_parent',
    },
  );
  t.match(
    await create({
      type: 'CreateOrgUnit',
      unit: { id: 'grid-1', name: 'again', kind: 'grid', parentId: 'community-sunrise' },
    }),
    {
      code: 'org_unit_exists',
    },
  );
  t.match(
    await create({
      type: 'CreateOrgUnit',
      unit: {
        id: 'community-x',
        name: 'x',
        kind: 'community',
        parentId: 'street-east',
        gridType: 'dedicated',
      },
    }),
    {
      code: 'validation_failed',
    },
  );
  t.match(await create({ type: 'CreateOrgUnit', unit: { id: 'Bad Id', name: 'x', kind: 'district' } }), {
    code: 'validation_failed',
  });
  t.same(await readStreamToArray(h.store, 'orgunit-grid-x'), [], 'a refused command writes nothing');
});

t.test('departments, renames, admin only, and idempotent retries', async (t) => {
  const h = await harness(t);
  const directory = new DirectoryCommandHandler(h.store, new DirectoryRepository(h.store), h.clock.read);
  const legalAid = {
    id: 'legal-aid',
    name: '法律援助中心',
    kind: 'legalAid',
    orgUnitId: 'district-1',
  } as const;
  const first = await directory.handle(
    { type: 'CreateDepartment', department: legalAid },
    actors.admin,
    'cmd-d1',
  );
  const again = await directory.handle(
    { type: 'CreateDepartment', department: legalAid },
    actors.admin,
    'cmd-d1',
  );
  t.same([again.revision, again.position, again.replayed], [first.revision, first.position, true]);
  await t.rejects(directory.handle({ type: 'CreateDepartment', department: legalAid }, actors.admin), {
    code: 'department_exists',
  });
  await t.rejects(
    directory.handle(
      { type: 'CreateDepartment', department: { ...legalAid, id: 'x', orgUnitId: 'nowhere' } },
      actors.admin,
    ),
    { code: 'unknown_org_unit' },
  );
  await t.rejects(
    directory.handle({ type: 'CreateDepartment', department: { ...legalAid, id: 'y' } }, actors.chair),
    {
      status: 403,
      code: 'forbidden',
    },
  );
  await directory.handle({ type: 'RenameDepartment', id: 'legal-aid', name: '区法律援助中心' }, actors.admin);
  const entry = await new DirectoryRepository(h.store).entry('department-legal-aid');
  t.match(entry, {
    revision: 1,
    entry: { status: 'department', department: { name: '区法律援助中心', kind: 'legalAid' } },
  });
  await t.rejects(directory.handle({ type: 'RenameOrgUnit', id: 'nowhere', name: 'x' }, actors.admin), {
    code: 'unknown_org_unit',
  });
});
