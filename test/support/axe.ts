import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/**
 * axe-core run in the page (its source evaluated over the DevTools protocol, which the app's
 * Content-Security-Policy does not apply to). axe-core itself, not @axe-core/playwright: the
 * latter's current line requires Node 22 and this project supports Node 20.
 */
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Serious and critical violations on the page as it is now, one line each ("rule: help (targets)"). */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  // Strings, not functions: the test project compiles without the DOM library.
  if (!(await page.evaluate<boolean>("typeof window.axe === 'object'"))) await page.evaluate(axeSource);
  const violations = await page.evaluate<AxeViolation[]>(
    "window.axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) })))",
  );
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .filter((v) => !isFullCalendarGridStructure(v))
    .map((v) => `${v.id}: ${v.help} (${v.targets.join(', ')})`);
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * The one violation not ours: FullCalendar 6 renders its week grid as a `table role="grid"` whose
 * row groups hold layout rows marked `presentation` (the real rows are in nested tables). Only that
 * rule on exactly those two elements is let through; anything else in the calendar still fails.
 */
function isFullCalendarGridStructure(v: AxeViolation): boolean {
  return v.id === 'aria-required-children' && v.targets.every((t) => t === '.fc-scrollgrid' || t === 'tbody[role="rowgroup"]');
}
