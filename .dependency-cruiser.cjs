/**
 * The layer rules of docs/ARCHITECTURE.md, checked by `npm test` (dependency-cruiser):
 * domain (pure) ← services → store / caldav / ical; http and jobs call services.
 */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'domain/ imports only domain/ and pure libraries (no I/O, no other layer)',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { pathNot: '^src/domain/|(^|/)node_modules/(luxon|@types/luxon)/' },
    },
    {
      name: 'caldav-and-ical-know-no-store-or-services',
      severity: 'error',
      from: { path: '^src/(caldav|ical)/' },
      to: { path: '^src/(store|services|http|jobs)/' },
    },
    {
      name: 'store-knows-no-services-http-jobs',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/(services|http|jobs)/' },
    },
    {
      name: 'services-know-no-http-or-jobs',
      severity: 'error',
      from: { path: '^src/services/' },
      to: { path: '^src/(http|jobs)/' },
    },
    {
      name: 'no-sql-in-http-or-jobs',
      comment: 'http/ and jobs/ call services; queries live in store/ (or in a use case)',
      severity: 'error',
      from: { path: '^src/(http|jobs)/' },
      // A type-only import of store/ (a port's interface) carries no SQL; Kysely itself, even as a type, means queries.
      // pg-errors.ts runs no query: it tells "the database is unreachable" from a fault of the request (503, quiet jobs).
      to: { path: '^src/store/', pathNot: '^src/store/pg-errors\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-kysely-in-http-or-jobs',
      severity: 'error',
      from: { path: '^src/(http|jobs)/' },
      to: { path: '(^|/)node_modules/(kysely|pg)/' },
    },
    {
      name: 'no-cycles',
      comment: 'no import cycles, type-only imports included',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
