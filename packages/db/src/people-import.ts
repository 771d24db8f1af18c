import type { Readable } from "node:stream";

import { BeklijfError, err, type Result } from "@beklijf/core";
import { IanaZone } from "@beklijf/rules";
import { parse } from "csv-parse";
import { z } from "zod";

import type { PrismaClient } from "./client";
import {
  findPersonByRef,
  type PersonInput,
  upsertPerson,
} from "./repositories/people";
import { withOneRetry } from "./retry-row";

// The people CSV: one person per row, streamed, each row validated and written on its own, so a
// bad row never stops the good ones and nothing of a bad row is written. Managers and team leads
// may be named before their own row comes, so they are linked in a second pass.

/** Column names as written in the header (case, spaces, "-" and "_" do not matter). */
const COLUMNS = {
  externalid: "externalId",
  email: "email",
  name: "name",
  givenname: "givenName",
  locale: "locale",
  timezone: "timeZone",
  manager: "manager",
  teamlead: "teamLead",
  active: "active",
  accounthomepage: "accountHomePage",
  accountname: "accountName",
  openid: "openid",
} as const;
type Column = (typeof COLUMNS)[keyof typeof COLUMNS];

const optionalText = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .transform((value) => (value === "" ? undefined : value))
    .optional();

/** One CSV row, as text, after the header mapped it to our column names. */
export const PersonRow = z
  .strictObject({
    externalId: optionalText(200),
    email: z
      .union([
        z.literal(""),
        z.email('must be an email address such as "anna@example.nl"'),
      ])
      .transform((value) => (value === "" ? undefined : value.toLowerCase()))
      .optional(),
    name: optionalText(200),
    givenName: optionalText(100),
    locale: z
      .enum(["", "nl", "en"], {
        error: 'must be "nl" or "en" (or leave it empty for the default)',
      })
      .transform((value) => (value === "" ? undefined : value))
      .optional(),
    timeZone: z
      .union([z.literal(""), IanaZone])
      .transform((value) => (value === "" ? undefined : value))
      .optional(),
    manager: optionalText(320),
    teamLead: optionalText(320),
    active: z
      .string()
      .transform((value) => value.trim().toLowerCase())
      .pipe(
        z.enum(["", "true", "false", "1", "0", "yes", "no", "ja", "nee"], {
          error: 'must be "true" or "false" (or leave it empty for true)',
        }),
      )
      .transform((value) =>
        value === "" ? undefined : ["true", "1", "yes", "ja"].includes(value),
      )
      .optional(),
    accountHomePage: z
      .union([
        z.literal(""),
        z.url('must be the LMS address such as "https://lms.example.nl"'),
      ])
      .transform((value) => (value === "" ? undefined : value))
      .optional(),
    accountName: optionalText(200),
    openid: z
      .union([z.literal(""), z.url("must be an OpenID URL")])
      .transform((value) => (value === "" ? undefined : value))
      .optional(),
  })
  .superRefine((row, ctx) => {
    if (row.externalId === undefined && row.email === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["email"],
        message: "needs an email or an externalId to match the person on",
      });
    if ((row.accountHomePage === undefined) !== (row.accountName === undefined))
      ctx.addIssue({
        code: "custom",
        path: [
          row.accountHomePage === undefined ? "accountHomePage" : "accountName",
        ],
        message:
          "accountHomePage and accountName go together: fill in both (the LMS address and the user's id there) or neither",
      });
  });
export type PersonRow = z.output<typeof PersonRow>;

/** A problem with one row: the line in the file, the column, and what to write instead. */
export interface ImportIssue {
  /** Line number in the file (the header is line 1). */
  readonly row: number;
  readonly column: string | undefined;
  readonly message: string;
}

export interface ImportReport {
  readonly rows: number;
  readonly created: number;
  readonly updated: number;
  /** Rows that were not written (see `issues`). */
  readonly failed: number;
  /** Bad rows, and rows written without a manager or team lead that could not be found. */
  readonly issues: ImportIssue[];
  /** Statements that waited for these people and are now handed to the engine. */
  readonly pendingStatementIds: string[];
}

/** The header was not usable: nothing was imported. */
export class ImportHeaderError extends BeklijfError {
  readonly code = "CSV_HEADER_INVALID";
}

