/** The preview of an extension change: what will be rewritten, what follows by itself, what blocks it. */
export interface ExtensionChangeItem {
  /** divert | office_day_night | blf_key | speed_dial_key (rewritten), or voicemail | caller_id | presence | ring_group | pickup_group (follow). */
  kind: string;
  id: string;
  name: string;
  description: string;
  /** rewrite: changed in the same transaction; follows: nothing stored to change. */
  effect: 'rewrite' | 'follows';
}

export interface ExtensionChangePreview {
  from: string;
  to: string;
  /** True when the change can be saved as it is (no blockers). */
  allowed: boolean;
  changes: ExtensionChangeItem[];
  /** Why the change would be refused (the new extension invalid or taken ...), field + reason. */
  blockers: Array<{ field: string; reason: string }>;
  /** Handsets that will be asked to resync (their BLF / speed-dial keys change). */
  devicesToResync: number;
}

const item = {
  type: 'object',
  properties: {
    kind: { type: 'string' },
    id: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    effect: { type: 'string', enum: ['rewrite', 'follows'] },
  },
  required: ['kind', 'id', 'name', 'description', 'effect'],
} as const;

export const extensionChangePreviewSchema = {
  type: 'object',
  properties: {
    from: { type: 'string' },
    to: { type: 'string' },
    allowed: { type: 'boolean' },
    changes: { type: 'array', items: item },
    blockers: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, reason: { type: 'string' } }, required: ['field', 'reason'] } },
    devicesToResync: { type: 'integer' },
  },
  required: ['from', 'to', 'allowed', 'changes', 'blockers', 'devicesToResync'],
} as const;

export const extensionChangeQuerySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['to'],
  properties: { to: { type: 'string', minLength: 1, maxLength: 8, description: 'The new extension' } },
} as const;
