"""A feature flag is switched on to 100% in the flag service (no deploy, no commit): it enables a code path that was
shipped dark three weeks earlier and never ran in production. The path breaks on part of the accounts (no default
wallet / no card on file), so a share of checkouts fail right after the flip with a stack trace in the flagged file.
The service's own release of a few hours earlier (an innocent pool-size change in its config file) is in the window;
the old commit that added the path is not a fresh deploy. Remedy: switch the flag off."""
from stories import minutes, prior_release, release, step

KIND = {
    "name": "feature-flag-enables-dark-path",
    "category": "config-change",
    "severity": "P1",
    "inspired_by": "https://www.sec.gov/litigation/admin/2013/34-70694.pdf (Knight Capital 2012-08-01: a repurposed flag enabled "
                   "dormant code on one server) and https://launchdarkly.com/blog/using-feature-flags-during-incident-management/ "
                   "(flag flips as the change and as the remedy); companies invented",
}

CODE = {
    "Go": dict(path="internal/core/split_tender.go", func="SplitTender", exc="runtime error", msg="integer divide by zero",
               content='''package core

// SplitTender divides a payment across the cards on file (behind the split_tender flag).
func (s *Service) SplitTender(total int64, cards []Card) []Charge {
	share := total / int64(len(cards))
	out := make([]Charge, 0, len(cards))
	for _, c := range cards {
		out = append(out, Charge{Card: c.ID, Amount: share})
	}
	return out
}
''', needle="share := total / int64(len(cards))"),
    "Node.js": dict(path="src/walletPay.js", func="payWithDefaultWallet", exc="TypeError", msg="Cannot read properties of undefined (reading 'id')",
                    content=''''use strict';

// Pays with the customer's default wallet (behind the wallet_default_pay flag).
async function payWithDefaultWallet(account, amount, gateway) {
  const walletId = account.wallets.find((w) => w.isDefault).id;
  return gateway.charge({ walletId, amount, currency: account.currency });
}

module.exports = { payWithDefaultWallet };
''', needle="const walletId = account.wallets.find((w) => w.isDefault).id;"),
    "C#": dict(path="{Mod}/Core/Autopay.cs", func="ChargeAutopayAsync", exc="System.InvalidOperationException", msg="Sequence contains no matching element",
               content='''namespace {Mod}.Core;

/// <summary>Charges an invoice to the customer's primary card (behind the invoice_autopay flag).</summary>
public sealed class Autopay(IPaymentGateway gateway)
{
    public async Task<ChargeResult> ChargeAutopayAsync(Invoice invoice, IReadOnlyList<Card> cards)
    {
        var primary = cards.First(c => c.IsPrimary);
        return await gateway.ChargeAsync(primary.Token, invoice.AmountDue, invoice.Currency);
    }
}
''', needle="var primary = cards.First(c => c.IsPrimary);"),
}

VARIANTS = [
    dict(lang="Go", svc="checkout-api", team="checkout", flag="split_tender", route="/v1/checkout", share=0.34, pod_alert=True,
         feature="checkout: split a payment across several cards (dark, behind split_tender)"),
    dict(lang="Node.js", svc="basket-service", team="basket", flag="wallet_default_pay", route="/basket/pay", share=0.27, pod_alert=False,
         feature="pay: one-tap payment with the default wallet (dark, behind wallet_default_pay)"),
    dict(lang="C#", svc="billing-portal", team="billing", flag="invoice_autopay", route="/api/invoices/{id}/pay", share=0.4, pod_alert=True,
         feature="billing: autopay invoices with the primary card (dark, behind invoice_autopay)"),
]


