import { ConflictError, NotFoundError } from "@beklijf/core";

import { type DbClient, Prisma } from "../client";

/** A template's parts as L&D wrote them (Handlebars sources). */
export interface TemplateParts {
  readonly subject: string;
  readonly html: string;
  /** Optional; without it the text part is derived from the HTML. */
  readonly text?: string;
}

/** One saved version of a tenant's template in one locale. */
export interface TemplateVersionView {
  readonly tenantId: string;
  readonly template: string;
  readonly locale: string;
  readonly version: number;
  /** null: this version puts the pack's built-in text back. */
  readonly parts: TemplateParts | null;
  /** The version this one restores (0: the pack's text), when it came from a revert. */
  readonly revertOf: number | null;
  readonly savedBy: string;
  readonly savedAt: Date;
}

type Row = {
  tenantId: string;
  template: string;
  locale: string;
  version: number;
  subject: string | null;
  html: string | null;
  text: string | null;
  revertOf: number | null;
  savedBy: string;
  savedAt: Date;
};

function toView(row: Row): TemplateVersionView {
  const parts: TemplateParts | null =
    row.subject === null || row.html === null
      ? null
      : row.text === null
        ? { subject: row.subject, html: row.html }
        : { subject: row.subject, html: row.html, text: row.text };
  return {
    tenantId: row.tenantId,
    template: row.template,
    locale: row.locale,
    version: row.version,
    parts,
    revertOf: row.revertOf,
    savedBy: row.savedBy,
    savedAt: row.savedAt,
  };
}

/** Only the key's fields: callers may pass a wider object (TypeScript allows extra properties). */
function keyOf(key: { tenantId: string; template: string; locale: string }) {
  return {
    tenantId: key.tenantId,
    template: key.template,
    locale: key.locale,
  };
}

const SELECT = {
  tenantId: true,
  template: true,
  locale: true,
  version: true,
  subject: true,
  html: true,
  text: true,
  revertOf: true,
  savedBy: true,
  savedAt: true,
} as const;

/**
 * The newest version of every template a tenant (or, without `tenantId`, every tenant) ever
 * saved, including those that put the pack's text back (`parts: null`).
 */
export async function listCurrentTemplates(
  db: DbClient,
  tenantId?: string,
): Promise<TemplateVersionView[]> {
  // DISTINCT ON picks the newest row per key in one pass over the unique index.
  const rows = await db.$queryRaw<Row[]>`
    SELECT DISTINCT ON (tenant_id, template, locale)
      tenant_id AS "tenantId", template, locale, version, subject, html, text,
      revert_of AS "revertOf", saved_by AS "savedBy", saved_at AS "savedAt"
    FROM template_versions
    ${tenantId === undefined ? Prisma.empty : Prisma.sql`WHERE tenant_id = ${tenantId}::uuid`}
    ORDER BY tenant_id, template, locale, version DESC`;
  return rows.map(toView);
}

/** The newest version of one template in one locale, or null when the tenant never saved it. */
export async function getCurrentTemplate(
  db: DbClient,
  key: { tenantId: string; template: string; locale: string },
): Promise<TemplateVersionView | null> {
  const row = await db.templateVersion.findFirst({
    where: keyOf(key),
    orderBy: { version: "desc" },
    select: SELECT,
  });
  return row === null ? null : toView(row);
}

/** The saved versions of one template in one locale, newest first. */
export async function listTemplateVersions(
  db: DbClient,
  key: { tenantId: string; template: string; locale: string },
  options: { limit?: number } = {},
): Promise<TemplateVersionView[]> {
  const rows = await db.templateVersion.findMany({
    where: keyOf(key),
    orderBy: { version: "desc" },
    take: options.limit ?? 50,
    select: SELECT,
  });
  return rows.map(toView);
}

/** One saved version, or NotFoundError. */
export async function getTemplateVersion(
  db: DbClient,
  key: { tenantId: string; template: string; locale: string; version: number },
): Promise<TemplateVersionView> {
  const row = await db.templateVersion.findUnique({
    where: {
      tenantId_template_locale_version: { ...keyOf(key), version: key.version },
    },
    select: SELECT,
  });
  if (row === null)
    throw new NotFoundError(
      `Template "${key.template}" (${key.locale}) has no version ${key.version}.`,
      "TEMPLATE_VERSION_NOT_FOUND",
    );
  return toView(row);
}

/**
 * Stores a new version of a tenant's template in one locale and returns its number. `parts: null`
 * puts the pack's text back. The caller has validated the parts. `basedOn` is the version the
 * editor started from (0: the pack's text): when someone saved in between, nothing is stored and a
 * ConflictError says so. Two saves racing for the same number hit the unique key; the loser gets
 * the same ConflictError, so history never forks.
 */
export async function saveTemplateVersion(
  db: DbClient,
  input: {
    tenantId: string;
    template: string;
    locale: string;
    parts: TemplateParts | null;
    basedOn?: number;
    revertOf?: number;
    savedBy: string;
    at: Date;
  },
): Promise<number> {
  const key = keyOf(input);
  const latest = (await getCurrentTemplate(db, key))?.version ?? 0;
  const conflict = () =>
    new ConflictError(
      `Someone saved version ${latest} of "${input.template}" (${input.locale}) after you opened version ${input.basedOn ?? latest}; reload and apply your change again.`,
      "TEMPLATE_VERSION_CONFLICT",
    );
  if (input.basedOn !== undefined && input.basedOn !== latest) throw conflict();
  try {
    await db.templateVersion.create({
      data: {
        ...key,
        version: latest + 1,
        subject: input.parts?.subject ?? null,
        html: input.parts?.html ?? null,
        text: input.parts?.text ?? null,
        revertOf: input.revertOf ?? null,
        savedBy: input.savedBy,
        savedAt: input.at,
      },
    });
  } catch (error) {
    if (
      error instanceof Prisma.PrismaClientKnownRequestError &&
      error.code === "P2002"
    )
      throw conflict();
    throw error;
  }
  return latest + 1;
}

/**
 * Changes whenever a version is saved anywhere (rows are only added, and a tenant's removal
 * lowers the count): what a cache polls before it reloads the current templates.
 */
export async function templateVersionsStamp(db: DbClient): Promise<string> {
  const [row] = await db.$queryRaw<{ count: number; seq: number | null }[]>`
    SELECT count(*)::int AS count, max(seq) AS seq FROM template_versions`;
  return `${row?.count ?? 0}/${row?.seq ?? 0}`;
}
