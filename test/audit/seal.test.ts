// The seal's arithmetic (RFC 6962 Merkle tree hash over sorted stream heads, bound to the position and
// counts) and its copy in the log, chunked so that any number of streams fits.
import { createHash } from 'node:crypto';
import t from 'tap';
import { diffLeaves, merkleTreeHash, type SealLeaf, sealBody } from '../../src/audit/merkle.js';
import { readSeals, SEAL_STREAM, type Seal, storeSeal } from '../../src/audit/seal-store.js';
import { readStreamToArray } from '../../src/events/event-store.js';
import { ChainVerifier } from '../../src/events/hash-chain.js';
import { actors } from '../support/case-fixtures.js';
import { harness } from '../support/handler-fixtures.js';
import { rowAt, setData } from './tamper.js';

const h64 = (n: number) => n.toString(16).padStart(64, '0');
const leaf = (stream: string, revision: number, n = revision): SealLeaf => [stream, revision, h64(n)];
const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
/** The RFC 6962 leaf and node hashes, spelt out independently of the code under test. */
const L = (l: SealLeaf) => sha(Buffer.from([0]), Buffer.from(JSON.stringify(l)));
const N = (a: Buffer, b: Buffer) => sha(Buffer.from([1]), a, b);

t.test('the Merkle tree hash is RFC 6962’s', async (t) => {
  const [a, b, c, d, e] = ['case-a', 'case-b', 'case-c', 'case-d', 'case-e'].map((s, i) => leaf(s, i));
  t.equal(merkleTreeHash([]), createHash('sha256').digest('hex'), 'the empty tree hashes nothing');
  t.equal(merkleTreeHash([a!]), L(a!).toString('hex'));
  t.equal(merkleTreeHash([a!, b!]), N(L(a!), L(b!)).toString('hex'));
  t.equal(
    merkleTreeHash([a!, b!, c!]),
    N(N(L(a!), L(b!)), L(c!)).toString('hex'),
    'split at the largest power of two',
  );
  const five = N(N(N(L(a!), L(b!)), N(L(c!), L(d!))), L(e!));
  t.equal(merkleTreeHash([a!, b!, c!, d!, e!]), five.toString('hex'));
});

t.test('the root binds the heads to the position and the counts, whatever order they come in', async (t) => {
  const leaves = [leaf('case-b', 3), leaf('case-a', 0), leaf('orgunit-x', 1)];
  const body = sealBody(40, leaves);
  t.match(body, { position: 40, streams: 3, events: 4 + 1 + 2 });
  t.equal(sealBody(40, [...leaves].reverse()).root, body.root, 'sorted by stream before hashing');
  t.not(sealBody(41, leaves).root, body.root, 'another position is another root');
  t.not(sealBody(40, [leaf('case-b', 3, 99), leaves[1]!, leaves[2]!]).root, body.root, 'another head hash');
  t.not(sealBody(40, leaves.slice(1)).root, body.root, 'a stream fewer');
  t.not(body.merkleRoot, body.root, 'the root is not the bare tree');
});

t.test('differences between sealed and found heads are named per stream', async (t) => {
  const sealed = [leaf('case-a', 3), leaf('case-b', 2), leaf('case-c', 5), leaf('case-d', 1)];
  const found = [
    leaf('case-a', 3),
    leaf('case-b', 2, 77),
    leaf('case-c', 4),
    leaf('case-e', 0),
    leaf('case-d', 2),
  ];
  t.same(
    diffLeaves(sealed, found).map((d) => [d.stream, d.problem]),
    [
      ['case-b', 'head_changed'],
      ['case-c', 'events_missing'],
      ['case-d', 'events_added'],
      ['case-e', 'stream_added'],
    ],
  );
  t.same(
    diffLeaves(sealed, found.slice(0, 2)).map((d) => [d.stream, d.problem]),
    [
      ['case-b', 'head_changed'],
      ['case-c', 'stream_missing'],
      ['case-d', 'stream_missing'],
    ],
  );
  t.same(diffLeaves(sealed, [...sealed].reverse()), [], 'the same heads in another order are no difference');
});

t.test('a seal of many streams is kept in the log in chunks, chained, and read back whole', async (t) => {
  const h = await harness(t);
  const leaves = Array.from({ length: 4500 }, (_, i) => leaf(`case-${String(i).padStart(5, '0')}`, i % 7, i));
  const body = sealBody(123, leaves);
  const seal: Seal = {
    sealId: 'seal-1',
    version: 1,
    ...body,
    takenAt: '2026-03-02T01:00:00.000Z',
    takenBy: { id: actors.auditor.id, role: 'auditor' },
  };
  await storeSeal(h.store, seal, leaves, { actor: actors.auditor, occurredAt: seal.takenAt });
  const stored = await readStreamToArray(h.store, SEAL_STREAM);
  t.same(
    stored.map((e) => e.type),
    ['SealTaken', 'SealLeavesRecorded', 'SealLeavesRecorded', 'SealLeavesRecorded'],
  );
  const verifier = new ChainVerifier();
  t.same(
    stored.map((e) => verifier.check(e)),
    [undefined, undefined, undefined, undefined],
    'the seal stream is chained like every other',
  );
  t.match(stored[0]?.metadata, { actor: { id: actors.auditor.id, role: 'auditor' } });
  const [read] = await readSeals(h.store);
  t.same(read?.seal, seal);
  t.same(read?.leaves, leaves, 'every chunk, in order');

  const chunk = rowAt(h.file, SEAL_STREAM, 2);
  setData(h.file, chunk.position, chunk.data.replace('case-02000', 'case-0200X'));
  const [altered] = await readSeals(h.store);
  t.same(altered?.seal, seal, 'the seal itself is still listed');
  t.equal(altered?.leaves, undefined, 'leaves that no longer hash to its root are not offered');
});
