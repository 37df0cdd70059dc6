// system df's templates, tables and -v forms, and info's text and templates,
// as Docker prints them. Expected values come from the real Docker (docker.io
// 20.10 daemon, docker CLI 28) run side by side on 2026-12-02; what Docker
// printed is quoted beside each check.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TestEnv, missingPrereq } from '../helpers/env.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'setpriv'] });
const env = new TestEnv();
before(async () => {
  if (skip) return;
  await env.ok(['init']);
  await env.ok(['volume', 'create', 'dfvol']);
  await env.ok(['run', '-d', '--name', 'dfc', '--network', 'none', '-v', 'dfvol:/d', 'busybox', 'sh', '-c', 'echo hi > /d/x; sleep 1000']);
});
after(() => env.cleanup());

test('system df --format: Go templates over the CLI rows, json with its keys and string values', { skip }, async () => {
  // docker system df --format '{{json .}}':
  // {"Active":"1","Reclaimable":"1.982MB (49%)","Size":"3.967MB","TotalCount":"2","Type":"Images"}
  const rows = (await env.ok(['system', 'df', '--format', '{{json .}}']))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(Object.keys(rows[0]), ['Active', 'Reclaimable', 'Size', 'TotalCount', 'Type']);
  assert.deepEqual(
    rows.slice(0, 4).map((r) => r.Type),
    ['Images', 'Containers', 'Local Volumes', 'Build Cache'],
  );
  for (const r of rows) for (const v of Object.values(r)) assert.equal(typeof v, 'string');
  assert.equal(rows[2].TotalCount, '1');
  assert.equal(rows[2].Active, '1');
  // docker system df --format 'table {{.Type}}\t{{.Size}}': "TYPE            SIZE"
  const t = (await env.ok(['system', 'df', '--format', 'table {{.Type}}\t{{.TotalCount}}'])).split('\n');
  assert.equal(t[0], 'TYPE            TOTAL');
  assert.equal(t[3], 'Local Volumes   1');
  assert.equal((await env.ok(['system', 'df', '--format', '{{.Type}}={{.Active}}'])).split('\n')[2], 'Local Volumes=1');
});

test('system df -v: the tables and --format document Docker prints', { skip }, async () => {
  const out = await env.ok(['system', 'df', '-v']);
  // docker system df -v, its headers:
  assert.match(out, /^REPOSITORY {3}TAG {7}IMAGE ID {7}CREATED +SIZE {6}SHARED SIZE {3}UNIQUE SIZE {3}CONTAINERS$/m);
  assert.match(out, /^CONTAINER ID {3}IMAGE {5}COMMAND +LOCAL VOLUMES {3}SIZE {6}CREATED +STATUS +NAMES$/m);
  assert.match(out, /^[0-9a-f]{12} {3}busybox {3}"sh -c 'echo hi > \/d…" {3}1 {15}0B +.* ago {3}Up .* {3}dfc$/m);
  assert.match(out, /^VOLUME NAME {3}LINKS {5}SIZE\ndfvol {9}1 {9}3B$/m);
  assert.match(out, /^Build cache usage: 0B\n\nCACHE ID {3}CACHE TYPE {3}SIZE {6}CREATED {3}LAST USED {3}USAGE {5}SHARED$/m);
  // docker system df -v --format '{{json .}}': {"Images":[...],"Containers":[...],"Volumes":[...],"BuildCache":[]}
  const doc = JSON.parse(await env.ok(['system', 'df', '-v', '--format', 'json'])) as Record<string, Array<Record<string, unknown>>>;
  assert.deepEqual(Object.keys(doc), ['Images', 'Containers', 'Volumes', 'BuildCache']);
  // {"Availability":"N/A","Driver":"local","Group":"N/A","Labels":"","Links":"1","Mountpoint":".../volumes/v1/_data","Name":"v1","Scope":"local","Size":"3B","Status":"N/A"}
  const v = doc.Volumes.find((x) => x.Name === 'dfvol')!;
  assert.deepEqual(Object.keys(v), ['Availability', 'Driver', 'Group', 'Labels', 'Links', 'Mountpoint', 'Name', 'Scope', 'Size', 'Status']);
  assert.equal(v.Links, '1');
  assert.equal(v.Size, '3B');
  // Containers: "Command":"\"sh -c 'echo hi \u003e /d/x; sleep 1000'\"", full ID, "Platform":null, "Size":"0B", keys sorted
  const c = doc.Containers.find((x) => x.Names === 'dfc')!;
  assert.equal(c.Command, `"sh -c 'echo hi > /d/x; sleep 1000'"`);
  assert.match(String(c.ID), /^[0-9a-f]{64}$/);
  assert.equal(c.Platform, null);
  assert.equal(c.LocalVolumes, '1');
  assert.deepEqual(Object.keys(c), [...Object.keys(c)].sort());
  assert.match(String(doc.Images[0].ID), /^sha256:[0-9a-f]{64}$/);
  assert.equal((await env.ok(['system', 'df', '-v', '--format', '{{len .Volumes}}'])).trim(), '1');
  // docker system df -v --format 'table {{.Type}}' (exit 1):
  // template: :1:2: executing "" at <.Type>: can't evaluate field Type in type *formatter.diskUsageContext
  const bad = await env.dl(['system', 'df', '-v', '--format', 'table {{.Type}}']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /can't evaluate field Type in type \*formatter\.diskUsageContext/);
});

test("info: docker info's lines that apply to one host, and --format", { skip }, async () => {
  const lines = (await env.ok(['info'])).split('\n');
  const at = (l: string) => {
    const i = lines.indexOf(l);
    assert.ok(i >= 0, `no line ${JSON.stringify(l)} in:\n${lines.join('\n')}`);
    return i;
  };
  // docker info: " Storage Driver: btrfs" then its driver's status lines, e.g. "  Build Version: Btrfs v6.2"
  assert.match(lines[at(' Storage Driver: btrfs') + 1], /^ {2}Build Version: Btrfs v\d/);
  // " Swarm: inactive" between Plugins and Runtimes
  assert.ok(at(' Swarm: inactive') > at(' Plugins:') && at(' Swarm: inactive') < lines.findIndex((l) => l.startsWith(' Runtimes: ')));
  // " Security Options:\n  seccomp\n   Profile: default"
  const sec = at(' Security Options:');
  assert.ok(
    lines
      .slice(sec + 1)
      .join('\n')
      .includes('  seccomp\n   Profile: default'),
  );
  // " ID: COQX:PFZD:Z4TT:5LGL:EGTP:KQPH:WOL4:KGXA:OPWC:M5PS:YAUP:7K4F" after Name
  const id = lines[at(' Name: ' + lines.find((l) => l.startsWith(' Name: '))!.slice(7)) + 1];
  assert.match(id, /^ ID: ([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
  assert.ok(lines.some((l) => /^ Init Binary: \S+$/.test(l)));
  // docker info --format '{{.Swarm.LocalNodeState}} {{len .ID}}': "inactive 59"
  assert.equal((await env.ok(['info', '--format', '{{.Swarm.LocalNodeState}} {{len .ID}}'])).trim(), 'inactive 59');
  assert.equal(await env.ok(['info', '--format', '{{range .SecurityOptions}}{{.}} {{end}}']).then((s) => s.includes('name=seccomp,profile=default')), true);
  assert.equal((await env.ok(['info', '--format', '{{.ID}}'])).trim(), id.slice(' ID: '.length), 'the same ID each time');
});
