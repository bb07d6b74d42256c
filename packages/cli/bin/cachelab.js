#!/usr/bin/env node
// Runs the TypeScript sources through tsx, so the CLI needs no build step.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src/main.ts');
const { installInterruptHandler } = await import('../src/util/interrupt.ts');
const { exitQuietlyOnClosedPipe } = await import('../src/util/closed-pipe.ts');
installInterruptHandler();
exitQuietlyOnClosedPipe();
process.exitCode = await main(process.argv.slice(2));
