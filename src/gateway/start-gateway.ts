/*
 * The gateway's entry point for the CLI (dependency-cruiser lets \`unitcost gateway\` and \`unitcost serve
 * --gateway\` import only this file): the listener, and what runs it as a command.
 */
export { startGateway, type RunningGateway, type StartGatewayOptions } from './listen-gateway.js';
// The gateway's own process sets V8 up for it before it starts (gateway-command.ts).
export { disablePretenuring } from './disable-pretenuring.js';
// \`unitcost gateway\` serves from a thread of its own when it can (gateway-thread.ts), else on the calling thread.
export { gatewayThreadAvailable, runGatewayThread } from './gateway-thread.js';
export { serveGateway, type GatewayRunSettings } from './serve-gateway.js';
