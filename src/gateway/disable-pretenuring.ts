import { setFlagsFromString } from 'node:v8';

/**
 * Turns off V8's allocation-site pretenuring for this process, before the gateway serves its first call.
 * Pretenuring allocates the objects of a literal straight into the old generation once most of them have
 * been seen to survive a scavenge. Under the gateway's load V8 tenured ~7 sites that make about one object
 * per call (`--trace-pretenuring-statistics`: all of each interval's objects surviving); which ones is not
 * established, the usage events that wait up to 200 ms in the recorder's batch being one candidate. Objects
 * old from birth and dead within a millisecond stay in the old generation until the next mark-compact, and
 * the young objects they point to survive scavenges through them and are promoted in turn. At 1,000 calls/s
 * (`--trace-gc-nvp`), with it on 2% of what the gateway allocated was promoted (~0.26 MB at each scavenge,
 * a median scavenge of 2.8 ms), with it off 0.2–0.3% (a few KB, 0.8–1.1 ms): BENCHMARKS.md, "Gateway (issue
 * 12)"; those "off" figures are with it set here, at run time. It is the process's setting, so only the
 * dedicated `unitcost gateway` process sets it.
 */
export function disablePretenuring(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}
