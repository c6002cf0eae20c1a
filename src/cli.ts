#!/usr/bin/env node
// The `vigie` command. The heap is sized first, then the commands load: ESM parses a module's whole
// static import graph before running any of it, and that parse alone grows V8's young generation.
import './cli/heap.js';

await import('./cli/program.js');
