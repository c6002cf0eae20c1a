// Official status pages of well-known services, so a config can say `vendor: openai` instead of a URL
// and a kind. Pure data with no imports: the config schema reads it to check and expand the shorthand.
// Statuspage pages are read at /api/v2/summary.json; pages without a JSON API we can read are polled
// through their Atom/RSS feed (kind "feed"), which says what is going on but lists no components.
// Entries are written from the vendors' public pages; test/history-catalogue.test.ts checks that each
// kind is one Vigie reads and each URL parses (no network: nothing here is fetched by the tests).

export interface CatalogueEntry {
  name: string;
  kind: 'statuspage' | 'incidentio' | 'instatus' | 'feed';
  /** What Vigie polls. */
  url: string;
  /** The page people read. */
  page: string;
}

export const VENDOR_CATALOGUE = {
  openai: { name: 'OpenAI', kind: 'feed', url: 'https://status.openai.com/feed.rss', page: 'https://status.openai.com/' },
  anthropic: { name: 'Anthropic', kind: 'statuspage', url: 'https://status.anthropic.com/api/v2/summary.json', page: 'https://status.anthropic.com/' },
  github: { name: 'GitHub', kind: 'statuspage', url: 'https://www.githubstatus.com/api/v2/summary.json', page: 'https://www.githubstatus.com/' },
  cloudflare: { name: 'Cloudflare', kind: 'statuspage', url: 'https://www.cloudflarestatus.com/api/v2/summary.json', page: 'https://www.cloudflarestatus.com/' },
  slack: { name: 'Slack', kind: 'feed', url: 'https://slack-status.com/feed/rss', page: 'https://slack-status.com/' },
  discord: { name: 'Discord', kind: 'statuspage', url: 'https://discordstatus.com/api/v2/summary.json', page: 'https://discordstatus.com/' },
  jira: { name: 'Jira (Atlassian)', kind: 'statuspage', url: 'https://jira-software.status.atlassian.com/api/v2/summary.json', page: 'https://jira-software.status.atlassian.com/' },
  confluence: { name: 'Confluence (Atlassian)', kind: 'statuspage', url: 'https://confluence.status.atlassian.com/api/v2/summary.json', page: 'https://confluence.status.atlassian.com/' },
  bitbucket: { name: 'Bitbucket (Atlassian)', kind: 'statuspage', url: 'https://bitbucket.status.atlassian.com/api/v2/summary.json', page: 'https://bitbucket.status.atlassian.com/' },
  trello: { name: 'Trello (Atlassian)', kind: 'statuspage', url: 'https://trello.status.atlassian.com/api/v2/summary.json', page: 'https://trello.status.atlassian.com/' },
  dropbox: { name: 'Dropbox', kind: 'statuspage', url: 'https://status.dropbox.com/api/v2/summary.json', page: 'https://status.dropbox.com/' },
  reddit: { name: 'Reddit', kind: 'statuspage', url: 'https://www.redditstatus.com/api/v2/summary.json', page: 'https://www.redditstatus.com/' },
  zoom: { name: 'Zoom', kind: 'statuspage', url: 'https://status.zoom.us/api/v2/summary.json', page: 'https://status.zoom.us/' },
  twilio: { name: 'Twilio', kind: 'statuspage', url: 'https://status.twilio.com/api/v2/summary.json', page: 'https://status.twilio.com/' },
  digitalocean: { name: 'DigitalOcean', kind: 'statuspage', url: 'https://status.digitalocean.com/api/v2/summary.json', page: 'https://status.digitalocean.com/' },
  netlify: { name: 'Netlify', kind: 'statuspage', url: 'https://www.netlifystatus.com/api/v2/summary.json', page: 'https://www.netlifystatus.com/' },
  vercel: { name: 'Vercel', kind: 'statuspage', url: 'https://www.vercel-status.com/api/v2/summary.json', page: 'https://www.vercel-status.com/' },
  npm: { name: 'npm', kind: 'statuspage', url: 'https://status.npmjs.org/api/v2/summary.json', page: 'https://status.npmjs.org/' },
  figma: { name: 'Figma', kind: 'statuspage', url: 'https://status.figma.com/api/v2/summary.json', page: 'https://status.figma.com/' },
  notion: { name: 'Notion', kind: 'statuspage', url: 'https://www.notion-status.com/api/v2/summary.json', page: 'https://www.notion-status.com/' },
  sentry: { name: 'Sentry', kind: 'statuspage', url: 'https://status.sentry.io/api/v2/summary.json', page: 'https://status.sentry.io/' },
  datadog: { name: 'Datadog', kind: 'statuspage', url: 'https://status.datadoghq.com/api/v2/summary.json', page: 'https://status.datadoghq.com/' },
  shopify: { name: 'Shopify', kind: 'statuspage', url: 'https://www.shopifystatus.com/api/v2/summary.json', page: 'https://www.shopifystatus.com/' },
  heroku: { name: 'Heroku', kind: 'feed', url: 'https://status.heroku.com/feed', page: 'https://status.heroku.com/' },
  aws: { name: 'Amazon Web Services', kind: 'feed', url: 'https://status.aws.amazon.com/rss/all.rss', page: 'https://health.aws.amazon.com/health/status' },
  'google-cloud': { name: 'Google Cloud', kind: 'feed', url: 'https://status.cloud.google.com/en/feed.atom', page: 'https://status.cloud.google.com/' },
  azure: { name: 'Microsoft Azure', kind: 'feed', url: 'https://azure.status.microsoft/en-us/status/feed/', page: 'https://azure.status.microsoft/' },
} as const satisfies Record<string, CatalogueEntry>;

export type CatalogueKey = keyof typeof VENDOR_CATALOGUE;
export const CATALOGUE_KEYS = Object.keys(VENDOR_CATALOGUE) as CatalogueKey[];

export function catalogueEntry(key: string): CatalogueEntry | undefined {
  return Object.hasOwn(VENDOR_CATALOGUE, key) ? (VENDOR_CATALOGUE as Record<string, CatalogueEntry>)[key] : undefined;
}
