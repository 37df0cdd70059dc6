// The Go template engine, against outputs recorded from the docker CLI 28
// (against dockerd 20.10) for the same templates and the same data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTemplate, goType, sprintf, TemplateError } from '../../src/cli/format/template.js';
import { formatInspect, formatList } from '../../src/cli/format/table.js';
import { tabwrite } from '../../src/cli/format/tabwriter.js';

/** Two ps rows as `docker ps -a --format '{{json .}}'` printed them. */
function psRow(names: string, labels: Record<string, string>) {
  return {
    [goType]: '*formatter.ContainerContext',
    Command: names === 'web' ? '"sleep 1000"' : `"sh -c 'echo hello w…"`,
    ID: names === 'web' ? '546cfee81315' : '4706c06801e0',
    Image: 'busybox',
    Names: names,
    Labels: Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    Label: (k: unknown) => labels[String(k)] ?? '',
  };
}
const rows = [psRow('c2', {}), psRow('web', { a: 'b', 'com.x': 'y' })];
const ps = (f: string) => formatList(f, rows);

/** The container document's parts the recorded templates touch (docker inspect web). */
const web = {
  Name: '/web',
  Created: '2026-12-01T22:59:30.611588184Z',
  State: {
    Status: 'created',
    Running: false,
    Paused: false,
    Restarting: false,
    OOMKilled: false,
    Dead: false,
    Pid: 0,
    ExitCode: 0,
    Error: '',
    StartedAt: '0001-01-01T00:00:00Z',
    FinishedAt: '0001-01-01T00:00:00Z',
  },
  Config: { Cmd: ['sleep', '1000'], Entrypoint: null, Labels: { a: 'b', 'com.x': 'y' } },
  HostConfig: { Dns: [], LogConfig: { Type: 'json-file', Config: {} }, Memory: 0, NanoCpus: 0, PortBindings: {} },
  NetworkSettings: { Ports: {} },
  Mounts: [],
};
const insp = (f: string) => formatInspect(f, [web]);

test('ps templates print as the docker CLI does', () => {
  assert.equal(ps('{{.Label "a"}}'), '\nb\n');
  assert.equal(ps('{{.Labels}}'), '\na=b,com.x=y\n');
  assert.equal(ps('table {{.Names}}\\t{{.Label "a"}}'), 'NAMES     a\nc2        \nweb       b\n');
  assert.equal(ps('{{range $i, $v := split .Names "e"}}{{$i}}={{$v}};{{end}}'), '0=c2;\n0=w;1=b;\n');
  assert.equal(ps('{{printf "%q %5d|%-6s|" .Names 3 "ab"}}'), '"c2"     3|ab    |\n"web"     3|ab    |\n');
  assert.equal(ps('{{if eq .Names "web"}}W{{else if eq .Names "c2"}}C{{else}}X{{end}}'), 'C\nW\n');
  assert.equal(ps('{{pad .Names 2 3}}|{{truncate .Names 2}}|{{title "hello wor"}}'), '  c2   |c2|Hello Wor\n  web   |we|Hello Wor\n');
  assert.equal(ps('{{.Names | printf "%s!" }}'), 'c2!\nweb!\n');
  assert.equal(ps('{{- .Names -}} x'), 'c2x\nwebx\n');
  assert.equal(ps('{{println .Names}}'), 'c2\n\nweb\n\n');
  assert.equal(ps('{{print 1 2 "a" "b" 3}}'), '1 2ab3\n1 2ab3\n');
  assert.equal(
    ps('table {{.ID}}\\t{{.Image}}\\t{{.Command}}\\t{{.Names}}'),
    [
      'CONTAINER ID   IMAGE     COMMAND                  NAMES',
      `4706c06801e0   busybox   "sh -c 'echo hello w…"   c2`,
      '546cfee81315   busybox   "sleep 1000"             web',
      '',
    ].join('\n'),
  );
});

test("ps template errors have docker's messages", () => {
  const err = (f: string, msg: string) =>
    assert.throws(
      () => ps(f),
      (e: TemplateError) => e instanceof TemplateError && e.message === msg && e.exitCode === 1,
    );
  err('{{.ID', 'failed to parse template: template: :1: unclosed action');
  err('{{.Foo}}', 'failed to execute template: template: :1:2: executing "" at <.Foo>: can\'t evaluate field Foo in type *formatter.ContainerContext');
  err('{{nil}}', 'failed to execute template: template: :1:2: executing "" at <nil>: nil is not a command');
  err('{{index .Foo 1}}', 'failed to execute template: template: :1:8: executing "" at <.Foo>: can\'t evaluate field Foo in type *formatter.ContainerContext');
  err('{{template "x"}}', 'failed to execute template: template: :1:11: executing "" at <{{template "x"}}>: template "x" not defined');
});

