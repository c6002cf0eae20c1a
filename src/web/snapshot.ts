// What the page and the APIs show, computed once per state change and shared by every route.
import { publicId } from '../core/ids.js';
import { type ComponentStatus, type PageStatus, pageStatus, worst } from '../core/status.js';

export interface SnapshotComponent {
  id: string;
  publicId: string;
  serviceId: string;
  name: string;
  description: string | null;
  group: string | null;
  status: ComponentStatus;
  since: number;
  createdAt: number;
  updatedAt: number;
  position: number;
}

export interface SnapshotService {
  id: string;
  publicId: string;
  name: string;
  description: string | null;
  status: ComponentStatus;
  createdAt: number;
  updatedAt: number;
  position: number;
  components: SnapshotComponent[];
}

export interface SnapshotChange {
  componentId: string;
  componentName: string;
  serviceName: string;
  from: ComponentStatus | null;
  to: ComponentStatus;
  at: number;
  reason: string;
}

export interface Snapshot {
  title: string;
  pageId: string;
  baseUrl: string;
  /** The clock's now when prepared: scenario time in the demo. */
  now: number;
  updatedAt: number;
  status: PageStatus;
  services: SnapshotService[];
  changes: SnapshotChange[];
}

export interface SnapshotInput {
  title: string;
  baseUrl: string;
  now: number;
  services: Array<Omit<SnapshotService, 'publicId' | 'status' | 'updatedAt' | 'components'> & {
    components: Array<Omit<SnapshotComponent, 'publicId'>>;
  }>;
  changes: SnapshotChange[];
}

export function buildSnapshot(input: SnapshotInput): Snapshot {
  const services: SnapshotService[] = input.services.map((s) => {
    const components = s.components.map((c) => ({ ...c, publicId: publicId('component', c.id) }));
    return {
      ...s,
      publicId: publicId('service', s.id),
      status: worst(components.map((c) => c.status)),
      updatedAt: Math.max(s.createdAt, ...components.map((c) => c.updatedAt)),
      components,
    };
  });
  const all = services.flatMap((s) => s.components.map((c) => c.status));
  return {
    title: input.title,
    pageId: publicId('page', input.title),
    baseUrl: input.baseUrl,
    now: input.now,
    updatedAt: Math.max(0, ...services.map((s) => s.updatedAt)),
    status: pageStatus(all),
    services,
    changes: input.changes,
  };
}
