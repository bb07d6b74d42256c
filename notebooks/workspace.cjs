// Loads the workspace's TypeScript sources (ES modules, no build step) into a notebook kernel.
// tslab runs cells in a vm context that cannot `import()` and type-checks static imports with
// its own TypeScript 5.0 settings, so notebooks load packages through this real module, whose
// import() works, with tsx's ESM loader (top-level await in dependencies such as vega included).
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const root = path.resolve(__dirname, '..');

/** `await load('packages/cache-core/src/index.ts')` → the module's exports. */
exports.load = async (relative) => {
  const { tsImport } = await import('tsx/esm/api');
  return tsImport(pathToFileURL(path.join(root, relative)).href, pathToFileURL(__filename).href);
};

exports.root = root;
