import type { Readable } from "node:stream";

import { errorMessage, NotFoundError, ValidationError } from "@beklijf/core";
import {
  deletePerson,
  getPersonWithTimeline,
  ImportHeaderError,
  importPeople,
  type ImportReport,
  listConnections,
  listPeople,
  listUnknownLearners,
} from "@beklijf/db";
import busboy from "busboy";
import type { Request, Response, Router } from "express";

import type { WebDeps } from "../deps";
import { removeNudgeJobsAfterResponse } from "../jobs-port";
import { assertCsrfToken, requireRole, sessionOf } from "./auth";
import { formField, pageContext, queryString, routeParam } from "./context";
import { translate } from "./messages";
import type { ConsoleRender, PageContext } from "./views";
import { wholeLinesOnly } from "./whole-lines";

/** The largest CSV the console takes in one upload (rows beyond it are not read). */
export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;

/** `at` as "2026-03-02 10:00" in `timeZone` (the recipient's local time). */
export function localTime(at: Date, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat("sv-SE", {
      timeZone,
      dateStyle: "short",
      timeStyle: "short",
    }).format(at);
  } catch {
    return at.toISOString().slice(0, 16).replace("T", " ") + " UTC";
  }
}

/**
 * People: search, the CSV import with its row-error report, each person's timeline, unknown
 * learners, and erasing a person (admins; ask, then confirm).
 */
export function mountPeoplePages(
  router: Router,
  deps: Pick<WebDeps, "db" | "jobs" | "logger">,
  render: ConsoleRender,
): void {
  router.get("/people", async (req, res) => {
    const context = pageContext(res, "", "people");
    const tenantId = sessionOf(res).user.tenantId;
    const q = queryString(req.query["q"]);
    const [people, unknown, connections] = await Promise.all([
      listPeople(deps.db, { tenantId, q, limit: 100 }),
      listUnknownLearners(deps.db, tenantId, 5),
      listConnections(deps.db, tenantId),
    ]);
    const names = new Map(connections.map((c) => [c.id, c.name]));
    res.type("html").send(
      render(
        "people",
        { ...context, title: translate(context.locale, "people.title") },
        {
          q: q ?? "",
          people,
          unknown: unknown.map((u) => ({
            ...u,
            connection:
              u.connectionId === null
                ? "—"
                : (names.get(u.connectionId) ?? u.connectionId),
          })),
          maxMegabytes: MAX_IMPORT_BYTES / 1024 / 1024,
          erased: req.query["erased"] === "1",
        },
      ),
    );
  });

  const showPerson = async (
    req: Request,
    res: Response,
    options: { confirmErase: boolean },
  ) => {
    const id = routeParam(req.params["id"]);
    const found =
      id === undefined
        ? null
        : await getPersonWithTimeline(
            deps.db,
            sessionOf(res).user.tenantId,
            id,
          );
    if (found === null)
      throw new NotFoundError("No such person.", "PERSON_NOT_FOUND");
    const { person, nudges } = found;
    const context = pageContext(
      res,
      person.name ?? person.email ?? person.externalId ?? person.id,
      "people",
    );
    res.type("html").send(
      render("person", context, {
        person,
        confirmErase: options.confirmErase,
        timeline: nudges.map((nudge) => ({
          id: nudge.id,
          rule: nudge.plan.ruleVersion.rule.key,
          ruleVersion: nudge.plan.ruleVersion.version,
          step: nudge.stepKey,
          template: nudge.template,
          asLearner: nudge.plan.personId === person.id,
          recipientKind: nudge.recipientKind,
          status: nudge.status,
          reason: nudge.reason,
          local: localTime(nudge.dueAt, person.timeZone),
          merged: nudge.mergedIntoDeliveryId !== null,
          delivery: nudge.delivery?.status ?? null,
          training: nudge.plan.trigger.objectId,
        })),
      }),
    );
  };

  router.get("/people/:id", (req, res) =>
    showPerson(req, res, { confirmErase: false }),
  );

  // The first POST asks (the person page with a confirm button); confirm=yes erases.
  router.post("/people/:id/erase", requireRole("admin"), async (req, res) => {
    if (formField(req.body, "confirm") !== "yes") {
      await showPerson(req, res, { confirmErase: true });
      return;
    }
    const { jobIds } = await deletePerson(
      deps.db,
      sessionOf(res).user.tenantId,
      routeParam(req.params["id"]) ?? "",
    );
    res.redirect(303, "/console/people?erased=1");
    await removeNudgeJobsAfterResponse(deps, jobIds);
  });
}

