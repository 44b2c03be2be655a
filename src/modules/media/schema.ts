/** The media library: an account's audio tracks (hold music), plus the built-in 'Default'. */
export interface MediaFile {
  id: string;
  name: string;
  kind: 'hold_music';
  durationMs: number;
  sizeBytes: number;
  /** The built-in track (id 'default'): always there, cannot be renamed or deleted. */
  builtIn: boolean;
  createdAt: string | null;
  updatedAt: string | null;
}

export const mediaFileSchema = {
  $id: 'MediaFile',
  type: 'object',
  properties: {
    id: { type: 'string', description: "'default' (built-in) or the track's UUID; what an office's onHoldMusic refers to" },
    name: { type: 'string' },
    kind: { type: 'string', enum: ['hold_music'] },
    durationMs: { type: 'integer' },
    sizeBytes: { type: 'integer' },
    builtIn: { type: 'boolean' },
    createdAt: { type: ['string', 'null'] },
    updatedAt: { type: ['string', 'null'] },
  },
  required: ['id', 'name', 'kind', 'durationMs', 'sizeBytes', 'builtIn', 'createdAt', 'updatedAt'],
} as const;

export const mediaListSchema = {
  type: 'object',
  properties: { items: { type: 'array', items: { $ref: 'MediaFile#' } } },
  required: ['items'],
} as const;

export const mediaParams = {
  type: 'object',
  properties: { account: { type: 'string' }, id: { type: 'string', maxLength: 64 } },
  required: ['account', 'id'],
} as const;

export const mediaUploadQuery = {
  type: 'object',
  properties: { name: { type: 'string', maxLength: 200, description: 'Name of the track (raw-body uploads; multipart sends a `name` field)' } },
} as const;

export const mediaPatchSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name: { type: 'string', maxLength: 200 } },
} as const;
