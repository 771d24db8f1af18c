export { type ContentPack, TEMPLATES_DIR, loadContentPack } from "./load-content-pack";
