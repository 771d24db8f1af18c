import { errorMessage } from "@beklijf/core";
import {
  getAnswerForForward,
  markAnswerForwarded,
  openLrsPassword,
  recordAnswerForwardError,
} from "@beklijf/db";
import { UnrecoverableError } from "@beklijf/queue";
import { answerStatement } from "@beklijf/xapi";

import { createLrsClient, LrsRequestError } from "../lrs-client";
import type { PullDeps } from "../pull/pull-connection";

export type ForwardOutcome =
  "forwarded" | "already-forwarded" | "not-forwarded";

/**
 * The `answer.forward` job: sends an answer to the LRS of the connection whose statement started
 * the plan, as an xAPI statement with a deterministic id (so a retry after a lost answer is a
 * no-op at the LRS), and marks it forwarded. A transient failure (network, 5xx, 401 until the
 * password is fixed) throws, so BullMQ retries with exponential back-off; each failure is kept on
 * the answer (`forwardError`). An answer that is gone, or whose statement cannot be valid xAPI,
 * is unrecoverable. An answer whose connection no longer forwards is left unsent, not an error.
 */
export async function forwardAnswer(
  deps: Pick<PullDeps, "db" | "clock" | "logger" | "secrets">,
  answerId: string,
  options: { timeoutMs?: number } = {},
): Promise<ForwardOutcome> {
  const answer = await getAnswerForForward(deps.db, answerId);
  if (answer === null)
    throw new UnrecoverableError(`Answer ${answerId} no longer exists`);
  if (answer.forwardedAt !== null) return "already-forwarded";
  const connection = answer.connection;
  if (
    answer.trigger === null ||
    connection === null ||
    !connection.enabled ||
    !connection.forwardAnswers ||
    connection.lrsEndpoint === null ||
    connection.lrsUsername === null ||
    connection.lrsPasswordSealed === null
  ) {
    await recordAnswerForwardError(
      deps.db,
      answerId,
      "not sent: the answer's connection does not forward answers (any more)",
    );
    return "not-forwarded";
  }
  const actor = answer.byLearner
    ? triggerActor(answer.trigger.raw)
    : answer.person.email === null
      ? undefined
      : {
          objectType: "Agent",
          mbox: `mailto:${answer.person.email}`,
          ...(answer.person.name === null ? {} : { name: answer.person.name }),
        };
  const built = answerStatement({
    answerId,
    kind: answer.kind,
    value: answer.value,
    answeredAt: answer.createdAt,
    actor,
    trigger: { id: answer.trigger.id, statement: answer.trigger.raw },
  });
  if (!built.ok) {
    const reason = `cannot build a valid statement: ${built.error.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`;
    await recordAnswerForwardError(deps.db, answerId, reason);
    throw new UnrecoverableError(`Answer ${answerId}: ${reason}`);
  }
  try {
    const client = createLrsClient(
      {
        endpoint: connection.lrsEndpoint,
        username: connection.lrsUsername,
        password: openLrsPassword(connection.lrsPasswordSealed, deps.secrets),
      },
      options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs },
    );
    // Our Statement was validated against xAPI above; @xapi/xapi's own type is looser.
    await client.sendStatement({ statement: built.value as never });
  } catch (error) {
    await recordAnswerForwardError(deps.db, answerId, errorMessage(error));
    // A 400 means the LRS will never take this statement; anything else may pass later.
    if (error instanceof LrsRequestError && error.status === 400)
      throw new UnrecoverableError(errorMessage(error));
    throw error;
  }
  const id = built.value.id ?? answerId;
  await markAnswerForwarded(deps.db, answerId, deps.clock.now(), id);
  deps.logger.info(
    { answerId, statementId: id, connectionId: connection.id },
    "answer forwarded to the LRS",
  );
  return "forwarded";
}

function triggerActor(raw: unknown): unknown {
  return typeof raw === "object" && raw !== null
    ? Reflect.get(raw, "actor")
    : undefined;
}
