// GET /containers/{id}/attach/ws driven by a real WebSocket client, Debian's
// python3-websocket (websocket-client) over the server's unix socket. As
// dockerd: never multiplexed, binary messages from API 1.28 and text before,
// stdin from the client's messages, the server closes when the container ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { TestEnv, missingPrereq, eventually } from '../helpers/env.js';
import { httpRaw, servedStore } from './server.js';

const PY = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'python3'] });
const env = new TestEnv();
const api = servedStore(env, skip);

// Connects, prints "open", sends argv[3] as one text message when told to on
// stdin, then prints each message received as JSON [opcode, text] until the close.
const CLIENT = `
import json, socket, sys, websocket
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
ws = websocket.create_connection('ws://localhost' + sys.argv[2], socket=s)
print('open', flush=True)
sys.stdin.readline()
ws.send(sys.argv[3])
while True:
    try:
        op, data = ws.recv_data()
    except websocket.WebSocketConnectionClosedException:
        break
    if op == websocket.ABNF.OPCODE_CLOSE:
        break
    print(json.dumps([op, data.decode()]), flush=True)
print('closed', flush=True)
`;

/** Run the client against path; `ready` is called once it is connected, and it gets `input` after that. */
async function wsClient(path: string, input: string, ready: () => Promise<void>): Promise<{ messages: Array<[number, string]>; out: string }> {
  const p = spawn(PY, ['-c', CLIENT, api.s!.sock, path, input], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<number | null>((r) => p.on('exit', r));
  const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
  try {
    await eventually(async () => out.startsWith('open\n') || p.exitCode !== null, 'the websocket client to connect');
    assert.equal(p.exitCode, null, `client: ${err}`);
    await ready();
    p.stdin.end('go\n');
    assert.equal(await done, 0, `client: ${err}`);
  } finally {
    clearTimeout(timer);
    if (p.exitCode === null) p.kill('SIGKILL');
  }
  const lines = out.split('\n').filter(Boolean);
  assert.equal(lines.at(-1), 'closed');
  return { messages: lines.slice(1, -1).map((l) => JSON.parse(l) as [number, string]), out };
}

async function create(name: string): Promise<string> {
  const body = JSON.stringify({
    Image: 'busybox',
    Cmd: ['sh', '-c', 'read l; echo got:$l; echo oops >&2'],
    OpenStdin: true,
    StdinOnce: true,
    AttachStdin: true,
  });
  const r = await httpRaw(api.s!.sock, 'POST', `/containers/create?name=${name}`, body);
  assert.equal(r.status, 201, r.body);
  return (JSON.parse(r.body) as { Id: string }).Id;
}

test('attach/ws before start (API 1.51): stdin in, stdout and stderr out as binary messages, closed at exit', { skip }, async () => {
  const id = await create('ws1');
  const { messages } = await wsClient(`/v1.51/containers/${id}/attach/ws?stream=1&stdin=1&stdout=1&stderr=1`, 'hello\n', async () => {
    assert.equal((await httpRaw(api.s!.sock, 'POST', `/containers/${id}/start`)).status, 204);
  });
  assert.ok(messages.length > 0);
  assert.ok(
    messages.every(([op]) => op === 2),
    `binary frames: ${JSON.stringify(messages)}`,
  );
  const text = messages.map(([, d]) => d).join('');
  // Not multiplexed: the plain bytes, no stdcopy headers.
  assert.ok(text.includes('got:hello\n') && text.includes('oops\n'), JSON.stringify(text));
  assert.equal(text.length, 'got:hello\noops\n'.length);
  const w = await httpRaw(api.s!.sock, 'POST', `/containers/${id}/wait`);
  assert.equal(JSON.parse(w.body).StatusCode, 0);
  await httpRaw(api.s!.sock, 'DELETE', `/containers/${id}`);
});

test('attach/ws to a running container with API 1.27: text messages, all three streams', { skip }, async () => {
  const id = await create('ws2');
  assert.equal((await httpRaw(api.s!.sock, 'POST', `/containers/${id}/start`)).status, 204);
  const { messages } = await wsClient(`/v1.27/containers/${id}/attach/ws?stream=1`, 'there\n', async () => {});
  assert.ok(
    messages.every(([op]) => op === 1),
    `text frames: ${JSON.stringify(messages)}`,
  );
  const text = messages.map(([, d]) => d).join('');
  assert.ok(text.includes('got:there\n') && text.includes('oops\n'), JSON.stringify(text));
  await httpRaw(api.s!.sock, 'DELETE', `/containers/${id}?force=1`);
});

test('attach/ws: a missing container is 404, a plain GET without the handshake 400', { skip }, async () => {
  assert.equal((await httpRaw(api.s!.sock, 'GET', '/containers/nope/attach/ws?stream=1')).status, 404);
  const id = await create('ws3');
  assert.equal((await httpRaw(api.s!.sock, 'GET', `/containers/${id}/attach/ws?stream=1`)).status, 400);
  await httpRaw(api.s!.sock, 'DELETE', `/containers/${id}`);
  assert.equal((await httpRaw(api.s!.sock, 'GET', '/_ping')).body, 'OK');
});
