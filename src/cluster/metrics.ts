// A cluster node in /metrics, read at scrape time: what it holds, whether it leads, what fencing refused.
import { Gauge, type Registry } from 'prom-client';
import type { ClusterNode } from './node.js';

export function registerClusterMetrics(registry: Registry, node: ClusterNode): void {
  const registers = [registry];
  const gauge = (name: string, help: string, value: () => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['node'],
      registers,
      collect() {
        this.set({ node: node.id }, value());
      },
    });
  gauge('vigie_cluster_shards_held', 'Monitor shards this node holds (and runs the units of)', () => node.heldShards().length);
  gauge('vigie_cluster_leader', '1 while this node holds the leader role (status changes, incidents, vendor polling, storage job)', () => (node.leader ? 1 : 0));
  gauge('vigie_cluster_fenced_observations', 'Observations this node did not write because their shard was no longer its own (since start)', () => node.fenced);
  gauge('vigie_cluster_skipped_checks', 'Checks not run because this node’s view of their shard’s lease had lapsed: a pause, or lease renewals slower than the TTL allows (since start)', () => node.skipped);
  gauge('vigie_cluster_tail_delivered', 'Observations read back from the store for detection (since start)', () => node.tail.delivered);
  gauge('vigie_cluster_tail_holes_given_up', 'Ids waited for and never seen: rolled-back inserts, or a transaction slower than the wait (since start)', () => node.tail.givenUp);
}
