// The Peers section of bench/RESULTS.md is rewritten by `npm run bench:peers` and carried over
// unchanged by `npm run bench`, which regenerates everything else in the file.
import { describe, expect, it } from 'vitest';

import { peersSection, SECTION_END, SECTION_START, spliceSection } from './report.js';

describe('the Peers section of RESULTS.md', () => {
  it('is appended once, then replaced in place, leaving the rest of the file as it was', () => {
    const first = spliceSection('# Results\n\nbody\n', '## Peers (1)');
    expect(first).toBe(`# Results\n\nbody\n\n${SECTION_START}\n\n## Peers (1)\n\n${SECTION_END}\n`);
    const second = spliceSection(`${first}\n## After\n`, '## Peers (2)');
    expect(second).toContain('## Peers (2)');
    expect(second).not.toContain('## Peers (1)');
    expect(second.startsWith('# Results\n\nbody\n\n')).toBe(true);
    expect(second.endsWith('\n## After\n')).toBe(true);
  });

  it('is found with its markers, or is empty when the file has none', () => {
    const text = spliceSection('# Results\n', '## Peers (1)\n\ntable');
    expect(peersSection(text)).toBe(`${SECTION_START}\n\n## Peers (1)\n\ntable\n\n${SECTION_END}`);
    expect(peersSection('# Results\n')).toBe('');
  });
});
