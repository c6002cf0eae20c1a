// What Vigie writes by itself, in English: reasons for status changes, incident titles and drafted
// updates, maintenance notices, vendor disagreements. generated.fr.ts has the same keys (the type checks).
// Every function takes its parameters already worded for the language (src/i18n/text.ts).
type P = Record<string, string>;

/** "1,234": a count, grouped (its plural is decided on the digits). */
const count = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s).toLocaleString('en-US') : (s ?? ''));

export const genEn = {
  raw: (p: P) => p.s ?? '',
  maintenanceScheduledPlain: 'Maintenance scheduled.',
  // The gateway's failovers and failbacks (src/gateway/events.ts, src/web/views/gateway.tsx).
  gatewayFailover: (p: P) => `API traffic moved from ${p.from} to ${p.to} at ${p.time} (route ${p.route}); ${count(p.failed)} failed request${p.failed === '1' ? '' : 's'}`,
  gatewayFailback: (p: P) => `API traffic moved back from ${p.from} to ${p.to} at ${p.time} (route ${p.route}); during the failover, ${count(p.served)} request${p.served === '1' ? '' : 's'} served and ${count(p.failed)} failed`,
  // A failover in progress (src/web/gateway-events.ts): its figures so far, and when they were taken.
  gatewayOngoing: (p: P) =>
    `Ongoing: API traffic has been on ${p.to} instead of ${p.from} since ${p.time} (route ${p.route}); ${count(p.served)} request${p.served === '1' ? '' : 's'} served, ${count(p.failed)} failed (as of ${p.asOf})`,
  gatewayTitle: 'API gateway',
  gatewayIntro: 'Where our applications’ API traffic went while a provider was failing.',
  gatewayFactRoute: 'Route',
  gatewayFactMove: 'Traffic',
  and: 'and',
  // Reasons (src/detect).
  noMonitors: 'no monitors',
  noData: 'no data from its regions',
  allPassing: 'all checks passing',
  failing: 'failing',
  failingAll: (p: P) => `failing in all ${p.n} regions`,
  failingIn: (p: P) => `failing in ${p.regions} (${p.down} of ${p.total} regions)`,
  slowIn: (p: P) => `slow in ${p.regions}`,
  dependsOn: (p: P) => `depends on ${p.component} (${p.status})`,
  unknownComponent: 'unknown component',
  crowdDecisive: 'users report problems (crowd reports well above usual)',
  maintenanceReason: 'scheduled maintenance',
  beforeRestart: 'observed before Vigie restarted',
  // Incident titles and drafted updates (src/incidents).
  titleDown: (p: P) => `${p.service}: ${p.components} unavailable`,
  titlePartly: (p: P) => `${p.service}: ${p.components} partly unavailable`,
  sinceFailing: (p: P) => `${p.reason} since ${p.time}`,
  sinceStatus: (p: P) => `${p.status} since ${p.time}`,
  sinceStatusWhy: (p: P) => `${p.status} since ${p.time} (${p.reason})`,
  openOne: (p: P) => `Vigie observes **${p.component}** ${p.what}. We are investigating.`,
  openMany: (p: P) => `Vigie observes problems with **${p.service}** since ${p.time}:\n\n${p.lines}\n\nWe are investigating.`,
  line: (p: P) => `- **${p.component}**: ${p.what}`,
  alsoAffecting: (p: P) => `Also affecting **${p.component}**: ${p.what}.`,
  memberOutage: (p: P) => `**${p.component}**: ${p.what}.`,
  memberMaintenance: (p: P) => `**${p.component}** is under scheduled maintenance.`,
  memberOperational: (p: P) => `**${p.component}** is operational again since ${p.time}.`,
  memberStatus: (p: P) => `**${p.component}** is ${p.status} since ${p.time}.`,
  failingAgain: 'Failing again: back to investigating.',
  recovering: 'No component is in outage any more; we are monitoring the recovery.',
  sentences: (p: P) => p.parts ?? '',
  stillOutage: (p: P) => `Still under investigation, ${p.elapsed} after the start:\n\n${p.lines}`,
  stillWaiting: (p: P) => `Still affected, ${p.elapsed} after the start: **${p.component}** depends on **${p.upstream}**, which is still in ${p.status}. We are waiting on its recovery.`,
  resolvedAuto: (p: P) => `All affected components have been operational since ${p.time}. This incident is resolved.`,
  resolvedDefault: 'This incident has been resolved.',
  silentVendorUpdate: (p: P) => `${p.service}'s official status page still says all is operational, ${p.elapsed} after Vigie observed the outage. The vendor has not acknowledged it.`,
  vendorAck: (p: P) => `${p.service}'s official status acknowledged the problem at ${p.time}.`,
  vendorAckQuote: (p: P) => `${p.service}'s official status acknowledged the problem at ${p.time}: “${p.quote}”`,
  maintenanceScheduled: (p: P) => `Maintenance scheduled from ${p.from} to ${p.until}.`,
  maintenanceInProgress: 'Scheduled maintenance is in progress.',
  maintenanceVerifying: 'The maintenance work is done; we are verifying that everything works.',
  maintenanceCompleted: 'The scheduled maintenance has been completed.',
  // Official status beside Vigie's (the page).
  vendorSaysProblem: (p: P) => `${p.service}'s official status reports a problem (${p.words}) that Vigie does not observe.`,
  vendorSaysProblemUnmonitored: (p: P) => `${p.service}'s official status reports a problem with ${p.components}, which Vigie does not monitor.`,
  vendorUnreadable: (p: P) => `unreadable: ${p.why}`,
  vendorUnreachable: (p: P) => `unreachable: ${p.why}`,
  vendorNoWords: 'reachable, but it says nothing we can read',
  // The page's crowd sparkline (src/web/views/crowd.tsx).
  crowdSpark: (p: P) => `Crowd reports, last hour: ${p.n} (usual: about ${p.usual})`,
  crowdDetected: 'users report problems',
  crowdPossible: 'possible problems',
  // Declared beside observed (src/web/views/declared.tsx).
  declaredByIncident: 'Declared by the incident',
  declaredByMaintenance: 'Declared by the maintenance',
  observedByVigie: 'observed by Vigie',
  // Why a vendor page could not be read (src/web/vendor-words.ts).
  whyHttp: (p: P) => `HTTP ${p.code}`,
  whyTimeout: 'no answer in time',
  whyDns: 'name not found',
  whyRefused: 'connection refused',
  whyReset: 'connection dropped',
  whyTooLarge: 'answer too large',
  whyRedirects: 'too many redirects',
  whyHtml: 'an HTML page instead of JSON',
  whyJson: 'malformed JSON',
  whyFeed: 'malformed feed',
  whyShape: 'unexpected content',
  whyOther: 'network error',
};

export type GenMessages = typeof genEn;
