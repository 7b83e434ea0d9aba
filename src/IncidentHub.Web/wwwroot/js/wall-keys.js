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
