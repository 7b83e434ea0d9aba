// Keyboard shortcuts of the incident wall (j/k move, a acknowledges, Enter opens, ? shows them): the keys go to the
// wall's circuit, which owns the selection and does the work; typing in a field, or with a modifier, is left alone.
const keys = new Set(["j", "k", "a", "Enter", "?", "Escape"]);

export function attach(wall) {
    const handler = (event) => {
        const target = event.target;
        if (event.ctrlKey || event.metaKey || event.altKey || !keys.has(event.key)) {
            return;
        }
        if (target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT", "BUTTON"].includes(target.tagName))) {
            return;
        }
        if (event.key === "Enter" && target instanceof HTMLAnchorElement) {
            return;
        }
        event.preventDefault();
        wall.invokeMethodAsync("OnKey", event.key);
    };
    document.addEventListener("keydown", handler);
    return { detach: () => document.removeEventListener("keydown", handler) };
}

export function reveal(number) {
    const row = document.querySelector(`[data-testid=incident-row][data-number="${number}"]`);
    row?.scrollIntoView({ block: "nearest" });
}

// The wall's ages ("42s", "17m", "3h 05m", "2d 4h", as Ago.Format writes them), kept current here: the server writes a
// row's age when it renders the row and never re-renders a row only because time passed, so an idle wall receives
// nothing. One timer per page; it only reads attributes and writes the texts that changed (no layout reads).
// serverNow is the server's clock when the page started: a browser whose clock is off still shows the server's ages.
export function ages(serverNow, periodMs = 15000) {
    const skew = serverNow - Date.now();
    const tick = () => {
        const now = Date.now() + skew;
        for (const time of document.querySelectorAll("time.ih-age[datetime]")) {
            // The text node Blazor wrote, changed in place: Blazor keeps its reference for the row's next render.
            const node = time.firstChild;
            const text = format(now - Date.parse(time.getAttribute("datetime")));
            if (node?.nodeType === Node.TEXT_NODE && node.nodeValue !== text) {
                node.nodeValue = text;
            }
        }
    };
    const timer = setInterval(tick, periodMs);
    return { stop: () => clearInterval(timer), tick };
}

export function format(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return `${s}s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m}m`;
    const h = Math.floor(m / 60);
    if (h < 24) return `${h}h ${String(m % 60).padStart(2, "0")}m`;
    return `${Math.floor(h / 24)}d ${h % 24}h`;
}
