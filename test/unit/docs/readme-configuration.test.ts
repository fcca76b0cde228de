import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configVariables } from '../../../src/config.ts';

/** The variables named in the first column of README's configuration table (`PORT` / `HOST` names two). */
function readmeVariables(): string[] {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.split('## Configuration')[1]?.split('\n## ')[0] ?? '';
  const rows = section.split('\n').filter((line) => line.startsWith('| `'));
  return rows.flatMap((row) => [...(row.split('|')[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((match) => match[1] ?? ''));
}

describe("README's configuration table", () => {
  it('names every environment variable src/config.ts reads, and no other', () => {
    expect(readmeVariables().sort()).toEqual([...configVariables].sort());
  });
});
