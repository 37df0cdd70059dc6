// Random container names in Docker's style ("eager_turing") when --name is not given.
import { InvalidArgument } from '../../errors.js';
import { lazyBuiltin } from '../../util/lazy.js';

// Only create makes names: wait, stop and rename (which import this) do not load node:crypto.
const nodeCrypto = lazyBuiltin<typeof import('node:crypto')>('node:crypto');

const ADJECTIVES = [
  'amazing',
  'bold',
  'brave',
  'calm',
  'clever',
  'cool',
  'dazzling',
  'eager',
  'elegant',
  'epic',
  'fervent',
  'focused',
  'gallant',
  'gifted',
  'happy',
  'hopeful',
  'jolly',
  'keen',
  'kind',
  'loving',
  'lucid',
  'modest',
  'nifty',
  'nostalgic',
  'peaceful',
  'quirky',
  'relaxed',
  'serene',
  'sharp',
  'stoic',
  'sweet',
  'tender',
  'trusting',
  'upbeat',
  'vibrant',
  'wizardly',
  'zen',
];
const PEOPLE = [
  'agnesi',
  'babbage',
  'bardeen',
  'bell',
  'bohr',
  'cerf',
  'curie',
  'darwin',
  'dijkstra',
  'euclid',
  'fermat',
  'feynman',
  'galileo',
  'gauss',
  'goldberg',
  'hamilton',
  'hopper',
  'hypatia',
  'johnson',
  'kepler',
  'knuth',
  'lamport',
  'lovelace',
  'mccarthy',
  'meitner',
  'noether',
  'pascal',
  'ritchie',
  'shannon',
  'thompson',
  'torvalds',
  'turing',
  'wozniak',
  'yonath',
];

export function randomName(): string {
  const { randomInt } = nodeCrypto();
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${PEOPLE[randomInt(PEOPLE.length)]}`;
}

const VALID = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function checkName(name: string): string {
  if (!VALID.test(name)) throw new InvalidArgument(`invalid container name '${name}': only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  if (/^[0-9a-f]{64}$/.test(name)) throw new InvalidArgument(`invalid container name '${name}': it looks like a container id`);
  return name.replace(/^\//, '');
}
