// The layers of src/, written in docs/architecture.md, enforced here (npm run lint:layers, part
// of npm test). Each folder is one layer; a layer may import its own folder and the layers
// below it, never one above. Siblings on one tier do not import each other.
//
// A deliberate violation fails the run: test/architecture.test.ts plants one in a scratch tree
// and checks that this configuration reports it.

/** Bottom to top. */
const TIERS = [
  ['model'],
  ['auth', 'limits', 'lifecycle'],
  ['config'],
  ['execution'],
  ['store'],
  ['jobs'],
  ['edge'],
  ['transports'],
  ['http'],
];

/** The composition at the top: it builds the parts and may import any layer. */
const COMPOSITION = '^src/(server\\.ts|backend\\.ts|index\\.ts|cli/)';

const folder = (name) => `^src/${name}/`;
const anyOf = (names) => `^src/(${names.join('|')})/`;

const layerRules = TIERS.flatMap((tier, index) => {
  const above = TIERS.slice(index + 1).flat();
  return tier.flatMap((name) => {
    const siblings = tier.filter((other) => other !== name);
    const rules = [];
    rules.push({
      name: `${name}-imports-upward`,
      comment: `src/${name}/ may import only the layers below it (docs/architecture.md).`,
      severity: 'error',
      from: { path: folder(name) },
      to: { path: [...above.map(folder), COMPOSITION, anyOf(['client', 'demos'])] },
    });
    if (siblings.length > 0) {
      rules.push({
        name: `${name}-imports-sibling`,
        comment: `src/${name}/ and ${siblings.map((s) => `src/${s}/`).join(', ')} sit on one tier.`,
        severity: 'error',
        from: { path: folder(name) },
        to: { path: anyOf(siblings) },
      });
    }
    return rules;
  });
});

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      comment:
        'Modules that import each other in a circle cannot be read (or loaded) one at a time.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'engine-is-the-only-door',
      comment:
        'Above jobs/, everything reaches jobs, events and topics through the engine ' +
        '(docs/architecture.md); only the composition (server.ts, backend.ts) builds the store.',
      severity: 'error',
      from: { path: anyOf(['edge', 'transports', 'http', 'client', 'cli']) },
      to: { path: folder('store') },
    },
    {
      name: 'client-imports-server',
      comment:
        'The SDK runs in browsers: it may import only the shared vocabulary (src/model/) and itself.',
      severity: 'error',
      from: { path: '^src/client/' },
      to: { path: '^src/', pathNot: '^src/(client|model)/' },
    },
    {
      name: 'dashboard-imports-server',
      comment: 'The dashboard is the SDK in a page: it may import src/client/ and src/model/ only.',
      severity: 'error',
      from: { path: '^web/src/' },
      to: { path: '^src/', pathNot: '^src/(client|model)/' },
    },
    {
      name: 'demos-code-imports-server',
      comment: 'The sync-async chapter code measures reads: model, config and execution only.',
      severity: 'error',
      from: { path: '^src/demos/' },
      to: { path: '^src/', pathNot: '^src/(demos|model|config|execution)/' },
    },
    {
      name: 'model-imports-node',
      comment: 'src/model/ is shared with browsers: no Node built-ins.',
      severity: 'error',
      from: { path: '^src/model/' },
      to: { dependencyTypes: ['core'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.cjs', '.json'],
    },
  },
};
