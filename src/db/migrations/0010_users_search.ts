import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.ts';

/**
 * 'Filter User' matches inside names, emails, extensions and direct numbers (issue 11: "arlot" finds
 * Charlotte), served by an index on both stores instead of a scan.
 *
 * PostgreSQL: pg_trgm GIN indexes (gin_trgm_ops) on users' first/last/display name, email and extension and on
 * numbers.e164, used by ILIKE '%q%' (a BitmapOr of the five user indexes; numbers joined on their own).
 *
 * SQLite: an FTS5 table with the trigram tokenizer (SQLite ≥ 3.34), one row per user with the same fields and
 * the user's direct numbers, queried with MATCH. Its rowid comes from `users_fts_rows` (an INTEGER PRIMARY KEY
 * per user id): the users table has a text key, and its implicit rowid may change on VACUUM. Triggers on users
 * and numbers keep both in step on every write path (API, import, discard, demo seed).
 */
export async function up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> {
  if (ctx.dialect === 'postgres') {
    const available = await sql<{ name: string }>`select name from pg_available_extensions where name = 'pg_trgm'`.execute(db);
    if (!available.rows.length) {
      throw new Error(
        "the PostgreSQL extension pg_trgm is not installed on this server; the users filter needs it. It ships with Debian's postgresql-<version> package (elsewhere: postgresql-contrib); install it and restart Switchboard",
      );
    }
    try {
      await sql`create extension if not exists pg_trgm`.execute(db);
    } catch (err) {
      throw new Error(`cannot create the PostgreSQL extension pg_trgm (${(err as Error).message}); a superuser (or the database owner, pg_trgm being a trusted extension) must run 'create extension pg_trgm' in this database once`, {
        cause: err,
      });
    }
    for (const col of ['first_name', 'last_name', 'display_name', 'email', 'extension']) {
      await sql`create index ${sql.id(`users_${col}_trgm`)} on users using gin (${sql.ref(col)} gin_trgm_ops)`.execute(db);
    }
    await sql`create index numbers_e164_trgm on numbers using gin (e164 gin_trgm_ops)`.execute(db);
    return;
  }
  const version = (await sql<{ v: string }>`select sqlite_version() as v`.execute(db)).rows[0]!.v;
  const [major, minor] = version.split('.').map(Number);
  if (major! < 3 || (major === 3 && minor! < 34)) throw new Error(`SQLite ${version} has no FTS5 trigram tokenizer (3.34 or newer needed); the users filter needs it`);
  await sql`create table users_fts_rows (rid integer primary key, user_id text not null unique, account_id text not null)`.execute(db);
  await sql`create virtual table users_fts using fts5(given, family, shown, mail, ext, nums, tokenize = 'trigram')`.execute(db);
  const nums = (user: string, account: string) => `coalesce((select group_concat(n.e164, ' ') from numbers n where n.account_id = ${account} and n.user_id = ${user}), '')`;
  await sql
    .raw(
      `create trigger users_fts_ins after insert on users begin
        insert into users_fts_rows (user_id, account_id) values (new.id, new.account_id);
        insert into users_fts (rowid, given, family, shown, mail, ext, nums)
          values ((select rid from users_fts_rows where user_id = new.id), new.first_name, new.last_name, new.display_name, coalesce(new.email, ''), new.extension, ${nums('new.id', 'new.account_id')});
      end`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger users_fts_upd after update of id, account_id, first_name, last_name, display_name, email, extension on users
        when new.id is not old.id or new.account_id is not old.account_id or new.first_name is not old.first_name or new.last_name is not old.last_name
          or new.display_name is not old.display_name or new.email is not old.email or new.extension is not old.extension begin
        update users_fts_rows set user_id = new.id, account_id = new.account_id where user_id = old.id;
        update users_fts set given = new.first_name, family = new.last_name, shown = new.display_name, mail = coalesce(new.email, ''), ext = new.extension,
          nums = ${nums('new.id', 'new.account_id')}
          where rowid = (select rid from users_fts_rows where user_id = new.id);
      end`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger users_fts_del after delete on users begin
        delete from users_fts where rowid = (select rid from users_fts_rows where user_id = old.id);
        delete from users_fts_rows where user_id = old.id;
      end`,
    )
    .execute(db);
  // A user's direct numbers: recomputed for the user(s) a numbers write touches.
  const refresh = (who: string) =>
    `update users_fts set nums = (select coalesce(group_concat(n.e164, ' '), '') from users_fts_rows r join numbers n on n.account_id = r.account_id and n.user_id = r.user_id where r.rid = users_fts.rowid)
      where rowid in (select rid from users_fts_rows where user_id in (${who}));`;
  await sql.raw(`create trigger users_fts_num_ins after insert on numbers when new.user_id is not null begin ${refresh('new.user_id')} end`).execute(db);
  await sql
    .raw(`create trigger users_fts_num_upd after update of user_id, e164, account_id on numbers when old.user_id is not null or new.user_id is not null begin ${refresh('old.user_id, new.user_id')} end`)
    .execute(db);
  await sql.raw(`create trigger users_fts_num_del after delete on numbers when old.user_id is not null begin ${refresh('old.user_id')} end`).execute(db);
  // Existing users.
  await sql`insert into users_fts_rows (user_id, account_id) select id, account_id from users`.execute(db);
  await sql
    .raw(
      `insert into users_fts (rowid, given, family, shown, mail, ext, nums)
        select r.rid, u.first_name, u.last_name, u.display_name, coalesce(u.email, ''), u.extension, ${nums('u.id', 'u.account_id')}
        from users_fts_rows r join users u on u.id = r.user_id`,
    )
    .execute(db);
}
