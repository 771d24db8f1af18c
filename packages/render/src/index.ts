export { type MessageLocale, MESSAGES, messagesFor } from "./messages";
export {
  createRenderer,
  describeRenderError,
  HELPER_NAMES,
  type PackSources,
  type RenderedEmail,
  type Renderer,
  type RenderError,
  toText,
} from "./renderer";
