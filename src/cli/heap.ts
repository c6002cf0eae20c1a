// Heap sizing for a long-running Vigie. Imported FIRST by the `vigie` command (and by the scheduler
// bench, which stands for `vigie start`) so that it runs before loading the modules has grown the
// heap; both flags are read by V8 at each collection. Not for tests or libraries.
//
// - Old generation: V8 otherwise lets it grow to several times what is live before a full
//   collection (~460 MB for ~70 MB live at 10,000 monitors). Growth capped at 30 % costs a full
//   collection every few seconds (~10 ms each) for a heap about a third the size.
// - Young generation: under steady allocation V8 doubles each semi-space up to 16 MB, 32 MB
//   resident. What a service allocates dies young (a check, a request, a render), so it stays at
//   its initial 1 MB: more, shorter scavenges for ~30 MB less. Not `vigie gateway`: it holds each
//   stream in flight for seconds, so a young generation of 1 MB is scavenged every few milliseconds
//   with most of it still live (copied again each time): at 200 streams that was a fifth of its CPU.
//   There V8's default growth stands (semi-spaces up to 16 MB), for ~20 % more streams per CPU-second.
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--heap-growing-percent=30');
if (process.argv[2] !== 'gateway') setFlagsFromString('--semi-space-growth-factor=1');
