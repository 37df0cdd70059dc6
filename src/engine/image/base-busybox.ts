// The busybox image made at init from the host's busybox-static, so a new
// user can run something at once with no registry. Its layer is generated
// as a tar with fixed times, so the same busybox binary gives the same image
// id on every host.
import { DEFAULT_PATH } from '../container/spec/command.js';
import { readFile, stat } from 'node:fs/promises';
import type { Store } from '../../store/store.js';
import type { ImageRecord } from '../../store/types.js';
import { writeTar, emptyHeader, type WriteEntry } from '../../oci/tar.js';
import { importTarball } from './importer.js';
import { appletNames, BUSYBOX } from '../../sys/busybox.js';
import { Unavailable } from '../../errors.js';

const PASSWD = `root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
`;
const GROUP = `root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
wheel:x:10:root
mail:x:12:
www-data:x:33:
operator:x:37:
staff:x:50:
users:x:100:
nogroup:x:65534:
`;

export async function busyboxEntries(): Promise<WriteEntry[]> {
  let bin: Buffer;
  try {
    bin = await readFile(BUSYBOX);
  } catch {
    throw new Unavailable(`${BUSYBOX} is missing: install busybox-static (./install.sh does)`);
  }
  const mtime = Math.floor((await stat(BUSYBOX)).mtimeMs / 1000);
  const dir = (name: string, mode = 0o755) => ({ header: emptyHeader(name, 'dir', { mode, mtime }) });
  const file = (name: string, body: string | Buffer, mode = 0o644): WriteEntry => {
    const b = typeof body === 'string' ? Buffer.from(body) : body;
    return { header: emptyHeader(name, 'file', { mode, mtime, size: b.length }), body: b };
  };
  const entries: WriteEntry[] = [
    dir('bin'),
    dir('dev'),
    dir('etc'),
    dir('home'),
    dir('proc', 0o555),
    dir('root', 0o700),
    dir('sys', 0o555),
    dir('tmp', 0o1777),
    dir('usr'),
    dir('usr/sbin'),
    dir('var'),
    dir('var/spool'),
    dir('var/spool/mail'),
    dir('var/www'),
    file('bin/busybox', bin, 0o755),
    file('etc/passwd', PASSWD),
    file('etc/group', GROUP),
    file('etc/shadow', 'root:*:10933:0:99999:7:::\n', 0o640),
    file('etc/nsswitch.conf', 'hosts: files dns\nnetworks: files\n'),
  ];
  // Every applet is a hard link to /bin/busybox, as in Docker's busybox image.
  for (const a of await appletNames()) {
    if (a === 'busybox') continue;
    entries.push({ header: emptyHeader(`bin/${a}`, 'link', { linkname: 'bin/busybox', mode: 0o755, mtime }) });
  }
  return entries;
}

export async function makeBusyboxImage(store: Store): Promise<ImageRecord> {
  const entries = await busyboxEntries();
  const created = new Date(entries[0].header.mtime * 1000).toISOString();
  return importTarball(store, writeTar(entries), {
    ref: 'busybox:latest',
    created,
    config: { Env: [`PATH=${DEFAULT_PATH}`], Cmd: ['sh'] }, // Docker Hub's busybox has this PATH
    comment: `busybox from the host's ${BUSYBOX}`,
    createdBy: 'dockerlite init',
  });
}
