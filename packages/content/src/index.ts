export {
  checkTemplateEdit,
  type ContentPack,
  loadContentPack,
  TemplateAction,
  type TemplateParts,
  TEMPLATES_DIR,
} from "./load-content-pack";
export { type PreviewError, previewTemplate } from "./preview";
export {
  createTenantRenderers,
  type OverrideProblem,
  type TemplateOverride,
  type TemplateOverrideSource,
  type TenantRenderers,
} from "./tenant-renderers";