test('inspect templates print as the docker CLI does', () => {
  assert.equal(
    insp(
      '{{.Config.Entrypoint}} {{.Config.Labels}} {{.State}} {{.HostConfig.Dns}} {{.Config.Cmd}} {{.HostConfig.LogConfig}} {{.NetworkSettings.Ports}} {{.HostConfig.Memory}}',
    ),
    '<no value> map[a:b com.x:y] map[Dead:false Error: ExitCode:0 FinishedAt:0001-01-01T00:00:00Z OOMKilled:false Paused:false Pid:0 Restarting:false Running:false StartedAt:0001-01-01T00:00:00Z Status:created] [] [sleep 1000] map[Config:map[] Type:json-file] map[] 0\n',
  );
  assert.equal(
    insp('{{json .Config.Labels}} {{.Created}} {{.State.StartedAt}} {{.HostConfig.NanoCpus}} {{.Mounts}} {{.HostConfig.PortBindings}}'),
    '{"a":"b","com.x":"y"} 2026-12-01T22:59:30.611588184Z 0001-01-01T00:00:00Z 0 [] map[]\n',
  );
  assert.equal(insp('{{join .Config.Cmd ","}}'), 'sleep,1000\n');
  assert.equal(insp('{{.Name}}\\t{{upper .Name}}'), '/web\\t/WEB\n');
  assert.equal(insp('{{range $k, $v := .Config.Labels}}{{$k}}={{$v}} {{end}}'), 'a=b com.x=y \n');
  assert.equal(insp('{{eq .State.Pid 0}}'), 'true\n');
  assert.equal(insp('{{printf "%d|%v|%s" .State.Pid .State.Pid .State.Pid}}'), '0|0|%!s(int=0)\n');
  assert.equal(insp('{{index .Config.Labels "nope"}}|{{print .Config.Entrypoint}}|{{len .Config.Labels}}'), '<no value>|<nil>|2\n');
  assert.equal(
    insp('{{json .State}}'),
    '{"Status":"created","Running":false,"Paused":false,"Restarting":false,"OOMKilled":false,"Dead":false,"Pid":0,"ExitCode":0,"Error":"","StartedAt":"0001-01-01T00:00:00Z","FinishedAt":"0001-01-01T00:00:00Z"}\n',
  );
  assert.equal(
    insp('{{range .Config.Cmd}}[{{.}}]{{end}} {{with .Config.Labels}}{{.a}}{{end}} {{if .Config.Entrypoint}}E{{else}}noE{{end}}'),
    '[sleep][1000] b noE\n',
  );
  assert.equal(insp('{{printf "%q %x %5.2f %t %v %%" "a\\"b" 255 3.14159 true .Config.Cmd}}'), '"a\\"b" ff  3.14 true [sleep 1000] %\n');
  assert.equal(insp('{{printf "%d %s"}} {{printf "%s" 1 2}}'), '%!d(MISSING) %!s(MISSING) %!s(int=1)%!(EXTRA int=2)\n');
  assert.equal(formatInspect('{{.Name}}', [web, { ...web, Name: '/c2' }]), '/web\n/c2\n');
});

test("inspect template errors: docker's messages, 64 for a parse error and 1 for a failed run", () => {
  const err = (f: string, msg: string, code: number) =>
    assert.throws(
      () => insp(f),
      (e: TemplateError) => e instanceof TemplateError && e.message === msg && e.exitCode === code,
    );
  err('{{.Foo}}', 'template parsing error: template: :1:2: executing "" at <.Foo>: map has no entry for key "Foo"', 1);
  err('{{.Config.Foo}}', 'template parsing error: template: :1:9: executing "" at <.Config.Foo>: map has no entry for key "Foo"', 1);
  err('{{.ID', 'template parsing error: template: :1: unclosed action', 64);
  err(
    '{{lower .State.Pid}}',
    'template parsing error: template: :1:14: executing "" at <.State.Pid>: wrong type for value; expected string; got json.Number',
    1,
  );
  err('{{.State.Pid.X}}', 'template parsing error: template: :1:8: executing "" at <.State.Pid.X>: can\'t evaluate field X in type interface {}', 1);
  err('{{$x := 1}}{{$x}}{{$y}}', 'template parsing error: template: :1: undefined variable "$y"', 64);
  err('{{foo .Name}}', 'template parsing error: template: :1: function "foo" not defined', 64);
  err('{{end}}', 'template parsing error: template: :1: unexpected {{end}}', 64);
  err('{{if 1}}', 'template parsing error: template: :1: unexpected EOF', 64);
});