/**
 * Imports people from a CSV stream (header row first; columns in `COLUMNS`, e.g.
 * `email,name,externalId,manager,timeZone`). Each good row is upserted in its own transaction;
 * bad rows are reported with their line, column and what to write instead. `onProgress` is
 * called every `progressEvery` rows (default 100) and at the end.
 */
export async function importPeople(
  db: PrismaClient,
  input: {
    tenantId: string;
    source: Readable;
    defaults: { locale: string; timeZone: string };
    /** `bytes`: of the source read up to the last row counted. */
    onProgress?: (progress: {
      rows: number;
      failed: number;
      bytes: number;
    }) => void;
    progressEvery?: number;
    /**
     * The second pass (managers and team leads): called every `progressEvery` people linked and
     * at the end, when the file has a manager or teamLead column.
     */
    onLinkProgress?: (progress: { linked: number; total: number }) => void;
  },
): Promise<ImportReport> {
  const issues: ImportIssue[] = [];
  const links: {
    row: number;
    personId: string;
    manager?: string;
    teamLead?: string;
    managerSet: boolean;
    teamLeadSet: boolean;
  }[] = [];
  const pendingStatementIds: string[] = [];
  let rows = 0;
  let created = 0;
  let updated = 0;
  let failed = 0;
  let headerColumns: Column[] = [];
  const parser = input.source.pipe(
    parse({
      bom: true,
      trim: true,
      skip_empty_lines: true,
      info: true,
      skip_records_with_error: true,
      columns: (header: string[]) => {
        headerColumns = header.map((raw) => {
          const key = raw.toLowerCase().replace(/[\s_-]/g, "");
          const column = (COLUMNS as Record<string, Column | undefined>)[key];
          if (column === undefined)
            throw new ImportHeaderError(
              `Unknown column "${raw}" in the header; the columns are ${Object.values(COLUMNS).join(", ")}`,
            );
          return column;
        });
        if (
          !headerColumns.includes("email") &&
          !headerColumns.includes("externalId")
        )
          throw new ImportHeaderError(
            "The header needs an email or an externalId column to match people on",
          );
        return headerColumns;
      },
      on_skip: (error) => {
        rows += 1;
        failed += 1;
        issues.push({
          row: (error as { lines?: number } | undefined)?.lines ?? rows + 1,
          column: undefined,
          message: `not a valid CSV row: ${error?.message ?? "unreadable"}; every row needs ${headerColumns.length} columns, quote values that contain commas`,
        });
        return undefined;
      },
    }),
  );
  const every = input.progressEvery ?? 100;
  let bytes = 0;
  try {
    for await (const entry of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number; bytes: number };
    }>) {
      rows += 1;
      bytes = entry.info.bytes;
      const line = entry.info.lines;
      const parsed = PersonRow.safeParse(entry.record);
      if (!parsed.success) {
        failed += 1;
        for (const issue of parsed.error.issues)
          issues.push({
            row: line,
            column: issue.path.map(String).join(".") || undefined,
            message: issue.message,
          });
      } else {
        const row = parsed.data;
        const written = await writeRow(db, input, row, line);
        if (written.ok) {
          const result = written.value;
          if (result.created) created += 1;
          else updated += 1;
          pendingStatementIds.push(...result.pendingStatementIds);
          links.push({
            row: line,
            personId: result.person.id,
            ...(row.manager === undefined ? {} : { manager: row.manager }),
            ...(row.teamLead === undefined ? {} : { teamLead: row.teamLead }),
            managerSet: headerColumns.includes("manager"),
            teamLeadSet: headerColumns.includes("teamLead"),
          });
        } else {
          failed += 1;
          issues.push(written.error);
        }
      }
      if (rows % every === 0) input.onProgress?.({ rows, failed, bytes });
    }
  } catch (error) {
    if (error instanceof ImportHeaderError) throw error;
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof ImportHeaderError) throw cause;
    throw error;
  }

  // Second pass: managers and team leads, now that every row is in. A reference that is not
  // found (or names the person themselves) clears the link, as an empty cell does: the file
  // says the old manager is no longer theirs, and their emails must not go to them.
  const toLink = links.filter((link) => link.managerSet || link.teamLeadSet);
  let linked = 0;
  for (const link of toLink) {
    const data: { managerId?: string | null; teamLeadId?: string | null } = {};
    const unresolved: { column: "manager" | "teamLead"; problem: string }[] =
      [];
    for (const [column, ref, set] of [
      ["manager", link.manager, link.managerSet],
      ["teamLead", link.teamLead, link.teamLeadSet],
    ] as const) {
      if (!set) continue;
      const field = column === "manager" ? "managerId" : "teamLeadId";
      if (ref === undefined) {
        data[field] = null;
        continue;
      }
      const found = await findPersonByRef(db, input.tenantId, ref);
      if (found !== null && found.id !== link.personId) {
        data[field] = found.id;
        continue;
      }
      data[field] = null;
      unresolved.push({
        column,
        problem:
          found === null
            ? `no person with external id or email "${ref}": add a row for them, or leave ${column} empty`
            : `a person cannot be their own ${column}: name someone else, or leave it empty`,
      });
    }
    // What they had before, to say exactly what the import did to it.
    const before =
      unresolved.length === 0
        ? null
        : await db.person.findUnique({
            where: { id: link.personId },
            select: { managerId: true, teamLeadId: true },
          });
    const updatedLinks =
      Object.keys(data).length === 0
        ? undefined
        : await withOneRetry(() =>
            db.person.update({ where: { id: link.personId }, data }),
          );
    if (updatedLinks !== undefined && !updatedLinks.ok)
      // Nothing of the links changed: say that, not what the update would have done.
      issues.push({
        row: link.row,
        column: link.managerSet ? "manager" : "teamLead",
        message: `the manager and team lead of this row were not changed: ${updatedLinks.error}; the rest of the row was imported, run the import again to link them`,
      });
    else
      for (const { column, problem } of unresolved) {
        const role = column === "manager" ? "manager" : "team lead";
        const had =
          (column === "manager" ? before?.managerId : before?.teamLeadId) !=
          null;
        issues.push({
          row: link.row,
          column,
          message: had
            ? `${problem}; the person was imported without a ${role}: the link to their previous ${role} was removed`
            : `${problem}; the person was imported without a ${role}`,
        });
      }
    linked += 1;
    if (linked % every === 0 || linked === toLink.length)
      input.onLinkProgress?.({ linked, total: toLink.length });
  }
  input.onProgress?.({ rows, failed, bytes });
  return { rows, created, updated, failed, issues, pendingStatementIds };
}

