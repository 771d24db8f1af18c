import { err, type Result } from "@beklijf/core";
import {
  type RenderedEmail,
  type RenderError,
  sampleContext,
} from "@beklijf/render";

import type { ContentPack } from "./load-content-pack";

export type PreviewError =
  RenderError | { kind: "unknown-template"; template: string; locale: string };

/**
 * Renders a template for a preview or a test send: the documented sample context of `locale`
 * (see `sampleContext`), with `data` laid over it (objects merge, anything else replaces), so a
 * preview file only needs the fields it wants to change.
 */
export function previewTemplate(
  pack: Pick<ContentPack, "renderer" | "actions">,
  input: { template: string; locale: string; data?: Record<string, unknown> },
): Result<RenderedEmail, PreviewError> {
  if (pack.actions[input.template] === undefined)
    return err({
      kind: "unknown-template",
      template: input.template,
      locale: input.locale,
    });
  return pack.renderer.render({
    template: input.template,
    locale: input.locale,
    data: overlay(sampleContext(input.locale), input.data ?? {}),
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function overlay(
  base: Record<string, unknown>,
  top: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(top)) {
    const under = out[key];
    out[key] =
      isRecord(under) && isRecord(value) ? overlay(under, value) : value;
  }
  return out;
}
