/** @odoo-module */
import {mount, whenReady} from "@odoo/owl";
import {AgentApp, AgentModel} from "./agent_app";

whenReady(async () => {
    const root = document.getElementById("d2d-agent-root");
    if (!root) {
        return;
    }
    const session = JSON.parse(document.getElementById("d2d-agent-session").textContent);
    const model = new AgentModel(session);
    window.d2dAgent = model; // for the browser tests and support
    if ("serviceWorker" in navigator) {
        navigator.serviceWorker.register("/d2d/sw.js", {scope: "/d2d/"}).catch(() => {});
    }
    await mount(AgentApp, root, {props: {model}});
    model.ready = model.start(); // resolved after the first sync attempt
    await model.ready;
});
