// Self time by function and by file from V8 .cpuprofile files (`node --cpu-prof`): the top
// entries, as percentages of all samples. `node bench/dist/profile-summary.js <files…> [--top N]`.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
}

/**
 * Samples per key, where `key` names a node's function or file. Samples are counted, not their time
 * deltas: on a busy machine a sample taken after the process was descheduled carries the whole gap.
 */
function selfSamples(profile: CpuProfile, key: (node: ProfileNode) => string, into: Map<string, number>): number {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  for (const id of profile.samples) {
    const node = byId.get(id);
    if (node) into.set(key(node), (into.get(key(node)) ?? 0) + 1);
  }
  return profile.samples.length;
}

function shortUrl(url: string): string {
  const at = url.search(/node_modules\/|packages\/runtime\/dist\//);
  return at >= 0 ? url.slice(at) : url.replace(/^file:\/\//, '');
}

function print(title: string, times: Map<string, number>, total: number, top: number): void {
  console.log(`\n${title}`);
  const rows = [...times].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [name, n] of rows) console.log(`${((100 * n) / total).toFixed(1).padStart(5)} %  ${name}`);
}

const { values, positionals } = parseArgs({ options: { top: { type: 'string' } }, allowPositionals: true });
const top = Number(values.top ?? 30);
const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
let total = 0;
for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const fn = (n: ProfileNode) =>
    `${n.callFrame.functionName || '(anonymous)'} ${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  total += selfSamples(profile, fn, byFunction);
  selfSamples(profile, (n) => shortUrl(n.callFrame.url) || `(${n.callFrame.functionName})`, byFile);
}
console.log(`${total} samples`);
print('Self time by function', byFunction, total, top);
print('Self time by file', byFile, total, top);
