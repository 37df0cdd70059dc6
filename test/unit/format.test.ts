import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTemplate } from '../../src/cli/format/table.js';
import { humanDuration, humanSize, ago } from '../../src/util/human.js';
import { commandColumn, table } from '../../src/cli/output.js';
import { InvalidArgument } from '../../src/errors.js';

test('templates read fields, json, join', () => {
  const d = { State: { Pid: 42, Status: 'running' }, Config: { Cmd: ['sh', '-c', 'x'] }, Name: '/web' };
  assert.equal(renderTemplate('{{.State.Pid}} {{.Name}}', d), '42 /web');
  assert.equal(renderTemplate('{{json .Config.Cmd}}', d), '["sh","-c","x"]');
  assert.equal(renderTemplate('{{join .Config.Cmd ","}}\\t{{upper .State.Status}}', d), 'sh,-c,x\tRUNNING');
  assert.equal(renderTemplate('{{.Missing.Field}}', d), '<no value>');
  assert.throws(() => renderTemplate('{{range .X}}', d), InvalidArgument);
});

test('human units follow Docker', () => {
  assert.equal(humanDuration(500), 'Less than a second');
  assert.equal(humanDuration(2000), '2 seconds');
  assert.equal(humanDuration(65_000), 'About a minute');
  assert.equal(humanDuration(3 * 3600_000), '3 hours');
  assert.equal(humanSize(1_980_000), '1.98MB');
  assert.equal(humanSize(999), '999B');
  assert.equal(ago(new Date(Date.now() - 120_000).toISOString()), '2 minutes ago');
  // As docker ps (recorded): an argument with a space is single-quoted, then the line is cut to 20.
  assert.equal(commandColumn(['sh', '-c', 'echo hello world this is long']), `"sh -c 'echo hello w…"`);
  // Go's tabwriter as the docker CLI sets it up: columns at least 10 wide.
  assert.equal(table(['A', 'LONGER'], [['xx', 'y']]), 'A         LONGER\nxx        y\n');
});
