// iptables(8). Rules are passed as argument arrays; -w waits for the
// xtables lock instead of failing when another program holds it.
import { run } from './exec.js';

export type Table = 'filter' | 'nat' | 'raw';

/** iptables -w -t TABLE ARGS... */
async function ipt(table: Table, args: string[], allowFail = false) {
  return run('iptables', ['-w', '-t', table, ...args], { allowFail });
}

/** iptables -t TABLE -C CHAIN RULE...: is this exact rule there? */
export async function has(table: Table, chain: string, rule: string[]): Promise<boolean> {
  return (await ipt(table, ['-C', chain, ...rule], true)).status === 0;
}

/** iptables -t TABLE -A CHAIN RULE... */
export async function append(table: Table, chain: string, rule: string[]): Promise<void> {
  await ipt(table, ['-A', chain, ...rule]);
}

/** iptables -t TABLE -I CHAIN [POS] RULE... */
export async function insert(table: Table, chain: string, rule: string[], pos = 1): Promise<void> {
  await ipt(table, ['-I', chain, String(pos), ...rule]);
}

/** iptables -t TABLE -D CHAIN RULE...; false if there was no such rule. */
export async function remove(table: Table, chain: string, rule: string[]): Promise<boolean> {
  return (await ipt(table, ['-D', chain, ...rule], true)).status === 0;
}

/** iptables -t TABLE -S CHAIN succeeds: the chain exists. */
export async function chainExists(table: Table, chain: string): Promise<boolean> {
  return (await ipt(table, ['-S', chain], true)).status === 0;
}

/** iptables -t TABLE -N CHAIN, unless it exists. */
export async function ensureChain(table: Table, chain: string): Promise<void> {
  if (await chainExists(table, chain)) return;
  const r = await ipt(table, ['-N', chain], true);
  // Another process may have made it in between: only its absence is an error.
  if (r.status !== 0 && !(await chainExists(table, chain))) await ipt(table, ['-N', chain]);
}

/** iptables -t TABLE -F CHAIN; iptables -t TABLE -X CHAIN (a chain of ours, which nothing jumps to any more). */
export async function dropChain(table: Table, chain: string): Promise<void> {
  if (!(await chainExists(table, chain))) return;
  await ipt(table, ['-F', chain], true);
  await ipt(table, ['-X', chain], true);
}

/**
 * iptables -t TABLE -S [CHAIN]: the rules as argument arrays, without the
 * leading "-A CHAIN", each with its chain. Chains that do not exist give [].
 */
export async function rules(table: Table, chain?: string): Promise<Array<{ chain: string; rule: string[] }>> {
  const r = await ipt(table, ['-S', ...(chain ? [chain] : [])], true);
  if (r.status !== 0) return [];
  const out: Array<{ chain: string; rule: string[] }> = [];
  for (const line of r.stdout.split('\n')) {
    const words = splitWords(line);
    if (words[0] === '-A' && words.length >= 2) out.push({ chain: words[1], rule: words.slice(2) });
  }
  return out;
}

/** Split an iptables -S line into words: double quotes group, backslash escapes inside them. */
export function splitWords(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '\\' && i + 1 < line.length) cur += line[++i];
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') {
      quoted = true;
      inWord = true;
    } else if (ch === ' ' || ch === '\t') {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}
