export { HELPER_NAMES, pickFromLanguageMap } from "./helpers";
export { LINK_PURPOSES, type LinkAction, signNudgeLinks } from "./links";
export {
  type MessageLocale,
  messageLocale,
  MESSAGES,
  messagesFor,
} from "./messages";
export {
  createRenderer,
  describeRenderError,
  type PackSources,
  type RenderedEmail,
  type Renderer,
  type RenderError,
  type Section,
  type TemplateSources,
  toText,
} from "./renderer";
export { type NudgeContext, sampleContext } from "./sample-context";
export { checkTemplate, validateTemplates } from "./validate-pack";
