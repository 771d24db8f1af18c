export {
  checkTemplateEdit,
  type ContentPack,
  loadContentPack,
  TemplateAction,
  TEMPLATES_DIR,
} from "./load-content-pack";
export { type PreviewError, previewTemplate } from "./preview";
