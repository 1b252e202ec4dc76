// Architecture rules, checked by `npm run check` (depcruise apps packages bench).
// Dependencies point one way: features -> access, identity -> fhir/search -> fhir/store -> platform.
// main.ts is the composition root and may import every module, so no rule names it.

const SRC = '^apps/server/src/';
const FEATURES = '(record|careplan|handover|mha|analytics|feeds)';
const TESTS = '\\.test\\.ts$'; // *.test.ts and *.pg.test.ts

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'platform-imports-no-module',
      severity: 'error',
      comment:
        'platform/ (config, db, http, log, clock, ids, events, jobs) is the bottom layer: it may import node ' +
        'builtins, npm packages and packages/*, never another module of the server.',
      from: { path: `${SRC}platform/` },
      to: { path: '^apps/', pathNot: `${SRC}platform/` },
    },
    {
      name: 'fhir-knows-no-users-or-features',
      severity: 'error',
      comment:
        'The FHIR engine (store, search, api, validate, definitions) knows nothing of users, identity, feeds ' +
        'or features: they are built on it, not the other way round.',
      from: { path: `${SRC}fhir/` },
      to: { path: `${SRC}(access|identity|feeds|record|careplan|handover|mha|analytics)/` },
    },
    {
      name: 'features-do-not-import-each-other',
      severity: 'error',
      comment: 'Feature modules meet through FHIR resources and platform/events, never by importing each other.',
      from: { path: `${SRC}${FEATURES}/` },
      to: { path: `${SRC}${FEATURES}/`, pathNot: `${SRC}$1/` },
    },
    {
      name: 'packages-do-not-import-apps',
      severity: 'error',
      comment: 'Internal packages are shared by every app (the web app too), so they never import an app.',
      from: { path: '^packages/' },
      to: { path: '^apps/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle means two files cannot be understood, tested or moved apart.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-dev-dependencies-in-production',
      severity: 'error',
      comment:
        'Production code runs after `npm ci --omit=dev`: only tests (*.test.ts, *.pg.test.ts), bench/ and e2e/ ' +
        'may import devDependencies. Type-only imports (e.g. @types/*) are erased and so allowed.',
      from: { path: '^(apps|packages)/', pathNot: [TESTS, '(^|/)(bench|e2e)/'] },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-undeclared-dependencies',
      severity: 'error',
      comment:
        'Every npm package imported must be declared in the package.json of its workspace or the root; one ' +
        'that is only there because npm hoisted another workspace’s dependency breaks on the next install.',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-undeclared-type-dependencies',
      severity: 'warn',
      comment:
        'Undeclared packages, type-only imports included (runtime imports are errors above). A type-only import ' +
        'is erased at run time but breaks type checking when hoisting changes: declare the package, or import ' +
        'its types through the package that owns them (e.g. @joinedup/fhir re-exports @medplum/fhirtypes).',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve to a file or package fails at run time.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(data|\\.bench|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // With npm workspaces a package's dependencies are in its own package.json and the devDependencies at the
    // root: read both.
    combinedDependencies: true,
    enhancedResolveOptions: {
      extensions: ['.ts', '.js'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'node', 'default'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
