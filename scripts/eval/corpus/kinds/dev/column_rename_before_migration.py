"""A release renames a column (expand/contract done in one step): the migration renames `<old>` to `<new>` and runs
before every reader was changed, so a second code path that still selects the old name fails with "column does not
exist" on every call. The release also ships an unrelated code commit. The suspect is the migration."""
from stories import caller_side, http_failures, minutes, op_error, prior_release, release, step

KIND = {
    "name": "column-rename-before-migration",
    "category": "data/schema",
    "severity": "P1",
    "inspired_by": "GitLab post-deploy migration guidelines and Stripe 'Online migrations at scale' (renames must expand, migrate "
                   "readers, then contract); several public status posts of a rename breaking an old reader; companies invented",
}

VARIANTS = [
    dict(lang="PHP", svc="member-portal", table="members", old="fullname", new="display_name", team="accounts",
         routes=["/members/{id}", "/members/search"], path="database/migrations/2026_03_01_101500_rename_fullname_on_members.php",
         content="<?php\n\nreturn new class extends Migration {\n    public function up(): void\n    {\n        Schema::table('members', function (Blueprint $t) {\n            $t->renameColumn('fullname', 'display_name');\n        });\n    }\n};\n",
         needle="renameColumn('fullname'", exc="Illuminate\\Database\\QueryException",
         msg="SQLSTATE[42S22]: Column not found: 1054 Unknown column 'fullname' in 'field list' (SQL: select `id`, `fullname` from `members` where `id` = ?)"),
    dict(lang="Ruby", svc="listing-service", table="listings", old="price_cents", new="amount_cents", team="marketplace",
         routes=["/listings/{id}", "/listings"], path="db/migrate/20260301101500_rename_price_cents_on_listings.rb",
         content="class RenamePriceCentsOnListings < ActiveRecord::Migration[7.2]\n  def change\n    rename_column :listings, :price_cents, :amount_cents\n  end\nend\n",
         needle="rename_column :listings", exc="ActiveRecord::StatementInvalid",
         msg="PG::UndefinedColumn: ERROR:  column listings.price_cents does not exist"),
    dict(lang="C#", svc="claims-api", table="claims", old="claimant_ref", new="policy_holder_ref", team="claims",
         routes=["/api/claims/{id}", "/api/claims"], path="src/ClaimsApi/Migrations/20260301101500_RenameClaimantRef.cs",
         content="public partial class RenameClaimantRef : Migration\n{\n    protected override void Up(MigrationBuilder m)\n    {\n        m.RenameColumn(name: \"claimant_ref\", table: \"claims\", newName: \"policy_holder_ref\");\n    }\n}\n",
         needle="m.RenameColumn(", exc="Npgsql.PostgresException",
         msg="42703: column c.claimant_ref does not exist"),
]


def build(b, p):
    svc = p["svc"]
    b.make_repo(svc, {"database": {"pool_size": 20, "statement_timeout_ms": 3000}}, history=6)
    prior_release(b, svc)
    dep_at = b.at(-9)
    core = b.lang.core_path
    ver, (mig, feat), _, _ = release(
        b, svc,
        [(f"db: rename {p['table']}.{p['old']} to {p['new']}", {p["path"]: p["content"]}, None),
         (f"{p['table']}: read {p['new']} in the profile view", {f"docs/{p['table']}.md": f"# {p['table']}\n\n{p['new']} replaces {p['old']}\n"}, None)],
        dep_at, decoys=[("chore: bump linter", {"docs/dev.md": "# Dev\n\nlinter 4.2\n"}, None)])
    line = b.repo.line_of(p["path"], p["needle"])
    onset = dep_at + minutes(1)
    share = lambda t: step(t, onset, 0, 0.45)  # noqa: E731

    def on_fail(sl, t, rng, route):
        sl.error(t, f"{route} failed", logger="db", trace=op_error(b, "load", p["exc"], p["msg"]), status=500)
    sl = http_failures(b, svc, p["routes"], onset, share, on_fail, rate=0.2)
    sl.info(dep_at, f"{svc} {ver}: migrations applied (1)", logger="migrate")
    b.noise(sl, b.start, b.end, 520, "WARN", "slow query 900ms on search", logger="db")
    caller_side(b, "web-gateway", svc, onset, share)
    b.http_metrics(svc, lambda t: 8.0, share, lambda t: 0.12)
    b.http_metrics("web-gateway", lambda t: 20.0, lambda t: share(t) * 0.4, lambda t: 0.2)
    b.cpu_mem(svc)
    b.set_alert(svc, "HighErrorRate", f"{svc}: 45% of requests fail", f"{svc} 5xx ratio 0.45 since {onset:%H:%M}.", value=0.45, threshold=0.05)
    b.set_truth(svc, f"{ver}'s migration renamed {p['table']}.{p['old']} to {p['new']} while a reader still selects {p['old']}; every such "
                     "query fails because the column no longer exists.",
                [p["msg"][:60], f"{p['path']}:{line}"],
                [("Find the readers of the old column name", "READ"),
                 (f"Add {p['old']} back as a view/generated column or roll the release back", "REVERSIBLE"),
                 ("Redo the rename as expand / migrate readers / contract", "REVERSIBLE")],
                ["slow query warnings", "the docs commit of the same release", "web-gateway 5xx (a symptom)"],
                suspect=(mig, p["path"], line))
    return {"title": f"{svc}: requests fail after {ver}", "primary": svc,
            "narrative": f"{svc} fails about half its requests since {onset:%H:%M} UTC; {ver} deployed at {dep_at:%H:%M}."}
