/** Domain errors. Routes never build HTTP errors themselves: the error handler maps these. */
export interface FieldError {
  field: string;
  reason: string;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
  }
}

/** 422: the input is well-formed but breaks a rule. Nothing was written. */
export class ValidationError extends AppError {
  constructor(fields: FieldError[]) {
    super(422, 'validation_failed', fields.map((f) => `${f.field}: ${f.reason}`).join('; '), fields);
  }
}

/** Throws a ValidationError when the list is not empty. */
export function assertValid(fields: FieldError[]): void {
  if (fields.length > 0) throw new ValidationError(fields);
}

/** 409: the input clashes with existing data (duplicate extension, email ...). */
export class ConflictError extends AppError {
  constructor(field: string, reason: string) {
    super(409, 'conflict', `${field}: ${reason}`, [{ field, reason }]);
  }
}

export class NotFoundError extends AppError {
  constructor(resource: string) {
    super(404, 'not_found', `${resource} not found`);
  }
}

export class ForbiddenError extends AppError {
  constructor(reason = 'you are not allowed to do this') {
    super(403, 'forbidden', reason);
  }
}

export class UnauthorizedError extends AppError {
  constructor(reason = 'authentication required') {
    super(401, 'unauthorized', reason);
  }
}

/** Where a resource is used (seed 000 'Usage'): shown before a delete and in a refused delete. */
export interface UsageItem {
  kind: string;
  id: string;
  name: string;
  description: string;
  /** with_resource: goes with it on any delete; cascade: removed only with ?cascade=true; manual: change it first. */
  removal: 'with_resource' | 'cascade' | 'manual';
}

/** 409 in_use: the resource is referenced; the body lists every place (`usage`). */
export class InUseError extends AppError {
  constructor(
    resource: string,
    readonly usage: UsageItem[],
  ) {
    super(409, 'in_use', `${resource} is in use: ${usage.map((u) => u.description).join('; ')}`, usage.map((u) => ({ field: 'usage', reason: u.description })));
  }
}
