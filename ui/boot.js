// Loads the Yew app. A separate file (not an inline script) so the CSP can stay 'self'-only.
import init from "./spo-ui.js";
init({ module_or_path: new URL("./spo-ui_bg.wasm", import.meta.url) }).catch((e) => {
  document.body.textContent = "Salla Price Optimizer could not start its interface: " + e;
});
