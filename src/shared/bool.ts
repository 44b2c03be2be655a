/** Both stores keep booleans as 0/1 integers so repository code is the same on SQLite and PostgreSQL. */
export const toInt = (b: boolean): number => (b ? 1 : 0);
export const toBool = (n: number | boolean | null | undefined): boolean => n === true || n === 1;
