// inspect documents, --format, tables and the exact diff, against what the
// docker CLI 28 and dockerd 20.10 printed for the same commands (recorded here).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestEnv, missingPrereq } from '../helpers/env.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'mkfs.btrfs'] });
const env = new TestEnv();
const bind = mkdtempSync(join(tmpdir(), 'dlfmt-bind-'));
before(async () => {
  if (skip) return;
  await env.ok(['init']);
});
after(async () => {
  await env.cleanup();
  rmSync(bind, { recursive: true, force: true });
});

// dockerd 20.10.24: `docker inspect` of `docker create --name full -v vol1:/data -v BIND:/b:ro -e A=1 busybox sh`.
const CONTAINER_KEYS = [
  'Id',
  'Created',
  'Path',
  'Args',
  'State',
  'Image',
  'ResolvConfPath',
  'HostnamePath',
  'HostsPath',
  'LogPath',
  'Name',
  'RestartCount',
  'Driver',
  'Platform',
  'MountLabel',
  'ProcessLabel',
  'AppArmorProfile',
  'ExecIDs',
  'HostConfig',
  'GraphDriver',
  'Mounts',
  'Config',
  'NetworkSettings',
];
const HOSTCONFIG_KEYS = [
  'Binds',
  'ContainerIDFile',
  'LogConfig',
  'NetworkMode',
  'PortBindings',
  'RestartPolicy',
  'AutoRemove',
  'VolumeDriver',
  'VolumesFrom',
  'CapAdd',
  'CapDrop',
  'CgroupnsMode',
  'Dns',
  'DnsOptions',
  'DnsSearch',
  'ExtraHosts',
  'GroupAdd',
  'IpcMode',
  'Cgroup',
  'Links',
  'OomScoreAdj',
  'PidMode',
  'Privileged',
  'PublishAllPorts',
  'ReadonlyRootfs',
  'SecurityOpt',
  'UTSMode',
  'UsernsMode',
  'ShmSize',
  'Runtime',
  'ConsoleSize',
  'Isolation',
  'CpuShares',
  'Memory',
  'NanoCpus',
  'CgroupParent',
  'BlkioWeight',
  'BlkioWeightDevice',
  'BlkioDeviceReadBps',
  'BlkioDeviceWriteBps',
  'BlkioDeviceReadIOps',
  'BlkioDeviceWriteIOps',
  'CpuPeriod',
  'CpuQuota',
  'CpuRealtimePeriod',
  'CpuRealtimeRuntime',
  'CpusetCpus',
  'CpusetMems',
  'Devices',
  'DeviceCgroupRules',
  'DeviceRequests',
  'KernelMemory',
  'KernelMemoryTCP',
  'MemoryReservation',
  'MemorySwap',
  'MemorySwappiness',
  'OomKillDisable',
  'PidsLimit',
  'Ulimits',
  'CpuCount',
  'CpuPercent',
  'IOMaximumIOps',
  'IOMaximumBandwidth',
  'MaskedPaths',
  'ReadonlyPaths',
];
const CONFIG_KEYS = [
  'Hostname',
  'Domainname',
  'User',
  'AttachStdin',
  'AttachStdout',
  'AttachStderr',
  'Tty',
  'OpenStdin',
  'StdinOnce',
  'Env',
  'Cmd',
  'Image',
  'Volumes',
  'WorkingDir',
  'Entrypoint',
  'OnBuild',
  'Labels',
];
// dockerd 20.10.24: `docker image inspect busybox` of an imported busybox.
const IMAGE_KEYS = [
  'Id',
  'RepoTags',
  'RepoDigests',
  'Parent',
  'Comment',
  'Created',
  'Container',
  'ContainerConfig',
  'DockerVersion',
  'Author',
  'Config',
  'Architecture',
  'Os',
  'Size',
  'VirtualSize',
  'GraphDriver',
  'RootFS',
  'Metadata',
];