/**
 * POST /people/import: a multipart form with `_csrf` first, then the CSV `file`, streamed to
 * importPeople. Mounted before the router's CSRF check, as that reads only url-encoded bodies:
 * this route checks the token itself before it reads a byte of the file.
 */
export function mountPeopleImport(
  router: Router,
  deps: Pick<WebDeps, "db" | "jobs" | "logger">,
  render: ConsoleRender,
): void {
  router.post("/people/import", requireRole("editor"), async (req, res) => {
    const tenantId = sessionOf(res).user.tenantId;
    const tenant = await deps.db.tenant.findUniqueOrThrow({
      where: { id: tenantId },
    });
    const context = pageContext(res, "", "people");
    const page = {
      ...context,
      title: translate(context.locale, "people.importReport"),
    };
    const show = (status: number, data: Record<string, unknown>) => {
      res
        .status(status)
        .type("html")
        .send(render("people-import", page, data));
    };
    const progress = importProgress(res, render, page, {
      totalBytes: Number(req.get("content-length")),
    });
    let received;
    try {
      received = await receiveCsv(req, res, (source) =>
        importPeople(deps.db, {
          tenantId,
          source,
          defaults: {
            locale: tenant.defaultLocale,
            timeZone: tenant.defaultTimeZone,
          },
          onProgress: progress.update,
          progressEvery: PROGRESS_EVERY_ROWS,
        }),
      );
    } catch (error) {
      if (progress.started()) {
        // The page is on its way already: say it there, and keep the cause in the log.
        deps.logger.error(
          { err: errorMessage(error) },
          "a people import failed after its progress page started",
        );
        progress.fail();
        return;
      }
      if (error instanceof ImportHeaderError) {
        show(400, { headerError: error.message });
        return;
      }
      throw error;
    }
    const { report, truncated } = received;
    await deps.jobs?.processStatements(tenantId, report.pendingStatementIds);
    const data = {
      report,
      pending: report.pendingStatementIds.length,
      truncated,
      maxMegabytes: MAX_IMPORT_BYTES / 1024 / 1024,
    };
    if (progress.started()) progress.finish(data);
    else show(200, data);
  });
}

/** Rows between progress reports of a console import. */
const PROGRESS_EVERY_ROWS = 250;
/** Least real time between two progress bars written to the page. */
const PROGRESS_INTERVAL_MS = 250;

/**
 * The progress bar of a large import, without JavaScript: once the first rows went in, the page
 * is streamed. Each update appends a bar (share of the file imported, by the CSV parser's byte count, and rows so far) to a container
 * where each bar is drawn over the one before it (CSS positions them on one spot), and the report ends the page. A small file never gets
 * that far and gets its report page at once, with its real status (400 for a bad header).
 */
