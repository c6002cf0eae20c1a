// The agent protocol under /api/agent/v1, one zod source for the server's validation and the
// agent's reading of answers. JSON fields are snake_case, as in the admin API.
import { z } from 'zod';
import { ERROR_KINDS } from '../core/observation.js';
import { MONITOR_KINDS } from '../config/monitors.js';

export const AGENT_PREFIX = '/api/agent/v1';
/** Sent by the agent with its --region, so a token used in the wrong region is refused by name. */
export const REGION_HEADER = 'x-vigie-region';
export const MAX_BATCH = 1000;

const ms = z.number().finite().nonnegative();
const epochMs = z.number().int().positive().max(8.64e15);

export const assignedMonitor = z.strictObject({
  id: z.string().min(1).max(300),
  kind: z.enum(MONITOR_KINDS as unknown as [string, ...string[]]),
  target: z.record(z.string(), z.unknown()),
  interval_ms: z.number().int().positive(),
  timeout_ms: z.number().int().positive(),
  degraded_after_ms: z.number().int().positive().nullable(),
  host_key: z.string().min(1),
});
export type AssignedMonitor = z.output<typeof assignedMonitor>;

export const assignment = z.strictObject({
  agent_id: z.string(),
  region: z.string(),
  /** Changes exactly when this agent's monitors change (a digest of them). */
  version: z.string(),
  server_time: epochMs,
  heartbeat_ms: z.number().int().positive(),
  /** Server clock milliseconds per real millisecond: 1 in production; the demo's accelerated replays run faster, and agents follow. */
  clock_speed: z.number().positive().finite().default(1),
  monitors: z.array(assignedMonitor),
});
export type Assignment = z.output<typeof assignment>;

export const assignmentQuery = z.strictObject({
  /** The version the agent has: the answer waits (up to wait_s) while it is still current. */
  version: z.string().max(64).optional(),
  wait_s: z.coerce.number().int().min(0).max(30).default(20),
});

export const heartbeatBody = z.strictObject({
  /** The agent's clock when it sent this, epoch ms: the server measures the agent's clock offset from it. */
  agent_time: epochMs,
  version: z.string().min(1).max(64),
  assignment: z.string().max(64).nullable(),
  /** Observations waiting in the agent's disk buffer. */
  backlog: z.number().int().nonnegative(),
  /** Observations the agent dropped (oldest first) because its buffer was full, since its data directory was made. */
  dropped: z.number().int().nonnegative(),
  checks_per_s: ms,
});
export type HeartbeatBody = z.output<typeof heartbeatBody>;

export const heartbeatReply = z.object({ server_time: epochMs, clock_offset_ms: z.number(), clock_flagged: z.boolean(), assignment: z.string() });

export const wireObservation = z.strictObject({
  monitor_id: z.string().min(1).max(300),
  /** Planned start of the check, the agent's clock, epoch ms. */
  at: epochMs,
  ok: z.boolean(),
  degraded: z.boolean(),
  status_code: z.number().int().min(100).max(599).optional(),
  phases: z.strictObject({
    dns_ms: ms.optional(),
    connect_ms: ms.optional(),
    tls_ms: ms.optional(),
    first_byte_ms: ms.optional(),
    total_ms: ms,
  }),
  error: z.strictObject({ kind: z.enum(ERROR_KINDS), message: z.string().max(2000) }).optional(),
});
export type WireObservation = z.output<typeof wireObservation>;

export const resultsBody = z.strictObject({
  /** The agent's id (from its assignment); the token decides who it is, this must agree with it. */
  agent_id: z.string().max(64).optional(),
  /** The agent's buffer identity: random per data directory; sequence numbers count within it. */
  stream: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8 to 64 letters, digits, "-" or "_"'),
  seq: z.number().int().positive(),
  agent_time: epochMs,
  observations: z.array(wireObservation).max(MAX_BATCH),
});
export type ResultsBody = z.output<typeof resultsBody>;

export const resultsReply = z.object({ seq: z.number(), stored: z.boolean(), duplicate: z.boolean(), accepted: z.number(), ignored: z.number() });
export type ResultsReply = z.output<typeof resultsReply>;

/** Error answers: `error` is a stable code the agent acts on; `message` says what to do. */
export const errorReply = z.object({ error: z.string(), message: z.string() });
export const REFUSALS = ['unknown_token', 'revoked_token', 'region_not_configured', 'region_mismatch'] as const;