test('container inspect has dockerd 20.10 keys, zero values, Mounts and nanosecond times', { skip }, async () => {
  await env.ok(['create', '--name', 'full', '-v', 'vol1:/data', '-v', `${bind}:/b:ro`, '-e', 'A=1', 'busybox', 'sh']);
  const [doc] = JSON.parse(await env.ok(['inspect', 'full'])) as Record<string, Record<string, unknown>>[];
  assert.deepEqual(Object.keys(doc), CONTAINER_KEYS);
  assert.deepEqual(Object.keys(doc.HostConfig), HOSTCONFIG_KEYS);
  assert.deepEqual(Object.keys(doc.Config), CONFIG_KEYS);
  // Docker's zero values, as recorded.
  const h = doc.HostConfig;
  assert.deepEqual(
    [h.RestartPolicy, h.LogConfig, h.Memory, h.NanoCpus, h.PidsLimit, h.CapAdd, h.Dns, h.ExtraHosts, h.ShmSize, h.Ulimits],
    [{ Name: 'no', MaximumRetryCount: 0 }, { Type: 'json-file', Config: {} }, 0, 0, null, null, [], null, 67108864, []],
  );
  assert.deepEqual(doc.Mounts, [
    { Type: 'volume', Name: 'vol1', Source: join(env.root, 'volumes', 'vol1'), Destination: '/data', Driver: 'local', Mode: 'z', RW: true, Propagation: '' },
    { Type: 'bind', Source: bind, Destination: '/b', Mode: 'ro', RW: false, Propagation: 'rprivate' },
  ]);
  assert.equal(doc.ExecIDs, null);
  assert.match(doc.Created as unknown as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  assert.equal(doc.State.StartedAt, '0001-01-01T00:00:00Z');
  const [sized] = JSON.parse(await env.ok(['inspect', '-s', 'full'])) as Record<string, unknown>[];
  assert.equal(sized.SizeRw, 0);
  assert.ok(Number(sized.SizeRootFs) > 0);
  // docker CLI 28 on the same container:
  assert.equal(
    await env.ok([
      'inspect',
      '-f',
      '{{.Config.Entrypoint}} {{.HostConfig.Dns}} {{.Config.Cmd}} {{.HostConfig.LogConfig}} {{.HostConfig.PortBindings}}',
      'full',
    ]),
    '<no value> [] [sh] map[Config:map[] Type:json-file] map[]',
  );
  const bad = await env.dl(['inspect', '-f', '{{.Foo}}', 'full']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /template parsing error: template: :1:2: executing "" at <\.Foo>: map has no entry for key "Foo"/);
  assert.equal((await env.dl(['inspect', '-f', '{{.ID', 'full'])).status, 64);
});

test('image inspect has dockerd 20.10 keys and every Config key', { skip }, async () => {
  const [doc] = JSON.parse(await env.ok(['image', 'inspect', 'busybox'])) as Record<string, Record<string, unknown>>[];
  assert.deepEqual(Object.keys(doc), IMAGE_KEYS);
  assert.deepEqual(Object.keys(doc.Config), CONFIG_KEYS);
  assert.match(
    await env.ok(['image', 'inspect', '-f', '{{.Config.Labels}}|{{.Container}}|{{.Metadata.LastTagTime}}', 'busybox']),
    /^<no value>\|\|0001-01-01T00:00:00Z$/,
  );
});

test('ps, images, network ls and volume ls tables and templates print as docker', { skip }, async () => {
  await env.ok(['create', '--name', 'c2', '-l', 'a=b', 'busybox', 'sh', '-c', 'echo hello world this is long']);
  const ps = await env.ok(['ps', '-a', '--filter', 'name=c2']);
  // docker ps: tabwriter columns (at least 10 wide, 3 spaces), the quoted, cut COMMAND.
  assert.match(ps.split('\n')[0], /^CONTAINER ID {3}IMAGE {5}COMMAND {18}CREATED\s+STATUS {4}PORTS {5}NAMES$/);
  assert.match(ps.split('\n')[1], /^[0-9a-f]{12} {3}busybox {3}"sh -c 'echo hello w…" {3}.+ ago\s+Created {13}c2$/);
  assert.equal(await env.ok(['ps', '-a', '--filter', 'name=c2', '--format', '{{.Label "a"}}|{{.Names}}|{{.State}}']), 'b|c2|created');
  assert.equal(await env.ok(['ps', '-a', '--filter', 'name=c2', '--format', 'table {{.Names}}\\t{{.Label "a"}}']), 'NAMES     a\nc2        b');
  const bad = await env.dl(['ps', '-a', '--format', '{{.Foo}}']);
  assert.equal(bad.status, 1);
  assert.match(
    bad.stderr,
    /failed to execute template: template: :1:2: executing "" at <\.Foo>: can't evaluate field Foo in type \*formatter\.ContainerContext/,
  );
  // images: --format was silently ignored before.
  assert.equal(await env.ok(['images', '--format', '{{.Repository}}:{{.Tag}}', 'busybox']), 'busybox:latest');
  assert.match((await env.ok(['images', 'busybox'])).split('\n')[0], /^REPOSITORY {3}TAG {7}IMAGE ID {7}CREATED\s+SIZE$/);
  // network ls took only json before.
  assert.match(await env.ok(['network', 'ls', '--format', '{{.Name}} {{.Driver}}']), /^bridge bridge\nhost host\nnone null$/);
  assert.equal((await env.ok(['network', 'ls'])).split('\n')[0], 'NETWORK ID     NAME      DRIVER    SCOPE');
  assert.equal(await env.ok(['volume', 'ls', '--format', 'table {{.Name}}', '--filter', 'name=nothing-here']), 'VOLUME NAME');
});

test('diff shows a chmod of /etc (a directory holding dockerlite mount points)', { skip }, async () => {
  await env.ok(['run', '--name', 'chm', 'busybox', 'chmod', '700', '/etc']);
  assert.equal(await env.ok(['diff', 'chm']), 'C /etc');
});

test('info and version take --format, with Docker key names', { skip }, async () => {
  assert.match(await env.ok(['info', '--format', '{{.Driver}} {{.OSType}} {{json .Plugins.Volume}} {{.Containers}}']), /^btrfs linux \["local"\] \d+$/);
  assert.match(await env.ok(['system', 'info']), /^ Storage Driver: btrfs$/m);
  assert.match(await env.ok(['version', '--format', '{{.Server.Version}} {{.Client.ApiVersion}}']), /^\d+\.\d+\.\d+\S* 1\.\d+$/);
  const bad = await env.dl(['info', '--format', '{{.Nope}}']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /map has no entry for key "Nope"/);
});
