// The API's fixed words (as in src/core): their labels are in the dictionaries under the same names.
export const IMPACTS = ['none', 'minor', 'major', 'critical'] as const;
export const CAUSES = ['software_bug', 'hardware', 'network', 'human_error', 'traffic_surge', 'cyberattack', 'natural_disaster', 'power', 'third_party', 'unknown'] as const;
export const INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export const MAINTENANCE_STATUSES = ['scheduled', 'in_progress', 'verifying', 'completed'] as const;
export const COMPONENT_STATUSES = ['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance'] as const;
export const TEMPLATES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