function importProgress(
  res: Response,
  render: ConsoleRender,
  page: PageContext,
  options: { totalBytes: number },
): {
  update: (progress: { rows: number; failed: number; bytes: number }) => void;
  started(): boolean;
  finish(data: Record<string, unknown>): void;
  fail(): void;
} {
  let tail: string | undefined;
  let lastWrite = 0;
  const total =
    Number.isFinite(options.totalBytes) && options.totalBytes > 0
      ? options.totalBytes
      : undefined;
  const step = (rows: number, failed: number, bytes: number, done: boolean) => {
    const value = done
      ? 1
      : total === undefined
        ? 0
        : Math.min(1, bytes / total);
    res.write(
      render.fragment("people-import-step", page, {
        max: 100,
        value: Math.round(value * 100),
        percent: Math.round(value * 100),
        rows,
        failed,
      }),
    );
  };
  return {
    update: ({ rows, failed, bytes }) => {
      const now = Date.now();
      if (tail !== undefined && now - lastWrite < PROGRESS_INTERVAL_MS) return;
      lastWrite = now;
      if (tail === undefined) {
        const parts = render.around("people-import-running", page);
        tail = parts.tail;
        res.status(200).type("html");
        // Proxies must pass the bars on as they come (nginx buffers otherwise).
        res.set("X-Accel-Buffering", "no");
        res.write(parts.head);
      }
      step(rows, failed, bytes, false);
    },
    started: () => tail !== undefined,
    finish: (data) => {
      const report = data["report"] as { rows: number; failed: number };
      step(report.rows, report.failed, 0, true);
      res.end(render.fragment("people-import-done", page, data) + (tail ?? ""));
    },
    fail: () => {
      res.end(
        render.fragment("people-import-done", page, {
          headerError: translate(page.locale, "people.importFailed"),
        }) + (tail ?? ""),
      );
    },
  };
}

function noFile(): ValidationError {
  return new ValidationError(
    "Choose a CSV file to import.",
    [{ path: ["file"], message: "is required" }],
    "CSV_UPLOAD_INVALID",
  );
}

/** Reads a multipart upload: checks `_csrf` (which must come first), then hands the file to `use`. */
function receiveCsv(
  req: Request,
  res: Response,
  use: (source: Readable) => Promise<ImportReport>,
): Promise<{ report: ImportReport; truncated: boolean }> {
  if (!req.is("multipart/form-data")) {
    const body: unknown = req.body;
    const token =
      typeof body === "object" && body !== null && "_csrf" in body
        ? String(body._csrf)
        : "";
    assertCsrfToken(res, token);
    throw new ValidationError(
      "Upload the CSV file with the import form (multipart/form-data).",
      [{ path: ["file"], message: "is required" }],
      "CSV_UPLOAD_INVALID",
    );
  }
  return new Promise((resolve, reject) => {
    let token = "";
    let importing: Promise<ImportReport> | undefined;
    let truncated = false;
    let failed = false;
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      req.unpipe(parser);
      req.resume();
      reject(error);
    };
    const parser = busboy({
      headers: req.headers,
      limits: { files: 1, fields: 5, fileSize: MAX_IMPORT_BYTES },
    });
    const failWith = (error: unknown) => {
      fail(error instanceof Error ? error : new Error(String(error)));
    };
    parser.on("field", (name, value) => {
      if (name === "_csrf") token = value;
    });
    parser.on("file", (_name, file, info) => {
      try {
        assertCsrfToken(res, token);
      } catch (error) {
        file.resume();
        failWith(error);
        return;
      }
      if (info.filename === "") {
        file.resume();
        fail(noFile());
        return;
      }
      const rows = wholeLinesOnly();
      file.on("limit", () => {
        truncated = true;
        rows.dropTail(); // the cut row would import shortened values
      });
      importing = use(file.pipe(rows));
      // The import stops reading on a bad header: drain the rest so the upload can finish.
      importing.catch(() => file.resume());
    });
    parser.on("error", fail);
    parser.on("close", () => {
      if (failed) return;
      if (importing === undefined) {
        try {
          assertCsrfToken(res, token);
        } catch (error) {
          failWith(error);
          return;
        }
        fail(noFile());
        return;
      }
      importing.then((report) => {
        resolve({ report, truncated });
      }, failWith);
    });
    req.pipe(parser);
  });
}