/**
 * Upserts one good row. The app's own refusals (a conflict with another person) become an issue
 * at once; a database error that is not ours, such as a unique-key race with the engine creating
 * the same person from a statement at that moment, gets one more try and then becomes an issue,
 * so one row never stops the rest of the file. A lost connection still stops the import.
 */
async function writeRow(
  db: PrismaClient,
  input: { tenantId: string; defaults: { locale: string; timeZone: string } },
  row: PersonRow,
  line: number,
): Promise<Result<Awaited<ReturnType<typeof upsertPerson>>, ImportIssue>> {
  try {
    const written = await withOneRetry(() =>
      upsertPerson(db, {
        tenantId: input.tenantId,
        person: toPersonInput(row),
        defaults: input.defaults,
      }),
    );
    if (written.ok) return written;
    return err({
      row: line,
      column: undefined,
      message: `not imported: ${written.error}; nothing of this row was written, import the file again (or just this row) to add it`,
    });
  } catch (error) {
    if (!(error instanceof BeklijfError)) throw error;
    return err({
      row: line,
      column: error.code.includes("IDENTITY") ? "accountName" : "email",
      message: `${error.message}; fix the row or the other person`,
    });
  }
}

function toPersonInput(row: PersonRow): PersonInput {
  return {
    externalId: row.externalId,
    email: row.email,
    name: row.name,
    givenName: row.givenName,
    locale: row.locale,
    timeZone: row.timeZone,
    active: row.active,
    ...(row.accountHomePage === undefined || row.accountName === undefined
      ? {}
      : {
          accounts: [{ homePage: row.accountHomePage, name: row.accountName }],
        }),
    ...(row.openid === undefined ? {} : { openids: [row.openid] }),
  };
}
