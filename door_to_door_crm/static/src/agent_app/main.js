/** @odoo-module */
import {mount, whenReady} from "@odoo/owl";
import {getTemplate} from "@web/core/templates";
import {AgentApp} from "./app/agent_app";
import {AgentService} from "./services/agent_service";

whenReady(async () => {
    const root = document.getElementById("d2d-agent-root");
    if (!root) {
        return;
    }
    const session = JSON.parse(document.getElementById("d2d-agent-session").textContent);
    const agent = new AgentService(session);
    window.d2dAgent = agent; // for the browser tests and support
    if ("serviceWorker" in navigator) {
        navigator.serviceWorker.register("/d2d/sw.js", {scope: "/d2d/"}).catch(() => {});
    }
    // the service in the app's environment: components reach it by useAgent()
    await mount(AgentApp, root, {env: {agent}, getTemplate, dev: Boolean(session.debug)});
    agent.ready = agent.start(); // resolved after the first sync attempt
    await agent.ready;
});