def build(b, p):
    svc, L = p["svc"], p["lang"]
    c = CODE[L]
    b.make_repo(svc, {"db": {"pool_size": 20}, "flags": {"sdk_key_env": "FLAGS_SDK_KEY", "poll_interval_s": 30}}, history=7)
    path = c["path"].replace("{Mod}", getattr(b.lang, "Mod", ""))
    content = c["content"].replace("{Mod}", getattr(b.lang, "Mod", ""))
    prior_release(b, svc, days_ago=30)
    dark_at = b.at(-60 * 24 * 21)
    dark_ver, (dark,), _, _ = release(b, svc, [(p["feature"], {path: content}, None)], dark_at,
                                      decoys=[("docs: flag ownership", {"docs/flags.md": f"# Flags\n\n- {p['flag']}: {p['team']}, off\n"}, None)])
    b.next_minor += 1
    rel_at = b.at(-60 * 4 - b.rng.randint(0, 50))
    # an innocent change of the service's own config file a few hours earlier
    b.edit_config("config: db pool 20 -> 24 for the evening peak", "db", "pool_size", 24, at=rel_at - minutes(60 * 70))
    ver, _, _, _ = release(b, svc, [("ui: copy tweaks on the receipt", {"docs/receipt.md": "# Receipt\n\nThanks for your order.\n"}, None)], rel_at)
    flip_at = b.at(-9)
    b.deploy(svc, f"flag {p['flag']}: off -> on (100%)", None, flip_at, kind="flag", status="succeeded", actor="flags-console")
    line = b.repo.line_of(path, c["needle"])
    onset = flip_at + minutes(0.5)
    trace = b.trace(c["exc"], c["msg"], [(path, line, c["func"]), b.handle_frame("load")])
    share = lambda t: step(t, onset, 0.0, p["share"])  # noqa: E731
    sl = b.svc(svc)

    def req(t, rng):
        route = p["route"] if rng.random() < 0.6 else "/v1/cart"
        if route == p["route"] and rng.random() < share(t):
            sl.error(t, f"POST {route} 500", logger="http", status=500, trace=trace, flag=p["flag"])
            return
        sl.info(t, f"{'POST' if route == p['route'] else 'GET'} {route} 200", logger="access", status=200, duration_ms=rng.randint(30, 160))
    sl.stream(b.start, b.end, 0.22, req)
    sl.info(flip_at + minutes(0.2), f"flags: ruleset updated to version {b.rng.randint(300, 900)} ({p['flag']}: true for 100% of contexts)", logger="flags")
    sl.info(rel_at, f"{svc} {ver} started (db pool 24)", logger="main")
    b.noise(sl, b.start, b.end, 360, "WARN", "flags: streaming connection reset, falling back to polling", logger="flags")
    b.noise(sl, b.start, b.end, 800, "ERROR", "receipt mailer: template 'receipt_v2' missing locale pt-BR, using en", logger="mailer")
    b.http_metrics(svc, lambda t: 11.0, share, lambda t: 0.14, routes=(p["route"], "/v1/cart"))
    b.counter(svc, "checkout_attempts", "checkout attempts by outcome", {"outcome": "failed"}, lambda t, i: 0.05 + 6.0 * share(t))
    b.counter(svc, "checkout_attempts", "checkout attempts by outcome", {"outcome": "paid"}, lambda t, i: 6.0 * (1 - share(t)))
    b.gauge(svc, "feature_flag_enabled", "flag evaluation result share", {"flag": p["flag"]}, lambda t, i: step(t, onset, 0.0, 1.0), 2)
    b.gauge(svc, "db_pool_in_use_ratio", "share of the connection pool in use", {}, lambda t, i: 0.31 if t < rel_at else 0.27, 2)
    b.cpu_mem(svc)
    alert_svc = b.host_of(svc) if p["pod_alert"] else svc
    b.set_alert(alert_svc, "HighErrorRate", f"{alert_svc}: 5xx ratio {int(p['share'] * 100)}% on {p['route']}",
                f"5xx ratio on {p['route']} above 5% for 5m (pod {b.host_of(svc)}).", value=p["share"], threshold=0.05)
    b.set_truth(svc, f"The flag {p['flag']} was switched on for 100% at {flip_at:%H:%M} (no deploy). It enables a code path shipped dark in "
                     f"{dark_ver} three weeks earlier that fails for accounts without the expected card/wallet ({c['exc']} at {path}:{line}); "
                     f"about {int(p['share'] * 100)}% of payments fail.",
                [f"flag {p['flag']}: off -> on", "flags: ruleset updated", f"{path}:{line}", c["exc"], "checkout_attempts_total{outcome=\"failed\"}"],
                [(f"Check the flag's change history and whether failures started at the flip", "READ"),
                 (f"Switch {p['flag']} off (or back to 0%)", "REVERSIBLE"),
                 (f"Fix the missing-card/wallet case at {path}:{line} before re-enabling gradually", "REVERSIBLE")],
                [f"{svc} {ver} released hours earlier (db pool 20 -> 24 in its config file)", "flags streaming reset warnings (all hour)",
                 "receipt mailer locale errors", f"the commit that added the path ({dark_ver}) is three weeks old and was harmless while dark"])
    b.extra_scenario["note"] = "the change is a deploy entry of kind flag with no commit; the failing frame is in old dark code"
    return {"title": f"{svc}: payments failing on {p['route']}", "primary": svc,
            "narrative": f"Support reports failed payments since about {onset:%H:%M} UTC. {svc} {ver} shipped this afternoon."}