test('the rest of text/template: variables, with/else, range else, break, define, comments, and/or, comparisons', () => {
  const run = (src: string, data: unknown = {}) => parseTemplate(src).execute(data);
  assert.equal(run('{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}'), '2');
  assert.equal(run('{{with .A}}a{{else with .B}}{{.}}{{else}}none{{end}}', { B: 'b' }), 'b');
  assert.equal(run('{{range .L}}x{{else}}empty{{end}}', { L: [] }), 'empty');
  assert.equal(run('{{range $i, $v := .L}}{{if eq $v 3}}{{break}}{{end}}{{if eq $i 0}}{{continue}}{{end}}{{$v}}{{end}}', { L: [1, 2, 3, 4] }), '2');
  assert.equal(run('{{define "t"}}[{{.}}]{{end}}{{template "t" .A}}{{/* a comment */}}', { A: 'x' }), '[x]');
  assert.equal(run('{{and 1 0 2}} {{or 0 "" "z"}} {{not 0}} {{lt 1 2}} {{ge "b" "a"}} {{ne 1 2}} {{eq 1 2 1}}'), '0 z true true true true true');
  assert.equal(run('{{index .M "k" 1}} {{len "héllo"}} {{slice "abcd" 1 3}} {{(index .L 0).N}}', { M: { k: [5, 6] }, L: [{ N: 'n' }] }), '6 6 bc n');
  assert.equal(run('{{.A.B}}|{{$.A}}|{{index .M "x"}}', { A: null, M: {} }), '<no value>|<no value>|<no value>');
  assert.equal(run('{{json .}}', { a: '<&>', b: [1, null] }), '{"a":"<&>","b":[1,null]}');
  assert.equal(run('{{.}}', { m: { b: 1, a: [true, null] } }), 'map[m:map[a:[true <nil>] b:1]]');
  assert.equal(run('a  {{- 1 -}}  b\n{{- "c"}}'), 'a1bc');
  assert.equal(sprintf('%05d|%-4s|%x|%+d|%8.3f', [42, 'ab', 'hi', 3, 3.14159]), '00042|ab  |6869|+3|   3.142');
});

test('tables are Go tabwriter columns: minimum width 10, padding 3', () => {
  assert.equal(tabwrite('A\tLONGER NAME\tC\nxx\ty\tz\n'), 'A         LONGER NAME   C\nxx        y             z\n');
  assert.equal(formatList('table {{.Names}}', []), 'NAMES\n');
  assert.equal(formatList('', [], { table: 'table {{.Repository}}\t{{.ID}}', headers: { ID: 'IMAGE ID' } }), 'REPOSITORY   IMAGE ID\n');
  assert.equal(formatList('json', [{ a: 1 }]), '{"a":1}\n');
});

test('a template of text and plain fields prints as the interpreter does, strings or not', () => {
  const row = Object.defineProperty(
    {
      ID: 'abc',
      Names: 'web',
      Size: 3,
      get Lazy() {
        return 'l';
      },
    },
    goType,
    { value: '*formatter.ContainerContext', enumerable: false },
  );
  assert.equal(parseTemplate('{{.ID}}\t{{.Names}}-{{.Lazy}}').execute(row), 'abc\tweb-l');
  assert.equal(parseTemplate('{{.ID}} {{.Size}}').execute(row), 'abc 3', 'a number goes through the interpreter');
  assert.throws(() => parseTemplate('{{.ID}} {{.Nope}}').execute(row), TemplateError, 'a missing field of a struct is still an error');
  assert.equal(parseTemplate('{{.a}}/{{.b}}').execute({ a: 'x' }), 'x/<no value>', 'a missing map key prints <no value>');
});
