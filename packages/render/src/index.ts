export { HELPER_NAMES, type PackSources, type RenderError, type RenderedEmail, type Renderer, createRenderer, describeRenderError, toText } from "./renderer";
export { MESSAGES, type MessageLocale, messagesFor } from "./messages";
