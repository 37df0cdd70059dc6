// A hand-made TCP SYN, sent from inside a container's network namespace the
// way any container with CAP_NET_RAW (a default capability) can: an Ethernet
// frame on its eth0, built byte by byte, addressed to a MAC and an IPv4
// address of the test's choosing. It then listens on eth0 for a while and
// reports every TCP segment that comes back to its source port.
//
// python3 runs on the host under `nsenter -t PID -n`: the host's files, the
// container's network. Tests use it only towards loopback addresses and the
// containers they made.
import { spawn } from 'node:child_process';

const SCRIPT = String.raw`
import json, random, socket, struct, sys, time
ifname, src_ip, dst_mac, dst_ip, dport, wait = sys.argv[1:7]
dport, wait = int(dport), float(wait)

def csum(b):
    if len(b) % 2:
        b += b'\0'
    t = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return ~t & 0xffff

s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind((ifname, 0x0800))
src_mac = s.getsockname()[4]
src, dst = socket.inet_aton(src_ip), socket.inet_aton(dst_ip)
sport = random.randint(20000, 60000)
tcp = struct.pack('!HHIIBBHHH', sport, dport, random.getrandbits(32), 0, 5 << 4, 0x02, 64240, 0, 0)
tcp = tcp[:16] + struct.pack('!H', csum(src + dst + struct.pack('!BBH', 0, 6, len(tcp)) + tcp)) + tcp[18:]
ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), random.getrandbits(16), 0x4000, 64, 6, 0, src, dst)
ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
frame = bytes.fromhex(dst_mac.replace(':', '')) + src_mac + struct.pack('!H', 0x0800) + ip + tcp

answers, sent, next_send = [], 0, 0.0
deadline = time.time() + wait
s.settimeout(0.1)
while time.time() < deadline:
    if sent < 2 and time.time() >= next_send:
        s.send(frame)
        sent, next_send = sent + 1, time.time() + 1.0
    try:
        data, addr = s.recvfrom(65535)
    except socket.timeout:
        continue
    if addr[2] == socket.PACKET_OUTGOING or len(data) < 34 or data[23] != 6:
        continue
    t = data[14 + (data[14] & 15) * 4:]
    if len(t) < 14:
        continue
    sp, dp = struct.unpack('!HH', t[:4])
    if dp == sport:
        answers.append({'from': '%s:%d' % (socket.inet_ntoa(data[26:30]), sp), 'flags': t[13]})
print(json.dumps({'sport': sport, 'sent': sent, 'answers': answers}))
`;

export interface SynAnswer {
  /** Source address:port of the segment that came back. */
  from: string;
  /** TCP flags byte: 0x12 is SYN-ACK, 0x14 RST-ACK. */
  flags: number;
}

export const SYN_ACK = 0x12;

/**
 * In the network namespace of process `pid`, send a SYN from srcIp to
 * dstIp:dport in a frame for dstMac (twice, a second apart), and collect
 * what answers within waitSec seconds.
 */
export function rawSyn(
  pid: number,
  o: { ifname?: string; srcIp: string; dstMac: string; dstIp: string; dport: number; waitSec?: number },
): Promise<{ sent: number; answers: SynAnswer[] }> {
  const args = [
    '-t',
    String(pid),
    '-n',
    '--',
    'python3',
    '-c',
    SCRIPT,
    o.ifname ?? 'eth0',
    o.srcIp,
    o.dstMac,
    o.dstIp,
    String(o.dport),
    String(o.waitSec ?? 2.5),
  ];
  return new Promise((resolve, reject) => {
    // nsenter -t PID -n -- python3 -c SCRIPT eth0 SRC MAC DST PORT WAIT
    const child = spawn('nsenter', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (err += b));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`raw SYN sender exited ${code}: ${err}`));
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`raw SYN sender printed no result: ${out} ${err}`));
      }
    });
  });
}
