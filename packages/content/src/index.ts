export {
  type ContentPack,
  loadContentPack,
  TEMPLATES_DIR,
} from "./load-content-pack";
