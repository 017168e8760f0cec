// Entry point for a worker thread whose module is TypeScript, when running from source.
// On Node 20, module hooks registered with --import (tsx) do not reach a worker's own ESM
// loader, so a `.ts` entry fails with ERR_UNKNOWN_FILE_EXTENSION; tsx's require() hook does
// work there. This file is plain CommonJS and requires the module named by its last argument.
'use strict';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS on purpose, see above
require(process.argv[process.argv.length - 1]);
