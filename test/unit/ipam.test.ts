// network/ipam.ts: address claims are directories under networks/<id>/ips/.
// Runs on a plain temp directory as the store root: no BTRFS, no mounts, no
// init; the only store state ipam reads is whether containers/<cid> exists.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../src/store/store.js';
import { allocations, claim, holder, release } from '../../src/network/ipam.js';
import { ipsDir, type NetworkRecord } from '../../src/network/model.js';
import { Conflict, InvalidArgument } from '../../src/errors.js';
import { randomId } from '../../src/store/ids.js';

function setup(t: TestContext, subnet = '10.9.9.0/29', gateway = '10.9.9.1') {
  const root = mkdtempSync(join(tmpdir(), 'dl-ipam-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const store = new Store({ root, loopFile: join(root, '..', 'unused.img'), loopSizeMB: 1, bridge: 'dl0', subnet, pool: '10.200.0.0/16', debug: false });
  const net: NetworkRecord = {
    Id: randomId(),
    Name: 'testnet',
    Created: new Date(0).toISOString(),
    Driver: 'bridge',
    Subnet: subnet,
    Gateway: gateway,
    Bridge: 'dl0',
    Internal: false,
    Labels: {},
    OwnBridge: true,
  };
  /** A container that exists in the store (its claims are not collected). */
  const container = () => {
    const cid = randomId();
    mkdirSync(store.paths.container(cid), { recursive: true });
    return cid;
  };
  return { store, net, container };
}

test('the first free address skips the network, the gateway and the broadcast', async (t) => {
  const { store, net, container } = setup(t);
  const got: string[] = [];
  for (let i = 0; i < 5; i++) got.push(await claim(store, net, container()));
  assert.deepEqual(got, ['10.9.9.2', '10.9.9.3', '10.9.9.4', '10.9.9.5', '10.9.9.6']);
  // A gateway that is not the first host is skipped where it is.
  const s2 = setup(t, '10.8.0.0/29', '10.8.0.3');
  const got2: string[] = [];
  for (let i = 0; i < 5; i++) got2.push(await claim(s2.store, s2.net, s2.container()));
  assert.deepEqual(got2, ['10.8.0.1', '10.8.0.2', '10.8.0.4', '10.8.0.5', '10.8.0.6']);
});

test('a claim is recorded on disk, and allocations/holder report it', async (t) => {
  const { store, net, container } = setup(t);
  const a = container();
  const b = container();
  const ipA = await claim(store, net, a);
  const ipB = await claim(store, net, b);
  assert.equal(readFileSync(join(ipsDir(store, net.Id), ipA, 'cid'), 'utf8').trim(), a);
  assert.deepEqual(await allocations(store, net), [
    { ip: ipA, cid: a },
    { ip: ipB, cid: b },
  ]);
  assert.equal(await holder(store, net, ipB), b);
  assert.equal(await holder(store, net, '10.9.9.6'), undefined);
});

test('concurrent claims never hand out one address twice, and leave no scratch behind', async (t) => {
  const { store, net, container } = setup(t, '10.7.0.0/26', '10.7.0.1'); // 61 hosts
  const cids = Array.from({ length: 40 }, container);
  const ips = await Promise.all(cids.map((cid) => claim(store, net, cid)));
  assert.equal(new Set(ips).size, 40, 'every container got its own address');
  const allocs = await allocations(store, net);
  assert.equal(allocs.length, 40);
  for (const [i, cid] of cids.entries()) assert.equal(await holder(store, net, ips[i]), cid);
  assert.ok(!ips.includes('10.7.0.1') && !ips.includes('10.7.0.0') && !ips.includes('10.7.0.63'));
  assert.deepEqual(
    readdirSync(ipsDir(store, net.Id)).filter((n) => n.startsWith('.')),
    [],
    'no scratch directories left',
  );
});

test('concurrent claims of one wanted address: exactly one container wins, the rest get Conflict', async (t) => {
  const { store, net, container } = setup(t);
  const cids = Array.from({ length: 8 }, container);
  const results = await Promise.allSettled(cids.map((cid) => claim(store, net, cid, '10.9.9.4')));
  const won = results.filter((r) => r.status === 'fulfilled');
  assert.equal(won.length, 1);
  assert.equal(won[0].value, '10.9.9.4');
  for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof Conflict, String(r.reason));
  const winner = cids[results.findIndex((r) => r.status === 'fulfilled')];
  assert.equal(await holder(store, net, '10.9.9.4'), winner);
});

test('a wanted address: granted, idempotent for its holder, Conflict for another, refused outside the range', async (t) => {
  const { store, net, container } = setup(t);
  const a = container();
  const b = container();
  assert.equal(await claim(store, net, a, '10.9.9.5'), '10.9.9.5');
  assert.equal(await claim(store, net, a, '10.9.9.5'), '10.9.9.5', 'claiming again is fine');
  await assert.rejects(
    claim(store, net, b, '10.9.9.5'),
    (e: unknown) => e instanceof Conflict && /10\.9\.9\.5 is already in use in network testnet/.test(e.message),
  );
  await assert.rejects(claim(store, net, b, '10.9.9.1'), InvalidArgument, 'the gateway');
  await assert.rejects(claim(store, net, b, '10.9.9.7'), InvalidArgument, 'the broadcast');
  await assert.rejects(claim(store, net, b, '10.9.10.2'), InvalidArgument, 'outside the subnet');
  // The next free address skips the wanted one that is held.
  assert.equal(await claim(store, net, b), '10.9.9.2');
});

test('release makes the address free again, and only its holder can release it', async (t) => {
  const { store, net, container } = setup(t);
  const a = container();
  const b = container();
  const ipA = await claim(store, net, a);
  const ipB = await claim(store, net, b);
  await release(store, net, b, ipA); // not b's: nothing happens
  assert.equal(await holder(store, net, ipA), a);
  await release(store, net, a, ipA);
  assert.equal(await holder(store, net, ipA), undefined);
  assert.ok(!existsSync(join(ipsDir(store, net.Id), ipA)));
  const c = container();
  assert.equal(await claim(store, net, c), ipA, 'the lowest free address is the released one');
  // Without an ip, every address the container holds is released.
  await claim(store, net, b, '10.9.9.6');
  await release(store, net, b);
  assert.deepEqual(
    (await allocations(store, net)).map((x) => x.cid),
    [c],
  );
  assert.equal(await holder(store, net, ipB), undefined);
  await release(store, net, b); // releasing nothing is not an error
});

test('exhaustion is a Conflict that names the network and its size', async (t) => {
  const { store, net, container } = setup(t);
  for (let i = 0; i < 5; i++) await claim(store, net, container());
  await assert.rejects(claim(store, net, container()), (e: unknown) => {
    assert.ok(e instanceof Conflict);
    assert.match(e.message, /no free address left in network testnet \(10\.9\.9\.0\/29\): all 5 are held/);
    return true;
  });
});

test('a full network reclaims addresses held by containers that no longer exist', async (t) => {
  const { store, net, container } = setup(t);
  const cids = Array.from({ length: 5 }, container);
  const ips = [];
  for (const cid of cids) ips.push(await claim(store, net, cid));
  rmSync(store.paths.container(cids[2]), { recursive: true }); // removed by a crashed dockerlite
  const late = container();
  assert.equal(await claim(store, net, late), ips[2]);
  assert.equal(await holder(store, net, ips[2]), late);
  // A wanted address held by a gone container is taken over too.
  rmSync(store.paths.container(cids[0]), { recursive: true });
  const wants = container();
  assert.equal(await claim(store, net, wants, ips[0]), ips[0]);
});
