import t from 'tap';
import { ChainVerifier, canonicalJson, eventHash, GENESIS_HASH } from '../../src/events/hash-chain.js';

t.test('canonical JSON follows RFC 8785', async (t) => {
  t.equal(
    canonicalJson({ b: 1, a: [true, null, 'x'] }),
    '{"a":[true,null,"x"],"b":1}',
    'keys sorted, no white space',
  );
  // RFC 8785 §3.2.3: keys sort by UTF-16 code units, so "\u20ac" (€) sorts after "\ud83d\ude00" (😀)? No: 0x20ac < 0xd83d.
  t.equal(canonicalJson({ '😀': 1, '€': 2, a: 3, A: 4 }), '{"A":4,"a":3,"€":2,"😀":1}');
  t.equal(canonicalJson({ '\r': 1, 1: 2 }), '{"\\r":1,"1":2}');
  t.equal(
    canonicalJson([1e21, 1e-7, -0, 0.1 + 0.2, 100, 5e-324]),
    '[1e+21,1e-7,0,0.30000000000000004,100,5e-324]',
  );
  t.equal(canonicalJson('调解\u0007"\\\u2028'), '"调解\\u0007\\"\\\\\u2028"', 'ECMAScript string escaping');
  t.equal(canonicalJson({ skip: undefined, keep: 1 }), '{"keep":1}');
  t.throws(() => canonicalJson({ n: Number.NaN }), TypeError);
  t.throws(() => canonicalJson({ n: Number.POSITIVE_INFINITY }), TypeError);
  t.equal(canonicalJson({ z: { y: 1, x: 2 } }), '{"z":{"x":2,"y":1}}', 'nested objects are sorted too');
});

function chain(count: number) {
  const events = [];
  let prevHash = GENESIS_HASH;
  for (let revision = 0; revision < count; revision += 1) {
    const body = {
      stream: 'case-1',
      revision,
      type: 'NoteAdded',
      data: { text: `第${revision}条` },
      metadata: { prevHash },
    };
    const hash = eventHash(body);
    events.push({ ...body, metadata: { prevHash, hash } });
    prevHash = hash;
  }
  return events;
}

t.test('the hash covers stream, revision, type, data and metadata, but not the hash itself', async (t) => {
  const [event] = chain(1);
  const hash = eventHash(event!);
  t.equal(eventHash({ ...event!, metadata: { ...event!.metadata, hash: 'anything' } }), hash);
  t.not(eventHash({ ...event!, stream: 'case-2' }), hash);
  t.not(eventHash({ ...event!, revision: 1 }), hash);
  t.not(eventHash({ ...event!, type: 'CaseResolved' }), hash);
  t.not(eventHash({ ...event!, data: { text: '第1条' } }), hash);
  t.not(eventHash({ ...event!, metadata: { ...event!.metadata, actor: 'x' } }), hash);
  t.equal(eventHash({ ...event!, data: { text: '第0条' } }), hash, 'the same content hashes the same');
});

t.test('the verifier names the first event that no longer matches', async (t) => {
  const verify = (events: ReturnType<typeof chain>) => {
    const verifier = new ChainVerifier();
    for (const event of events) {
      const broken = verifier.check(event);
      if (broken) return broken;
    }
    return undefined;
  };
  const intact = chain(5);
  t.equal(verify(intact), undefined);
  const altered = chain(5);
  altered[2] = { ...altered[2]!, data: { text: 'changed' } };
  t.match(verify(altered), { revision: 2, problem: 'hash_mismatch' });
  const deleted = chain(5);
  deleted.splice(3, 1);
  t.match(verify(deleted), { revision: 4, problem: 'revision_gap' });
  const swapped = chain(5);
  const renumbered = [swapped[0]!, { ...swapped[2]!, revision: 1 }, { ...swapped[1]!, revision: 2 }];
  t.match(verify(renumbered), { revision: 1, problem: 'prev_hash_mismatch' });
});
