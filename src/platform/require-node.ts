/**
 * Imported first by every entry point (src/index.ts, src/cli/main.ts): ES
 * modules run in import order, so on an older Node this exits with one
 * sentence before any later import loads isolated-vm's native build.
 */
import { exitUnlessNodeSupported } from "./node-version.js";

exitUnlessNodeSupported();
